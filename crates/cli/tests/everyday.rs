//! The everyday flags beyond memaslap's: each run against memcached, with
//! what the server saw checked against what the flag asked for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::memaslap;
use std::io::{Read, Write};
use support::Memcached;

/// The value stored under `key`.
fn value_len(server: &Memcached, key: &str) -> usize {
    let mut stream = server.connect();
    stream
        .write_all(format!("get {key}\r\n").as_bytes())
        .unwrap();
    let mut reply = Vec::new();
    let mut chunk = [0u8; 4096];
    while !reply.ends_with(b"END\r\n") {
        let n = stream.read(&mut chunk).unwrap();
        assert!(n > 0);
        reply.extend_from_slice(&chunk[..n]);
    }
    let header = String::from_utf8_lossy(&reply);
    header
        .split("\r\n")
        .next()
        .unwrap()
        .split(' ')
        .nth(3)
        .unwrap()
        .parse()
        .unwrap()
}

#[test]
fn ratio_sets_the_mix_the_server_sees() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let before = server.stats();
    let run = memaslap(&["-s", &addr, "-x", "20000", "--ratio", "1:1"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains("set proportion: set_prop=0.50"),
        "{}",
        run.stdout
    );
    let after = server.stats();
    let sets = (after["cmd_set"] - before["cmd_set"]) as f64;
    let gets = (after["cmd_get"] - before["cmd_get"]) as f64;
    assert_eq!(sets + gets, 20000.0);
    assert!(
        (sets / (sets + gets) - 0.5).abs() <= 0.01,
        "{sets} sets, {gets} gets"
    );
}

#[test]
fn keys_carry_the_prefix_and_sizes_stay_in_range() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let args = [
        "-s",
        &addr,
        "-x",
        "3000",
        "-w",
        "500",
        "--key-prefix",
        "app:",
        "--key-size",
        "20-40",
        "--value-size",
        "100-300",
        "-v",
        "1",
    ];
    let run = memaslap(&args);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    for line in ["key prefix: app:", "key size: 20-40", "value size: 100-300"] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    assert_eq!(
        run.counter("verify_failed") + run.counter("verify_misses"),
        0
    );
    let keys = server.keys();
    assert!(keys.len() >= 100, "{} keys", keys.len());
    let mut lengths = std::collections::BTreeSet::new();
    for key in &keys {
        let own = key.strip_prefix("app:").unwrap_or_else(|| panic!("{key}"));
        assert!((20..=40).contains(&own.len()), "{key}");
        lengths.insert(own.len());
    }
    assert!(
        lengths.len() > 5,
        "lengths drawn from the range: {lengths:?}"
    );
    for key in keys.iter().take(30) {
        let len = value_len(&server, key);
        assert!((100..=300).contains(&len), "{key}: {len}");
    }
}

