#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! One master seed decides everything: the same seed and configuration give
//! the same tasks on every connection, whatever the thread or order.

use std::time::Instant;

use memaslap_workload::{
    CommandMix, GetKeys, SetOutcome, Source, Task, Workload, WorkloadConfig, random_seed,
};

const TASKS: usize = 100_000;

/// A set, or one key of a get, as plain data: the key and the value's place
/// in the block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Set {
        prefix: [u8; 8],
        suffix: (usize, usize),
        value: (usize, usize),
        exptime: u32,
    },
    Get {
        prefix: [u8; 8],
        suffix: (usize, usize),
        value: (usize, usize),
    },
}

fn place(block: &[u8], slice: &[u8]) -> (usize, usize) {
    (
        slice.as_ptr() as usize - block.as_ptr() as usize,
        slice.len(),
    )
}

fn steps(workload: &Workload, connection: u32, tasks: usize) -> Vec<Step> {
    let block = workload.block();
    let mut g = workload.generator(connection).unwrap();
    let now = Instant::now();
    let mut out = Vec::with_capacity(tasks);
    for _ in 0..tasks {
        let (id, task) = g.issue().unwrap();
        match task {
            Task::Set(set) => {
                out.push(Step::Set {
                    prefix: *set.key.prefix(),
                    suffix: place(block, set.key.suffix()),
                    value: place(block, set.value),
                    exptime: set.exptime,
                });
                g.complete_set(id, SetOutcome::Stored, now);
            }
            Task::Get(batch) => {
                for entry in batch.iter() {
                    out.push(Step::Get {
                        prefix: *entry.key.prefix(),
                        suffix: place(block, entry.key.suffix()),
                        value: place(block, entry.expected),
                    });
                }
            }
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
        g.finish_get(id);
    }
    out
}

fn config() -> WorkloadConfig {
    WorkloadConfig {
        window: 4096,
        overwrite: 0.2,
        exp_verify: 0.1,
        division: 3,
        keys: vec![
            memaslap_workload::SizeRange::new(16, 100, 0.5),
            memaslap_workload::SizeRange::new(101, 250, 0.5),
        ],
        values: vec![memaslap_workload::SizeRange::new(1, 5000, 1.0)],
        mix: CommandMix { set: 0.3, get: 0.7 },
        ..WorkloadConfig::default()
    }
}

#[test]
fn same_seed_gives_the_same_tasks_on_every_connection() {
    let a = Workload::new(&config(), 1234, 4).unwrap();
    let b = Workload::new(&config(), 1234, 4).unwrap();
    assert_eq!(a.block(), b.block());
    for connection in 0..4 {
        let first = steps(&a, connection, TASKS);
        assert_eq!(
            first,
            steps(&b, connection, TASKS),
            "connection {connection}"
        );
    }
}

#[test]
fn single_key_gets_drawn_ahead_are_reproducible() {
    // Single-key gets draw their pick one get ahead (and prefetch its
    // item): the same seed still gives the same tasks.
    let single = WorkloadConfig {
        division: 1,
        window: 1000,
        ..config()
    };
    let a = Workload::new(&single, 99, 2).unwrap();
    let b = Workload::new(&single, 99, 2).unwrap();
    for connection in 0..2 {
        assert_eq!(steps(&a, connection, 20_000), steps(&b, connection, 20_000));
    }
}

#[test]
fn different_seeds_or_connections_give_different_tasks() {
    let a = Workload::new(&config(), 1, 2).unwrap();
    let b = Workload::new(&config(), 2, 2).unwrap();
    assert_ne!(a.block(), b.block());
    let a0 = steps(&a, 0, 1000);
    assert_ne!(a0, steps(&b, 0, 1000));
    assert_ne!(a0, steps(&a, 1, 1000));
}

#[test]
fn threads_and_creation_order_do_not_matter() {
    let workload = Workload::new(&config(), random_seed(), 8).unwrap();
    let serial: Vec<Vec<Step>> = (0..8).rev().map(|c| steps(&workload, c, 5_000)).collect();
    let parallel: Vec<Vec<Step>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..8)
            .rev()
            .map(|c| {
                let workload = &workload;
                scope.spawn(move || steps(workload, c, 5_000))
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(serial, parallel);
}
