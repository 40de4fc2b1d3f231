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
    // The whole histogram, in HdrHistogram's V2 compressed format (whose
    // cookie reads "HISTFAAA" in base64).
    for kind in ["get", "set", "total"] {
        let hdr = doc["latency"][kind]["hdr_v2"].as_str().unwrap();
        assert!(hdr.starts_with("HISTFAAA"), "{kind}: {hdr}");
    }
    assert_eq!(doc["connections"]["total"], 16);
    assert_eq!(doc["connections"]["dead"], 0);
    assert!(doc["series"].is_array());
    client_cpu_agrees(&doc, &run.stdout, sent);
}

/// The worker thread's CPU (Linux tells each thread's own): some was
/// spent, a request's share is the whole over the requests sent, and the
/// report's line says the same.
fn client_cpu_agrees(doc: &serde_json::Value, stdout: &str, sent: u64) {
    let cpu = &doc["client_cpu"];
    assert_eq!(cpu["threads"], 1, "{cpu}");
    let total = cpu["user_s"].as_f64().unwrap() + cpu["system_s"].as_f64().unwrap();
    assert!(total > 0.0, "{cpu}");
    let each = cpu["us_per_request"].as_f64().unwrap();
    assert!((each - total * 1e6 / sent as f64).abs() < 0.01, "{cpu}");
    let share = cpu["busiest_thread_share"].as_f64().unwrap();
    assert!(share > 0.0, "{cpu}");
    // One thread: the cores it kept busy are its share of the run.
    assert!(cpu["cores"].as_u64().unwrap() >= 1, "{cpu}");
    assert!(
        (cpu["cores_used"].as_f64().unwrap() - share).abs() < 0.002,
        "{cpu}"
    );
    // The intervals' rows (the last one with what came after the last
    // whole interval) add up to the run's.
    let rows: f64 = doc["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["client_cpu_s"].as_f64().unwrap())
        .sum();
    assert!((rows - total).abs() < 1e-3, "{rows} against {cpu}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("client CPU: "))
        .unwrap_or_else(|| panic!("no client CPU line in:\n{stdout}"));
    let said: f64 = line
        .split(" in 1 worker thread, ")
        .nth(1)
        .and_then(|rest| rest.split(" us a request").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"));
    assert!((said - each).abs() < 0.006, "{line} against {cpu}");
}

/// Checks every number under `value` whose key says its unit: at most one
/// decimal in µs, at most six in seconds. Returns how many were checked.
fn check_digits(key: &str, value: &serde_json::Value) -> usize {
    match value {
        serde_json::Value::Object(map) => map.iter().map(|(k, v)| check_digits(k, v)).sum(),
        serde_json::Value::Array(items) => items.iter().map(|v| check_digits(key, v)).sum(),
        serde_json::Value::Number(n) => {
            let text = n.to_string();
            let decimals = text.split_once('.').map_or(0, |(_, d)| d.len());
            let most = if key.ends_with("_us") {
                1
            } else if key.ends_with("_s") {
                6
            } else {
                return 0;
            };
            assert!(decimals <= most, "{key}: {text} has {decimals} decimals");
            1
        }
        _ => 0,
    }
}

#[test]
fn json_says_what_run_it_was_and_rounds_its_numbers() {
    let server = support::Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let path = std::env::temp_dir().join(format!("memaslap-json-p-{}.json", std::process::id()));
    let args = [
        "-s",
        &addr,
        "-t",
        "2s",
        "-S",
        "1s",
        "--json",
        path.to_str().unwrap(),
    ];
    let run = memaslap(&args);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    assert_eq!(doc["schema"], 1);
    let start = doc["start_time"].as_str().unwrap();
    assert_eq!(start.len(), "2026-12-03T23:59:59.123Z".len(), "{start}");
    assert!(start.starts_with("20") && start.ends_with('Z') && start.as_bytes()[10] == b'T');
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(doc["host"], host.trim());
    let line: Vec<&str> = doc["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert!(line[0].ends_with("memaslap"));
    assert_eq!(line[1..], args);
    // Interval rows carry their wall-clock end beside their elapsed time.
    let first = &doc["series"][0];
    let wall = first["time_unix_s"].as_f64().unwrap() - first["elapsed_s"].as_f64().unwrap();
    assert!(wall > 1.7e9, "{first}");
    let mut checked = 0;
    for (key, value) in doc.as_object().unwrap() {
        if key != "config" {
            checked += check_digits(key, value);
        }
    }
    // Latency of three kinds, two or more intervals, the run's length.
    assert!(checked > 3 * 10 + 2 * 4, "{checked} numbers checked");
}
