#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Task generation cost: one task issued plus its completion, in ns/task,
//! for memaslap's window model, the keyspace source (uniform and zipf
//! popularity, the ETC sizes, a mix of every command) and trace replay
//! (the source, and the reader's cost per CSV line).

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use std::time::Instant;
use support::step;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memaslap_workload::{
    Delivery, Source, TraceConfig, TraceFormat, TracePlan, TraceReader, Workload, WorkloadConfig,
    scan,
};

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

fn generation(c: &mut Criterion) {
    for name in support::WORKLOADS {
        bench_config(c, name, &support::workload_config(name));
    }
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
