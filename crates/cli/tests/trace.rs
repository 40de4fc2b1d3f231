//! Trace replay (`--trace`) against memcached: a CSV trace written here
//! replayed at its own speed, plain and zstd-compressed, its counts checked
//! against the trace's and the server's; malformed lines refused by line;
//! an `oracleGeneral` trace replayed with demand fills.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::{memaslap, run_json};
use serde_json::Value;
use std::collections::HashSet;
use std::path::PathBuf;
use support::Memcached;

/// A file under the temporary directory, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        let path = std::env::temp_dir().join(format!("memaslap-{}-{name}", std::process::id()));
        std::fs::write(&path, bytes).unwrap();
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().unwrap()
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A small deterministic generator for the trace's choices.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

const OPS: [&str; 10] = [
    "get", "get", "get", "gets", "set", "set", "add", "replace", "delete", "incr",
];

/// 10,000 lines over 3 s: 8 clients, 400 keys, every kind of command.
fn csv_trace() -> String {
    let mut rng = Lcg(7);
    let mut text = String::new();
    for i in 0..10_000u64 {
        let op = OPS[rng.below(OPS.len() as u64) as usize];
        let key = rng.below(400);
        let value = if matches!(op, "set" | "add" | "replace") {
            10 + rng.below(3000)
        } else {
            0
        };
        let ttl = if rng.below(4) == 0 { 3600 } else { 0 };
        let time = i as f64 * 3.0 / 10_000.0;
        text.push_str(&format!(
            "{time:.6},key{key},{},{value},{},{op},{ttl}\n",
            10 + key % 40,
            rng.below(8)
        ));
    }
    text
}

fn count(doc: &Value, command: &str, field: &str) -> u64 {
    doc["commands"][command][field].as_u64().unwrap_or(0)
}