#[test]
fn percentiles_choose_the_latency_columns() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let run = memaslap(&["-s", &addr, "-x", "2000", "--percentiles", "99.9,50"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let header = run.stdout.lines().find(|l| l.starts_with("Type ")).unwrap();
    let columns: Vec<&str> = header.split_whitespace().collect();
    assert_eq!(columns, ["Type", "Ops", "p50", "p99.9", "max"]);
    let total = run
        .stdout
        .lines()
        .rfind(|l| l.starts_with("Total "))
        .unwrap();
    assert_eq!(total.split_whitespace().count(), 5, "{total}");
}

#[test]
fn bad_everyday_flags_name_themselves_and_exit_2() {
    for (args, says) in [
        (&["--ratio", "0:0"][..], "SET:GET"),
        (&["--key-size", "10"][..], "--key-size"),
        (&["--value-size", "5", "-X", "10"][..], "--value-size"),
        (&["--value-size", "3-2"][..], "A-B"),
        (&["--key-prefix", "a b"][..], "key prefix"),
        (
            &["--key-prefix", &"x".repeat(60), "--key-size", "200"][..],
            "--key-prefix",
        ),
        (&["--percentiles", "100"][..], "percentiles"),
        (&["-T", "1025"][..], "1..=1024"),
        (&["-c", "1000001"][..], "1..=1000000"),
        (&["-n", "1025"][..], "1..=1024"),
        (&["-c", "1000000", "-n", "2"][..], "at most 1000000"),
        (&["-S", "36501d"][..], "36500d"),
        (&["--tcp-timeout", "9223372036854775807"][..], "36500d"),
        (&["--start-at", "1e300"][..], "the year 9999"),
        (
            &["-X", "18446744073709551615"][..],
            "got 18446744073709551615",
        ),
        (
            &["--instance", "2/3", "-x", "2"][..],
            "leaves instance 2/3 no request; give -x at least 33",
        ),
    ] {
        let mut full = vec!["-s", "127.0.0.1:1", "-t", "1s"];
        full.extend_from_slice(args);
        let run = memaslap(&full);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn runs_repeat_against_the_same_server_and_summarise() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let before = server.stats();
    let run = memaslap(&["-s", &addr, "-x", "3000", "--runs", "3"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    for k in 1..=3 {
        assert!(
            run.stdout.contains(&format!("\nrun {k} of 3\n")),
            "{}",
            run.stdout
        );
    }
    assert_eq!(run.stdout.matches("servers: ").count(), 1, "one banner");
    let after = server.stats();
    let ops = |s: &std::collections::HashMap<String, u64>| s["cmd_get"] + s["cmd_set"];
    assert_eq!(ops(&after) - ops(&before), 3 * 3000);
    let rows: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.contains("ops/s"))
        .collect();
    let names: Vec<&str> = rows
        .iter()
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        names,
        ["Run", "1", "2", "3", "best", "worst", "median"],
        "{}",
        run.stdout
    );
    // Each run's client CPU a request, the last column.
    for row in &rows[1..] {
        let client: f64 = row.split_whitespace().last().unwrap().parse().unwrap();
        assert!(client > 0.0, "{row}");
    }
}

/// A memcached listening only on a Unix domain socket, stopped on drop.
struct UnixMemcached {
    child: std::process::Child,
    path: std::path::PathBuf,
}

impl UnixMemcached {
    fn start() -> UnixMemcached {
        let path = std::env::temp_dir().join(format!("memaslap-{}.sock", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut child = std::process::Command::new("memcached")
            .arg("-s")
            .arg(&path)
            .args(["-u", "nobody", "-a", "0777"])
            .spawn()
            .expect("memcached on PATH");
        for _ in 0..200 {
            if std::os::unix::net::UnixStream::connect(&path).is_ok() {
                return UnixMemcached { child, path };
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("memcached did not listen on {}", path.display());
    }

    fn stat(&self, name: &str) -> u64 {
        let mut stream = std::os::unix::net::UnixStream::connect(&self.path).unwrap();
        stream.write_all(b"stats\r\n").unwrap();
        let mut reply = Vec::new();
        let mut chunk = [0u8; 8192];
        while !reply.ends_with(b"END\r\n") {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0);
            reply.extend_from_slice(&chunk[..n]);
        }
        let text = String::from_utf8(reply).unwrap();
        let prefix = format!("STAT {name} ");
        text.lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    }
}

impl Drop for UnixMemcached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.path);
    }
}

#[test]
fn unix_domain_socket_servers_in_both_protocols() {
    let server = UnixMemcached::start();
    let addr = format!("unix:{}", server.path.display());
    for binary in [false, true] {
        let (gets, sets) = (server.stat("cmd_get"), server.stat("cmd_set"));
        let mut args = vec!["-s", &addr, "-x", "20000", "-c", "8"];
        if binary {
            args.push("-B");
        }
        let run = memaslap(&args);
        assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains(&format!("servers: {addr}\n")),
            "{}",
            run.stdout
        );
        assert_eq!(run.counter("cmd_get"), server.stat("cmd_get") - gets);
        assert_eq!(run.counter("cmd_set"), server.stat("cmd_set") - sets);
        assert_eq!(run.counter("cmd_get") + run.counter("cmd_set"), 20000);
    }
    for datagrams in ["-U", "-a"] {
        let run = memaslap(&["-s", &addr, "-t", "1s", "-d", "2", datagrams]);
        assert_eq!(run.code, 2, "{}", run.stderr);
        assert!(run.stderr.contains("Unix domain socket"), "{}", run.stderr);
    }
}

#[test]
fn values_the_server_refuses_are_named_as_the_cause() {
    // memcached's items are at most 1 MiB (-I), key and header included:
    // a 1 MiB value is refused with SERVER_ERROR, every time.
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let run = memaslap(&["-s", &addr, "-X", "1m", "-x", "20", "-c", "1"]);
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stderr.contains(
            "no request completed: every reply was an error (server_error 20); \
                 the last: SERVER_ERROR object too large for cache"
        ),
        "{}",
        run.stderr
    );
}
