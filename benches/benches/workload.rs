#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Task generation cost: one task issued plus its completion, in ns/task.

use std::hint::black_box;
use std::time::Instant;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memaslap_workload::{Generator, GetKeys, SetOutcome, Source, Task, Workload, WorkloadConfig};

/// One task: generate it, then report it stored or check every key of it
/// against its expected value.
fn step(generator: &mut Generator<'_>, now: Instant) {
    let (id, task) = generator.issue().expect("a closed loop always has a task");
    match task {
        Task::Set(set) => {
            black_box(set);
            generator.complete_set(id, SetOutcome::Stored, now);
        }
        Task::Get(batch) => {
            black_box(batch);
            let batch = generator.batch(id);
            for i in 0..batch.len() {
                let answer = batch.get(i).map(|entry| entry.expected);
                black_box(generator.check_get(id, i, answer, now));
            }
            generator.finish_get(id);
        }
    }
}

fn bench_config(c: &mut Criterion, name: &str, config: &WorkloadConfig) {
    let workload = Workload::new(config, 1, 1).expect("valid config");
    let mut generator = workload.generator(0).expect("connection 0");
    let now = Instant::now();
    // Fill the window so the measurement sees steady state.
    for _ in 0..config.window * 20 {
        step(&mut generator, now);
    }
    let mut group = c.benchmark_group("workload");
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| b.iter(|| step(&mut generator, now)));
    group.finish();
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
}

criterion_group!(benches, generation);
criterion_main!(benches);
