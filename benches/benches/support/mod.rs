//! What the criterion and the instruction-count benchmarks share.

// Each benchmark file uses a part of it.
#![allow(dead_code)]

use std::hint::black_box;
use std::time::Instant;

use memaslap_workload::{
    GetKeys, KeyDist, KeyOutcome, KeyspaceConfig, SetOutcome, SizeDist, Source, Task,
    WorkloadConfig,
};

/// One task: generate it, then report it stored or check every key of it
/// against its expected value.
pub fn step<'w>(source: &mut impl Source<'w>, now: Instant) {
    let (id, task) = source.issue().expect("a closed loop always has a task");
    match task {
        Task::Set(set) => {
            black_box(set);
            source.complete_set(id, SetOutcome::Stored, now);
        }
        Task::Key(key) => {
            black_box(key);
            source.complete_key(id, KeyOutcome::Hit, now);
        }
        Task::Get(batch) => {
            black_box(batch);
            let batch = source.batch(id);
            for i in 0..batch.len() {
                let answer = batch.get(i).map(|entry| entry.expected);
                black_box(source.check_get(id, i, answer, now));
            }
            source.finish_get(id);
        }
    }
}

fn keyspace(dist: KeyDist) -> WorkloadConfig {
    WorkloadConfig {
        window: 1,
        keyspace: Some(KeyspaceConfig {
            keys: 1_000_000,
            dist,
            prefill: false,
        }),
        ..WorkloadConfig::default()
    }
}

/// The workloads whose task generation is measured, by name.
pub const WORKLOADS: [&str; 7] = [
    "default",
    "verify_all",
    "multi_get_10",
    "keyspace_uniform",
    "keyspace_zipf",
    "keyspace_zipf_etc_verified",
    "keyspace_zipf_every_command",
];

/// The workload of [`WORKLOADS`] named `name`.
pub fn workload_config(name: &str) -> WorkloadConfig {
    let zipf = keyspace(KeyDist::Zipf { exponent: 0.99 });
    match name {
        "default" => WorkloadConfig::default(),
        "verify_all" => WorkloadConfig {
            verify: 1.0,
            overwrite: 0.5,
            exp_verify: 0.1,
            ..WorkloadConfig::default()
        },
        "multi_get_10" => WorkloadConfig {
            division: 10,
            ..WorkloadConfig::default()
        },
        "keyspace_uniform" => keyspace(KeyDist::Uniform),
        "keyspace_zipf" => zipf,
        "keyspace_zipf_etc_verified" => WorkloadConfig {
            key_sizes: Some(SizeDist::ETC_KEYS),
            value_sizes: Some(SizeDist::ETC_VALUES),
            verify: 1.0,
            ..zipf
        },
        "keyspace_zipf_every_command" => WorkloadConfig {
            commands: Some(
                "get=50,gets=5,gat=5,gats=5,set=5,add=5,replace=5,cas=5,delete=5,incr=5,decr=5,\
                 touch=5"
                    .parse()
                    .expect("a valid mix"),
            ),
            ..zipf
        },
        other => panic!("no workload {other}"),
    }
}

/// A CSV trace of `lines` requests in a temporary file named by `tag`:
/// gets and sets 9:1 over 16 clients, keys of 20 to 59 bytes, `per_second`
/// requests per second of trace time.
pub fn trace_file(tag: &str, lines: u64, per_second: u64) -> std::path::PathBuf {
    let mut text = String::new();
    for i in 0..lines {
        let (op, value) = if i % 10 == 0 {
            ("set", 100 + i % 900)
        } else {
            ("get", 0)
        };
        text.push_str(&format!(
            "{},key:{},{},{value},{},{op},0\n",
            i / per_second,
            (i * 7919) % 100_000,
            20 + i % 40,
            i % 16
        ));
    }
    let name = format!("bench-{tag}-{}.csv", std::process::id());
    let path = std::env::temp_dir().join(name);
    std::fs::write(&path, text).expect("write the trace");
    path
}
