//! `--json FILE` writes the whole result, and it agrees with the text report.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::memaslap;

#[test]
fn json_result_matches_the_report() {
    let server = support::Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let path = std::env::temp_dir().join(format!("memaslap-json-{}.json", std::process::id()));
    let run = memaslap(&[
        "-s",
        &addr,
        "-x",
        "5000",
        "-d",
        "2",
        "-v",
        "0.5",
        "--seed",
        "77",
        "--json",
        path.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(doc["seed"], 77);
    assert_eq!(doc["config"]["division"], 2);
    assert_eq!(doc["config"]["execute_number"], 5000);
    let counters = &doc["counters"];
    for name in [
        "cmd_get",
        "cmd_set",
        "get_misses",
        "verify_failed",
        "written_bytes",
        "read_bytes",
        "object_bytes",
    ] {
        assert_eq!(counters[name], run.counter(name), "{name}");
    }
    let [sent, completed, failed, timed_out] = run.requests();
    assert_eq!(counters["requests_sent"], sent);
    assert_eq!(counters["requests_completed"], completed);
    assert_eq!(counters["requests_failed"], failed);
    assert_eq!(counters["requests_timed_out"], timed_out);
    assert_eq!(counters["errors"]["protocol_error"], 0);
    let total = &doc["latency"]["total"];
    assert_eq!(total["count"], completed);
    let p50 = total["p50_us"].as_f64().unwrap();
    let p99 = total["p99_us"].as_f64().unwrap();
    assert!(0.0 < p50 && p50 <= p99 && p99 <= total["max_us"].as_f64().unwrap());
    let buckets: u64 = total["log2_buckets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b.as_u64().unwrap())
        .sum();
    assert_eq!(buckets, completed);
    assert_eq!(doc["connections"]["total"], 16);
    assert_eq!(doc["connections"]["dead"], 0);
    assert!(doc["series"].is_array());
}
