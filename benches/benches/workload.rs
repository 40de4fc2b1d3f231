#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Task generation cost: one task issued plus its completion, in ns/task,
//! for memaslap's window model, the keyspace source (uniform and zipf
//! popularity, the ETC sizes, a mix of every command) and trace replay
//! (the source, and the reader's cost per CSV line).

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memaslap_workload::{
    Delivery, GetKeys, KeyDist, KeyOutcome, KeyspaceConfig, SetOutcome, SizeDist, Source, Task,
    TraceConfig, TraceFormat, TracePlan, TraceReader, Workload, WorkloadConfig, scan,
};

/// One task: generate it, then report it stored or check every key of it
/// against its expected value.
fn step<'w>(source: &mut impl Source<'w>, now: Instant) {
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

fn bench_config(c: &mut Criterion, name: &str, config: &WorkloadConfig) {
    let workload = Workload::new(config, 1, 1).expect("valid config");
    let mut source = workload.source(0).expect("connection 0");
    let now = Instant::now();
    // Fill the window so the measurement sees steady state.
    for _ in 0..config.window * 20 {
        step(&mut source, now);
    }
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| b.iter(|| step(&mut source, now)));
    group.finish();
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

fn generation(c: &mut Criterion) {
    let default = WorkloadConfig::default();
    bench_config(c, "default", &default);
    let verified = WorkloadConfig {
        verify: 1.0,
        overwrite: 0.5,
        exp_verify: 0.1,
        ..WorkloadConfig::default()
    };
    bench_config(c, "verify_all", &verified);
    let multi = WorkloadConfig {
        division: 10,
        ..WorkloadConfig::default()
    };
    bench_config(c, "multi_get_10", &multi);
    bench_config(c, "keyspace_uniform", &keyspace(KeyDist::Uniform));
    let zipf = keyspace(KeyDist::Zipf { exponent: 0.99 });
    bench_config(c, "keyspace_zipf", &zipf);
    let etc = WorkloadConfig {
        key_sizes: Some(SizeDist::ETC_KEYS),
        value_sizes: Some(SizeDist::ETC_VALUES),
        verify: 1.0,
        ..zipf.clone()
    };
    bench_config(c, "keyspace_zipf_etc_verified", &etc);
    let every = WorkloadConfig {
        commands: Some(
            "get=50,gets=5,gat=5,gats=5,set=5,add=5,replace=5,cas=5,delete=5,incr=5,decr=5,touch=5"
                .parse()
                .unwrap(),
        ),
        ..zipf
    };
    bench_config(c, "keyspace_zipf_every_command", &every);
}

/// The trace source: a record handed over, turned into a task and
/// completed; and the reader: one CSV line parsed into a record.
fn replay(c: &mut Criterion) {
    let path = support::trace_file("criterion", 1_000_000, 10_000);
    let config = TraceConfig {
        path: path.clone(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    let workload = Workload::new(
        &WorkloadConfig {
            trace: Some(TracePlan::new(config.clone(), &scan(&config).unwrap()).unwrap()),
            ..WorkloadConfig::default()
        },
        1,
        1,
    )
    .unwrap();
    let mut reader = TraceReader::open(&config).unwrap();
    let records: Vec<_> = (0..10_000)
        .map(|_| reader.next_record().unwrap().unwrap())
        .collect();
    let mut source = workload.source(0).unwrap();
    let now = Instant::now();
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(1));
    let mut i = 0;
    group.bench_function("trace_source", |b| {
        b.iter(|| {
            i = (i + 1) % records.len();
            source.deliver(Delivery::Record(records[i]));
            step(&mut source, now);
        })
    });
    let mut reader = TraceReader::open(&config).unwrap();
    group.bench_function("trace_read_csv_line", |b| {
        b.iter(|| match reader.next_record().unwrap() {
            Some(record) => black_box(record),
            None => {
                reader = TraceReader::open(&config).unwrap();
                reader.next_record().unwrap().unwrap()
            }
        })
    });
    group.finish();
    let _ = std::fs::remove_file(&path);
}

criterion_group!(benches, generation, replay);
criterion_main!(benches);
