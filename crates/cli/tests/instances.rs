//! Several instances of one run (`--instance I/N`, `--start-at`) against
//! one memcached: their counts add up to the server's, their key prefixes
//! never meet, and they start together.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::memaslap;
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::Memcached;

/// Runs three instances at once; returns their JSON documents.
fn three(args: &[&str]) -> Vec<Value> {
    common::run_instances(3, args).docs()
}

/// `at` as `--start-at` takes it: Unix seconds, to the millisecond.
fn unix_seconds(at: SystemTime) -> String {
    format!(
        "{:.3}",
        at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    )
}

fn sum(docs: &[Value], counter: &str) -> u64 {
    docs.iter()
        .map(|d| d["counters"][counter].as_u64().unwrap())
        .sum()
}

#[test]
fn three_instances_add_up_to_the_server_and_start_together() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let at = SystemTime::now() + Duration::from_secs(2);
    let unix = unix_seconds(at);
    let before = server.stats();
    let docs = three(&[
        "-s",
        &addr,
        "-c",
        "8",
        "--start-at",
        &unix,
        "-t",
        "3s",
        "-S",
        "1s",
    ]);
    let after = server.stats();
    for name in ["cmd_get", "cmd_set", "get_misses"] {
        assert_eq!(sum(&docs, name), after[name] - before[name], "{name}");
    }
    // Every instance waited for the shared start, and their intervals end
    // at the same wall-clock times.
    let firsts: Vec<f64> = docs
        .iter()
        .map(|d| d["series"][0]["time_unix_s"].as_f64().unwrap())
        .collect();
    let spread = firsts.iter().cloned().fold(f64::MIN, f64::max)
        - firsts.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread < 0.5, "first intervals end at {firsts:?}");
    let start = at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64();
    assert!(
        firsts.iter().all(|&t| t >= start + 0.9),
        "{firsts:?} vs {start}"
    );
    for (i, doc) in docs.iter().enumerate() {
        assert_eq!(doc["config"]["instance"], serde_json::json!([i, 3]));
    }
}

#[test]
fn instances_store_disjoint_keys() {
    let server = Memcached::start_with(&["-m", "512"]);
    let addr = format!("127.0.0.1:{}", server.port());
    // -x is the whole run's: 3 instances x 8 connections x 100 items,
    // each connection storing exactly its window once.
    let docs = three(&[
        "-s", &addr, "-c", "8", "-w", "100", "--ratio", "1:0", "-x", "2400",
    ]);
    assert_eq!(sum(&docs, "cmd_set"), 2400);
    assert_eq!(server.stat("curr_items"), 2400);
}

#[test]
fn instance_flags_are_checked() {
    let past = unix_seconds(SystemTime::now() - Duration::from_secs(5));
    for (args, says) in [
        (&["--start-at", past.as_str()][..], "in the past"),
        (&["--start-at", "tomorrow"], "RFC 3339"),
        (&["--instance", "3/3"], "I/N"),
        (&["--instances", "3"], "JOB_COMPLETION_INDEX"),
    ] {
        let mut all = vec!["-s", "127.0.0.1:1", "-t", "1s"];
        all.extend_from_slice(args);
        let run = memaslap(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn an_instance_sends_its_share_of_the_rate() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let (run, doc) = common::run_json(&[
        "-s",
        &addr,
        "--instance",
        "1/4",
        "--rate",
        "4000",
        "--arrival",
        "uniform",
        "-t",
        "2s",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    assert_eq!(doc["open_loop"]["rate"], 1000.0);
    // Uniform arrivals: 1,000/s for 2 s, within 1 % (the loop starts
    // when the first connection is up), not the whole run's 8,000.
    let due = doc["open_loop"]["due"].as_u64().unwrap();
    assert!(due.abs_diff(2000) <= 20, "{due}");
    assert!(
        run.stdout.contains("Open loop: rate 1000 per second"),
        "{}",
        run.stdout
    );
}

#[test]
fn periodic_dumps_of_an_instance_say_when_their_interval_ended() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let unix = unix_seconds(SystemTime::now() + Duration::from_secs(1));
    let run = memaslap(&[
        "-s",
        &addr,
        "--instance",
        "0/2",
        "--start-at",
        &unix,
        "-t",
        "2s",
        "-S",
        "1s",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let stamps: Vec<&str> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix("Interval ending "))
        .collect();
    assert!(stamps.len() >= 2, "{}", run.stdout);
    // RFC 3339 in UTC: 2026-12-04T10:00:01.000Z.
    assert!(
        stamps
            .iter()
            .all(|s| s.len() == 24 && s.as_bytes()[10] == b'T' && s.ends_with('Z')),
        "{stamps:?}"
    );
    // Without an instance or a shared start, the dumps are memaslap's.
    let plain = memaslap(&["-s", &addr, "-t", "1s", "-S", "1s"]);
    assert!(
        !plain.stdout.contains("Interval ending"),
        "{}",
        plain.stdout
    );
}

#[test]
fn an_interrupt_before_the_start_time_ends_the_run_unstarted() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let unix = unix_seconds(SystemTime::now() + Duration::from_secs(3600));
    let run = common::interrupted(
        &["-s", &addr, "-t", "1s", "--start-at", &unix],
        Duration::from_millis(800),
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("stopped while waiting for the start time"),
        "{}",
        run.stderr
    );
    assert_eq!(server.stat("cmd_get") + server.stat("cmd_set"), 0);
}