/// Replays `path` against a fresh server; checks the tool's counts against
/// the trace's and the server's; returns the JSON.
fn replay_checked(path: &str) -> Value {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let before = server.stats();
    let (run, doc) = run_json(&["-s", &addr, "--trace", path, "-T", "2", "-c", "4"]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let after = server.stats();
    let delta = |name: &str| after[name] - before[name];
    let trace = &doc["trace"];
    assert_eq!(trace["requests"], 10_000);
    assert_eq!(trace["sent"], 10_000);
    assert_eq!(trace["unsent"], 0);
    // Every command of the trace was replayed as often as the trace has it.
    let by_command = trace["by_command"].as_object().unwrap();
    for (command, n) in by_command {
        let c = |f| count(&doc, command, f);
        assert_eq!(
            c("completed") + c("errors") + c("lost"),
            n.as_u64().unwrap(),
            "{command}"
        );
        assert_eq!(c("errors") + c("lost"), 0, "{command}");
    }
    // And the server counted them.
    assert_eq!(
        delta("cmd_get"),
        count(&doc, "get", "keys") + count(&doc, "gets", "keys")
    );
    let storage: u64 = ["set", "add", "replace"]
        .iter()
        .map(|c| count(&doc, c, "completed"))
        .sum();
    assert_eq!(delta("cmd_set"), storage);
    assert_eq!(delta("delete_hits"), count(&doc, "delete", "hits"));
    assert_eq!(delta("delete_misses"), count(&doc, "delete", "misses"));
    assert_eq!(delta("incr_misses"), count(&doc, "incr", "misses"));
    // Replayed at its own speed: the last request could not go before
    // the trace's span had passed.
    let span = trace["span_s"].as_f64().unwrap();
    assert!((span - 2.9997).abs() < 1e-3, "{span}");
    assert!(doc["elapsed_s"].as_f64().unwrap() >= span, "{doc}");
    assert!(trace["lag_p99_us"].as_f64().is_some());
    assert!(
        run.stdout
            .contains("trace: lag behind the trace clock p50 "),
        "{}",
        run.stdout
    );
    doc
}

#[test]
fn a_csv_trace_replays_at_its_speed_plain_and_compressed() {
    let text = csv_trace();
    let plain = TempFile::new("trace.csv", text.as_bytes());
    let a = replay_checked(plain.path());
    let packed = zstd::encode_all(text.as_bytes(), 3).unwrap();
    let zst = TempFile::new("trace.csv.zst", &packed);
    let b = replay_checked(zst.path());
    assert_eq!(a["trace"]["by_command"], b["trace"]["by_command"]);
    for command in ["get", "gets", "set", "add", "replace", "delete", "incr"] {
        assert_eq!(
            count(&a, command, "completed"),
            count(&b, command, "completed"),
            "{command}"
        );
    }
    let lag = a["trace"]["lag_p99_us"].as_f64().unwrap();
    eprintln!("csv replay lag p99: {lag} us");
}

#[test]
fn malformed_lines_are_refused_by_line_or_skipped_and_counted() {
    let good = "0.1,k,10,0,1,get,0";
    for bad in [
        "0.2,k,10,0,1,get",
        "0.2",
        "x,k,10,0,1,get,0",
        "-1,k,10,0,1,get,0",
        "0.2,,10,0,1,get,0",
        "0.2,k,ten,0,1,get,0",
        "0.2,k,10,-5,1,get,0",
        "0.2,k,10,0,c,get,0",
        "0.2,k,10,0,1,fetch,0",
        "0.2,k,10,0,1,get,99999999999",
        "1e300,k,10,0,1,get,0",
    ] {
        let text = format!("{good}\n{good}\n{bad}\n{good}\n");
        let file = TempFile::new("bad.csv", text.as_bytes());
        let run = memaslap(&["-s", "127.0.0.1:1", "--trace", file.path()]);
        assert_eq!(run.code, 2, "{bad}: {}", run.stderr);
        assert!(
            run.stderr.contains(&format!("{} line 3: ", file.path())),
            "{bad}: {}",
            run.stderr
        );
        let skip = memaslap(&[
            "-s",
            "127.0.0.1:1",
            "--trace",
            file.path(),
            "--trace-skip-bad",
        ]);
        assert!(
            skip.stdout.contains("trace: 1 malformed lines skipped"),
            "{bad}: {}",
            skip.stdout
        );
    }
    let missing = memaslap(&["-s", "127.0.0.1:1", "--trace", "/nonexistent/t.csv"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/nonexistent/t.csv"),
        "{}",
        missing.stderr
    );
    for args in [
        &["--trace", "t.csv", "--keys", "10"][..],
        &["--trace", "t.csv", "-x", "10"],
        &["--trace", "t.csv", "--rate", "10"],
        &["--trace", "t.csv", "-X", "100"],
        &["--trace", "t.csv", "--key-size", "32"],
        &["--trace", "t.csv", "--value-size", "100"],
        &["--trace", "t.csv", "--preset", "etc"],
        &["--trace", "t.csv", "-w", "100"],
        &["--trace", "t.csv", "-d", "10"],
        &["--trace", "t.csv", "--trace-speed", "0"],
        &["--trace-speed", "max"],
    ] {
        let mut all = vec!["-s", "127.0.0.1:1"];
        all.extend_from_slice(args);
        assert_eq!(memaslap(&all).code, 2, "{args:?}");
    }
}

#[test]
fn a_speed_that_would_stretch_the_replay_past_any_run_is_refused() {
    let text = "0,k,10,0,1,get,0\n1,k,10,0,1,get,0\n";
    let file = TempFile::new("slow.csv", text.as_bytes());
    let run = memaslap(&[
        "-s",
        "127.0.0.1:1",
        "--trace",
        file.path(),
        "--trace-speed",
        "1e-300",
    ]);
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr.contains("--trace-speed 1e-300") && run.stderr.contains("at least"),
        "{}",
        run.stderr
    );
}

/// One `oracleGeneral` record.
fn oracle(time: u32, object: u64, size: u32) -> Vec<u8> {
    let mut r = time.to_le_bytes().to_vec();
    r.extend_from_slice(&object.to_le_bytes());
    r.extend_from_slice(&size.to_le_bytes());
    r.extend_from_slice(&(-1i64).to_le_bytes());
    r
}

#[test]
fn an_oracle_general_trace_fills_each_object_once_and_then_hits() {
    let mut rng = Lcg(11);
    let sizes: Vec<u32> = (0..300).map(|_| 100 + rng.below(4901) as u32).collect();
    let mut bytes = Vec::new();
    let mut objects = HashSet::new();
    for i in 0..20_000u32 {
        let object = rng.below(300);
        objects.insert(object);
        bytes.extend(oracle(i / 1000, object, sizes[object as usize]));
    }
    let file = TempFile::new("t.oracleGeneral", &bytes);
    let server = Memcached::start_with(&["-m", "256"]);
    let addr = format!("127.0.0.1:{}", server.port());
    let args = [
        "-s",
        &addr,
        "--trace",
        file.path(),
        "--trace-format",
        "oracle-general",
        "--trace-speed",
        "max",
    ];
    let (first, doc) = run_json(&args);
    assert_eq!(first.code, 0, "{}{}", first.stdout, first.stderr);
    assert_eq!(count(&doc, "get", "keys"), 20_000);
    assert_eq!(doc["trace"]["fills"], objects.len() as u64);
    assert_eq!(count(&doc, "get", "misses"), objects.len() as u64);
    assert_eq!(server.stat("curr_items"), objects.len() as u64);
    let (second, doc) = run_json(&args);
    assert_eq!(second.code, 0);
    assert_eq!(count(&doc, "get", "misses"), 0);
    assert_eq!(doc["trace"]["fills"], 0);
}

#[test]
fn a_trace_replays_over_udp_when_its_requests_fit_a_datagram() {
    let mut text = String::new();
    for i in 0..3000u64 {
        let op = if i % 4 == 0 { "set" } else { "get" };
        let value = if op == "set" { 10 + i % 900 } else { 0 };
        text.push_str(&format!(
            "{},k{},20,{value},{},{op},0\n",
            i / 1000,
            i % 200,
            i % 5
        ));
    }
    let small = TempFile::new("udp.csv", text.as_bytes());
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    for protocol in ["ascii", "binary", "meta"] {
        let before = server.stats();
        let (run, doc) = run_json(&[
            "-s",
            &addr,
            "-U",
            "--trace",
            small.path(),
            "--trace-speed",
            "max",
            "--protocol",
            protocol,
        ]);
        assert_eq!(run.code, 0, "{protocol}: {}{}", run.stdout, run.stderr);
        let after = server.stats();
        let sent = count(&doc, "get", "completed") + count(&doc, "set", "completed");
        assert_eq!(sent, 3000, "{protocol}");
        assert_eq!(after["cmd_set"] - before["cmd_set"], 750, "{protocol}");
        assert_eq!(after["cmd_get"] - before["cmd_get"], 2250, "{protocol}");
    }
    let large = TempFile::new("udp-large.csv", b"0,k,20,5000,1,set,0\n");
    let run = memaslap(&["-s", &addr, "-U", "--trace", large.path()]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stderr.contains("one datagram"), "{}", run.stderr);
}
