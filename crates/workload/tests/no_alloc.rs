#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Generating a task, completing it and checking a get allocate nothing: a
//! counting global allocator watches this test's thread.

#[path = "../../proto/tests/support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::Counting;
use std::cell::Cell;
use std::time::{Duration, Instant};

use memaslap_workload::{
    CommandMix, GetKeys, KeyDist, KeyOutcome, KeyspaceConfig, SetOutcome, SizeDist, SizeRange,
    Source, Task, Workload, WorkloadConfig,
};

thread_local! {
    static WATCHED: Cell<bool> = const { Cell::new(false) };
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

fn note() {
    if WATCHED.with(Cell::get) {
        ALLOCATIONS.with(|n| n.set(n.get() + 1));
    }
}

/// Allocations counted on this thread so far.
fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[global_allocator]
static GLOBAL: Counting = Counting(note);

/// Runs `tasks` tasks, answering every get with its expected value (or a
/// miss for every seventh key), time moving a second per task.
fn run(config: &WorkloadConfig, tasks: u32) -> (u64, u64) {
    let workload = Workload::new(config, 99, 1).unwrap();
    let mut g = workload.source(0).unwrap().with_depth(4);
    let t0 = Instant::now();
    let mut checked = 0u64;
    let before = allocations();
    WATCHED.with(|w| w.set(true));
    for n in 0..tasks {
        let now = t0 + Duration::from_secs(u64::from(n));
        let (id, task) = g.issue().unwrap();
        match task {
            Task::Set(set) => {
                let outcome = if n % 11 == 0 {
                    SetOutcome::NotStored
                } else {
                    SetOutcome::Stored
                };
                std::hint::black_box(set);
                g.complete_set(id, outcome, now);
            }
            Task::Key(key) => {
                std::hint::black_box(key);
                g.complete_key(id, KeyOutcome::Hit, now);
            }
            Task::Get(_) => {
                for i in 0..g.batch(id).len() {
                    let expected = g.batch(id).get(i).unwrap().expected;
                    let answer = (i % 7 != 0).then_some(expected);
                    std::hint::black_box(g.check_get(id, i, answer, now));
                    g.saw_cas(id, i, u64::from(n));
                    checked += 1;
                }
                g.finish_get(id);
            }
        }
    }
    WATCHED.with(|w| w.set(false));
    (checked, allocations() - before)
}

#[test]
fn generating_tasks_allocates_nothing() {
    let configs = [
        WorkloadConfig {
            window: 1000,
            ..WorkloadConfig::default()
        },
        WorkloadConfig {
            window: 500,
            verify: 0.3,
            exp_verify: 0.2,
            overwrite: 0.4,
            division: 16,
            keys: vec![SizeRange::new(16, 250, 1.0)],
            values: vec![SizeRange::new(1, 100, 0.5), SizeRange::new(101, 9000, 0.5)],
            mix: CommandMix { set: 0.4, get: 0.6 },
            ..WorkloadConfig::default()
        },
        WorkloadConfig {
            window: 300,
            verify: 1.0,
            mix: CommandMix { set: 0.0, get: 1.0 },
            ..WorkloadConfig::default()
        },
        WorkloadConfig {
            verify: 1.0,
            division: 4,
            key_sizes: Some(SizeDist::ETC_KEYS),
            value_sizes: Some(SizeDist::ETC_VALUES),
            keyspace: Some(KeyspaceConfig {
                keys: 100_000,
                dist: KeyDist::Zipf { exponent: 0.99 },
                prefill: false,
            }),
            commands: Some(
                "get=40,gets=10,gat=5,gats=5,set=5,add=5,replace=5,cas=10,delete=5,incr=5,decr=2,touch=3"
                    .parse()
                    .unwrap(),
            ),
            ..WorkloadConfig::default()
        },
    ];
    for config in &configs {
        let (checked, allocated) = run(config, 100_000);
        assert!(checked > 10_000);
        assert_eq!(allocated, 0, "{config:?}");
    }
}

#[test]
fn the_counter_sees_allocations() {
    // Guard against a counter that can never fire: an allocation on a
    // watched thread must be counted.
    let before = allocations();
    WATCHED.with(|w| w.set(true));
    let v = std::hint::black_box(vec![1u8; 10]);
    WATCHED.with(|w| w.set(false));
    drop(v);
    assert_eq!(allocations() - before, 1);
}
