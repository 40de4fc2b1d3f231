#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! The statistical promises over 100,000 tasks: the set/get ratio, key and
//! value sizes per range, and unique prefixes across connections.

use std::collections::HashSet;
use std::time::Instant;

use memaslap_workload::{
    CommandMix, GetKeys, SetOutcome, SizeRange, Source, Task, Workload, WorkloadConfig,
};

const TASKS: u64 = 100_000;

/// Sets and get keys issued in `TASKS` tasks of connection 0.
fn mix_counts(config: &WorkloadConfig) -> (u64, u64) {
    let workload = Workload::new(config, 77, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    let (mut sets, mut gets) = (0, 0);
    for _ in 0..TASKS {
        let (id, task) = g.issue().unwrap();
        match task {
            Task::Set(_) => {
                sets += 1;
                g.complete_set(id, SetOutcome::Stored, now);
            }
            Task::Get(batch) => gets += batch.len() as u64,
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
        g.finish_get(id);
    }
    (sets, gets)
}

#[test]
fn set_get_ratio_is_within_half_a_percent() {
    for (set, division) in [(0.1, 1), (0.3, 1), (0.5, 1), (0.9, 1), (0.1, 10), (0.25, 4)] {
        let config = WorkloadConfig {
            mix: CommandMix {
                set,
                get: 1.0 - set,
            },
            division,
            window: 1000,
            ..WorkloadConfig::default()
        };
        let (sets, gets) = mix_counts(&config);
        let ratio = sets as f64 / (sets + gets) as f64;
        assert!(
            ((ratio - set) / set).abs() < 0.005,
            "set {set}, -d {division}: {sets} sets, {gets} gets, ratio {ratio}"
        );
    }
}

fn range_index(ranges: &[SizeRange], len: usize) -> usize {
    ranges
        .iter()
        .position(|r| (r.min as usize..=r.max as usize).contains(&len))
        .unwrap_or_else(|| panic!("length {len} outside every range"))
}

#[test]
fn sizes_stay_in_range_and_follow_proportions() {
    let keys = vec![
        SizeRange::new(16, 32, 0.2),
        SizeRange::new(33, 100, 0.3),
        SizeRange::new(101, 250, 0.5),
    ];
    let values = vec![
        SizeRange::new(1, 100, 0.6),
        SizeRange::new(101, 1000, 0.3),
        SizeRange::new(1001, 10_000, 0.07),
        SizeRange::new(500_000, 1 << 20, 0.03),
    ];
    let config = WorkloadConfig {
        keys: keys.clone(),
        values: values.clone(),
        window: 2048,
        mix: CommandMix { set: 0.5, get: 0.5 },
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 3, 2).unwrap();
    let mut key_hits = vec![0u64; keys.len()];
    let mut value_hits = vec![0u64; values.len()];
    let now = Instant::now();
    let mut sets = 0u64;
    for connection in 0..2 {
        let mut g = workload.generator(connection).unwrap();
        for _ in 0..TASKS {
            let (id, task) = g.issue().unwrap();
            match task {
                Task::Set(set) => {
                    sets += 1;
                    key_hits[range_index(&keys, set.key.len())] += 1;
                    value_hits[range_index(&values, set.value.len())] += 1;
                    g.complete_set(id, SetOutcome::Stored, now);
                }
                Task::Get(batch) => {
                    for entry in batch.iter() {
                        range_index(&keys, entry.key.len());
                        range_index(&values, entry.expected.len());
                    }
                }
                Task::Key(_) => panic!("the window model issues no key tasks"),
            }
            g.finish_get(id);
        }
    }
    for (hits, ranges) in [(&key_hits, &keys), (&value_hits, &values)] {
        for (count, range) in hits.iter().zip(ranges.iter()) {
            let share = *count as f64 / sets as f64;
            assert!(
                (share - range.proportion).abs() < 0.01,
                "{range:?}: share {share} of {sets} sets"
            );
        }
    }
}

#[test]
fn fixed_value_size_applies_to_every_set() {
    let config = WorkloadConfig {
        fixed_value_len: Some(333),
        window: 100,
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 1, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    for _ in 0..2_000 {
        let (id, task) = g.issue().unwrap();
        if let Task::Set(set) = task {
            assert_eq!(set.value.len(), 333);
            assert_eq!(set.key.len(), 64);
            g.complete_set(id, SetOutcome::Stored, now);
        }
        g.finish_get(id);
    }
}

#[test]
fn prefixes_never_repeat_across_64_connections() {
    let config = WorkloadConfig {
        window: 128,
        mix: CommandMix { set: 0.9, get: 0.1 },
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 9, 64).unwrap();
    let now = Instant::now();
    let mut prefixes = HashSet::new();
    let mut new_keys = 0usize;
    for connection in 0..64 {
        let mut g = workload.generator(connection).unwrap();
        for _ in 0..10_000 {
            let (id, task) = g.issue().unwrap();
            match task {
                Task::Set(set) => {
                    assert!(set.key.prefix().iter().all(u8::is_ascii_graphic));
                    assert!(set.key.suffix().iter().all(u8::is_ascii_graphic));
                    assert!(set.value.iter().all(u8::is_ascii_graphic));
                    if set.kind == memaslap_workload::SetKind::New {
                        new_keys += 1;
                        assert!(prefixes.insert(*set.key.prefix()), "prefix repeated");
                    }
                    g.complete_set(id, SetOutcome::Stored, now);
                }
                Task::Get(_) => {}
                Task::Key(_) => panic!("the window model issues no key tasks"),
            }
            g.finish_get(id);
        }
    }
    assert_eq!(prefixes.len(), new_keys);
    assert!(new_keys > 500_000, "{new_keys}");
}
