//! The `memaslap` binary against real memcached servers: every mode, with
//! the tool's counts checked against the servers' own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::{Run, memaslap};
use std::collections::HashMap;
use support::Memcached;

/// Runs memaslap with `args` against a fresh memcached and checks that its
/// counts equal the server's deltas and that every request ended.
fn accounted(args: &[&str]) -> Run {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let before = server.stats();
    let mut full = vec!["-s", addr.as_str()];
    full.extend_from_slice(args);
    let run = memaslap(&full);
    assert_eq!(
        run.code, 0,
        "{args:?}\nstdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    let after = server.stats();
    check_accounting(&run, &[(&before, &after)], args);
    run
}

/// A server's `stats` before and after a run.
type Snapshots<'a> = (&'a HashMap<String, u64>, &'a HashMap<String, u64>);

fn check_accounting(run: &Run, servers: &[Snapshots<'_>], args: &[&str]) {
    let delta = |name: &str| -> u64 { servers.iter().map(|(b, a)| a[name] - b[name]).sum() };
    assert_eq!(run.counter("cmd_get"), delta("cmd_get"), "cmd_get {args:?}");
    assert_eq!(run.counter("cmd_set"), delta("cmd_set"), "cmd_set {args:?}");
    assert_eq!(
        run.counter("get_misses"),
        delta("get_misses"),
        "get_misses {args:?}"
    );
    let [sent, completed, failed, timed_out] = run.requests();
    assert_eq!(sent, completed + failed + timed_out, "{args:?}");
    assert_eq!(failed + timed_out, 0, "{args:?}: {}", run.stdout);
}

#[test]
fn default_run_with_execute_number() {
    let run = accounted(&["-x", "20000"]);
    assert_eq!(run.counter("cmd_get") + run.counter("cmd_set"), 20000);
    assert!(run.stdout.contains("execute number: 20000\n"));
    assert!(run.stdout.contains("Latency percentiles (us)"));
}

#[test]
fn timed_run() {
    let run = accounted(&["-t", "2s"]);
    let (ops, secs) = run.ops_and_seconds();
    assert!(ops > 0);
    assert!((2.0..3.5).contains(&secs), "{secs}");
    assert!(run.stdout.contains("run time: 2s\n"));
}

#[test]
fn threads_and_concurrency() {
    let run = accounted(&["-x", "20000", "-T", "2", "-c", "8"]);
    assert!(run.stdout.contains("threads count: 2\nconcurrency: 8\n"));
}

#[test]
fn sockets_per_connection() {
    accounted(&["-x", "20000", "-n", "2"]);
}

#[test]
fn multi_get_counts_keys() {
    let run = accounted(&["-x", "20000", "-d", "10"]);
    assert!(run.counter("cmd_get") >= 10_000);
}

#[test]
fn binary() {
    accounted(&["-x", "20000", "-B"]);
}

#[test]
fn binary_multi_get() {
    accounted(&["-x", "20000", "-B", "-d", "10"]);
}

#[test]
fn udp() {
    let run = accounted(&["-x", "20000", "-U"]);
    assert_eq!(run.counter("udp_timeout"), 0);
    assert_eq!(run.counter("packet_drop"), 0);
}

/// memcached answers a multi-get over UDP with a message per item under
/// the request's id: each is taken in as it comes, none counted lost.
#[test]
fn udp_multi_get() {
    let run = accounted(&["-x", "20000", "-U", "-d", "10"]);
    assert_eq!(run.counter("udp_timeout"), 0);
    assert_eq!(run.counter("packet_drop"), 0);
}

/// A set of a 64-byte key and a 1,310-byte value is 1,391 bytes on the
/// wire: it fits one datagram, as in the original memaslap.
#[test]
fn udp_with_values_as_large_as_a_datagram_takes() {
    let run = accounted(&["-t", "2s", "-U", "-X", "1310"]);
    assert!(run.counter("cmd_set") > 0);
    assert_eq!(run.counter("udp_timeout"), 0);
}

/// The meta protocol in every mode, counted as memcached counts it.
#[test]
fn meta_protocol() {
    for args in [
        &["-x", "20000"][..],
        &["-t", "2s"],
        &["-x", "20000", "-d", "10"],
        &["-x", "20000", "-v", "1"],
        &["-x", "20000", "--depth", "16"],
        &["-x", "20000", "-U"],
        &["-x", "20000", "-e", "0.5"],
    ] {
        let mut full = vec!["--protocol", "meta"];
        full.extend_from_slice(args);
        let run = accounted(&full);
        assert!(run.counter("cmd_get") > 0, "{args:?}");
        if args.contains(&"-v") {
            assert_eq!(run.counter("verify_failed"), 0, "{args:?}");
            assert_eq!(run.counter("verify_misses"), 0, "{args:?}");
        }
    }
    let run = memaslap(&["-s", "127.0.0.1:1", "--protocol", "meta", "-B"]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(run.stderr.contains("--protocol"), "{}", run.stderr);
}

/// The wire carries meta commands: memcached with `-vv` logs every command
/// it reads, and in meta mode they are `ms`, `mg` and `mn`, no text
/// command.
#[test]
fn meta_protocol_on_the_wire() {
    let mut server = Memcached::start_with(&["-vv"]);
    let log = server.log();
    let addr = format!("127.0.0.1:{}", server.port());
    let run = memaslap(&["-s", &addr, "--protocol", "meta", "-x", "400", "-d", "4"]);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    drop(server);
    let log = log.join().unwrap();
    let mut seen = HashMap::<String, usize>::new();
    for line in log.lines().filter(|l| l.starts_with('<')) {
        // `<fd command ...`: the command read from connection fd.
        if let Some(word) = line.split(' ').nth(1) {
            *seen.entry(word.to_owned()).or_default() += 1;
        }
    }
    let sets = run.counter("cmd_set") as usize;
    assert!(sets > 0 && seen.get("ms") == Some(&sets), "{seen:?}");
    assert!(seen.get("mg").is_some_and(|&n| n > 0), "{seen:?}");
    assert!(seen.get("mn").is_some_and(|&n| n > 0), "{seen:?}");
    for text in ["get", "gets", "set", "add", "replace"] {
        assert!(!seen.contains_key(text), "{seen:?}");
    }
}

#[test]
fn facebook_mode() {
    let run = accounted(&["-x", "20000", "-a", "-d", "4"]);
    assert_eq!(run.counter("udp_timeout"), 0);
}

#[test]
fn verify_everything() {
    let run = accounted(&["-x", "20000", "-v", "1.0"]);
    assert_eq!(run.counter("verify_failed"), 0);
    assert_eq!(run.counter("verify_misses"), 0);
}

#[test]
fn expiry_and_overwrite() {
    let run = accounted(&["-x", "20000", "-e", "0.5"]);
    assert_eq!(run.counter("expired_get"), 0);
    assert_eq!(run.counter("unexpired_unget"), 0);
    accounted(&["-x", "20000", "-o", "0.5", "-v", "1"]);
}

#[test]
fn config_file() {
    let dir = std::env::temp_dir().join(format!("memaslap-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("dist.cfg");
    std::fs::write(
        &path,
        "# sizes\nkey\n16 32 0.5\n100 128 0.5\nvalue\n100 200 0.7\n2000 4000 0.3\ncmd\n0 0.3\n1 0.7\n",
    )
    .unwrap();
    let run = accounted(&["-x", "20000", "-F", path.to_str().unwrap()]);
    assert!(
        run.stdout.contains("set proportion: set_prop=0.30\n"),
        "{}",
        run.stdout
    );
    let sets = run.counter("cmd_set") as f64;
    assert!((sets / 20000.0 - 0.3).abs() < 0.01, "{sets}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn periodic_statistics() {
    let run = accounted(&["-t", "3s", "-S", "1s"]);
    let periods = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("Period "))
        .count();
    let globals = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("Global "))
        .count();
    // Three tables (get, set, total) per second.
    assert!(periods >= 6 && periods % 3 == 0, "{periods}");
    assert_eq!(periods, globals);
    assert!(
        !run.stdout.contains('\x1b'),
        "no escape codes when not a terminal"
    );
}

#[test]
fn throttled_rate() {
    let run = accounted(&["-P", "2000", "-t", "3s"]);
    let (ops, secs) = run.ops_and_seconds();
    let rate = ops as f64 / secs;
    assert!(
        (rate - 2000.0).abs() / 2000.0 < 0.10,
        "achieved {rate:.0} ops/s"
    );
}

#[test]
fn a_mix_without_sets_stores_every_window_first() {
    let dir = std::env::temp_dir().join(format!("memaslap-getonly-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("getonly.cfg");
    std::fs::write(&path, "key\n64 64 1\nvalue\n100 100 1\ncmd\n0 0\n1 1\n").unwrap();
    // At depth 16 the last warm-up sets must be stored before any get.
    for depth in ["1", "16"] {
        let run = accounted(&[
            "-t",
            "1s",
            "-w",
            "1k",
            "-T",
            "2",
            "-c",
            "4",
            "--depth",
            depth,
            "-F",
            path.to_str().unwrap(),
        ]);
        assert_eq!(run.counter("cmd_set"), 4 * 1024);
        assert!(run.counter("cmd_get") > 0);
        assert_eq!(run.counter("get_misses"), 0, "--depth {depth}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupt_stops_the_run_and_still_reports() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let run = common::interrupted(
        &["-s", &addr, "-t", "600s"],
        std::time::Duration::from_millis(800),
    );
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let (ops, secs) = run.ops_and_seconds();
    assert!(ops > 0);
    assert!(secs < 600.0, "the run went on after the interrupt");
    let [sent, completed, failed, timed_out] = run.requests();
    assert_eq!(sent, completed + failed + timed_out);
}

#[test]
fn pipelined_depth() {
    let run = accounted(&["-x", "20000", "--depth", "8", "-v", "1", "-o", "0.3"]);
    assert_eq!(run.counter("cmd_get") + run.counter("cmd_set"), 20000);
    assert_eq!(run.counter("verify_failed"), 0);
    assert_eq!(run.counter("verify_misses"), 0);
    accounted(&["-x", "20000", "--depth", "8", "-B", "-d", "4", "-v", "1"]);
}

#[test]
fn depth_is_refused_where_it_cannot_work() {
    for args in [
        &["--depth", "4", "-U"][..],
        &["--depth", "4", "-n", "2"],
        &["--depth", "0"],
        &["--depth", "1025"],
    ] {
        let mut full = vec!["-s", "127.0.0.1:1", "-x", "10"];
        full.extend_from_slice(args);
        let run = memaslap(&full);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains("depth"), "{args:?}: {}", run.stderr);
    }
}
