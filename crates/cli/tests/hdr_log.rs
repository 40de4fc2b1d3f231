//! `--hdr-log`: the interval log reads back with the `hdrhistogram`
//! crate's reader, and its intervals add up, per kind and per command, to
//! the run's histograms.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::Deserializer;
use hdrhistogram::serialization::interval_log::{IntervalLogIterator, LogEntry};
use std::collections::BTreeMap;
use support::Memcached;

fn decode(base64_v2: &str) -> Histogram<u64> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(base64_v2)
        .unwrap();
    Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .unwrap()
}

#[test]
fn the_interval_log_adds_up_to_the_run() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let log = std::env::temp_dir().join(format!("memaslap-hdr-{}.hlog", std::process::id()));
    let (run, doc) = common::run_json(&[
        "-s",
        &addr,
        "-t",
        "3s",
        "-c",
        "4",
        "--keys",
        "1000",
        "--mix",
        "get=8,set=1,delete=1",
        "--hdr-log",
        log.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::remove_file(&log).unwrap();
    let mut sums: BTreeMap<String, Histogram<u64>> = BTreeMap::new();
    let mut intervals = 0;
    for entry in IntervalLogIterator::new(text.as_bytes()) {
        let LogEntry::Interval(interval) = entry.unwrap() else {
            continue;
        };
        let tag = interval.tag().unwrap().as_str().to_string();
        intervals += usize::from(tag == "get");
        let histogram = decode(interval.encoded_histogram());
        let sum = sums
            .entry(tag)
            .or_insert_with(|| Histogram::new_with_bounds(1, 3_600_000_000_000, 3).unwrap());
        sum.add(&histogram).unwrap();
    }
    assert!(intervals >= 3, "{text}");
    for kind in ["get", "set"] {
        let whole = decode(doc["latency"][kind]["hdr_v2"].as_str().unwrap());
        assert_eq!(sums[kind], whole, "{kind}");
    }
    for command in ["get", "set", "delete"] {
        let whole = decode(
            doc["commands"][command]["latency"]["hdr_v2"]
                .as_str()
                .unwrap(),
        );
        assert_eq!(
            sums[&format!("command.{command}")],
            whole,
            "command {command}"
        );
    }
    assert!(text.starts_with("#[Histogram log format version 1.3]"));
}
