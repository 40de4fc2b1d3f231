#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Window semantics against a pretend server: gets hit only stored items,
//! overwrites and fresh keys follow `-o`, values change on overwrite, TTLs
//! follow `-e`, and the verification plan judges answers as memaslap does.

mod support;

use std::time::{Duration, Instant};

use memaslap_workload::{
    CommandMix, GetKeys, SetKind, SetOutcome, Source, Task, Verdict, Workload, WorkloadConfig,
};
use support::{Fault, Server, Tally, always_stored, frozen, run};

fn config(window: usize, set: f64) -> WorkloadConfig {
    WorkloadConfig {
        window,
        mix: CommandMix {
            set,
            get: 1.0 - set,
        },
        ..WorkloadConfig::default()
    }
}

fn drive(config: &WorkloadConfig, fault: Fault, tasks: u64) -> Tally {
    let workload = Workload::new(config, 5, 1).unwrap();
    let mut generator = workload.generator(0).unwrap();
    let mut server = Server::new(fault);
    let mut tally = Tally::default();
    let clock = frozen(Instant::now());
    run(
        &mut generator,
        &mut server,
        tasks,
        clock,
        always_stored,
        &mut tally,
    );
    tally
}

#[test]
fn gets_only_hit_items_already_set() {
    for division in [1, 10] {
        let c = WorkloadConfig {
            verify: 1.0,
            division,
            ..config(500, 0.1)
        };
        let t = drive(&c, Fault::None, 100_000);
        assert!(t.gets > 50_000);
        assert_eq!(t.gets_of_unknown_keys, 0);
        assert_eq!(t.misses, 0);
        assert_eq!(t.verdict(Verdict::Ok), t.gets, "{t:?}");
    }
}

#[test]
fn overwrites_and_fresh_keys_follow_the_overwrite_fraction() {
    for overwrite in [0.0, 0.3, 0.75, 1.0] {
        let c = WorkloadConfig {
            overwrite,
            ..config(200, 0.5)
        };
        let t = drive(&c, Fault::None, 40_000);
        let fraction = t.overwrites as f64 / t.sets as f64;
        assert!(
            (fraction - overwrite).abs() < 0.001,
            "o={overwrite}: {fraction}"
        );
        // Fresh keys are never reused; overwrites hit stored keys and change
        // the value.
        assert_eq!(t.reused_new_keys, 0);
        assert_eq!(t.overwrites_of_unknown_keys, 0);
        assert_eq!(t.unchanged_overwrites, 0);
        assert_eq!(t.new_sets + t.overwrites, t.sets);
    }
}

#[test]
fn overwrite_changes_the_expected_value() {
    let c = WorkloadConfig {
        overwrite: 1.0,
        verify: 1.0,
        ..config(4, 0.5)
    };
    let workload = Workload::new(&c, 1, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    let (id, task) = g.issue().unwrap();
    let first = match task {
        Task::Set(set) => (set.key.prefix().to_owned(), set.value.to_vec()),
        Task::Get(_) => panic!("first task must be a set"),
        Task::Key(_) => panic!("the window model issues no key tasks"),
    };
    g.complete_set(id, SetOutcome::Stored, now);
    // Every later set overwrites the only stored item, one offset further.
    let mut previous = first.1.clone();
    let mut overwrites = 0;
    while overwrites < 3 {
        let (id, task) = g.issue().unwrap();
        match task {
            Task::Set(set) => {
                assert_eq!(set.kind, SetKind::Overwrite);
                assert_eq!(set.key.prefix(), &first.0);
                assert_ne!(set.value, &previous[..]);
                assert_eq!(&set.value[..set.value.len() - 1], &previous[1..]);
                previous = set.value.to_vec();
                overwrites += 1;
                g.complete_set(id, SetOutcome::Stored, now);
            }
            Task::Get(batch) => {
                assert_eq!(batch.get(0).unwrap().expected, &previous[..]);
                assert_eq!(g.check_get(id, 0, Some(&previous), now), Some(Verdict::Ok));
                assert_eq!(g.check_get(id, 0, Some(&first.1), now).unwrap(), {
                    if overwrites == 0 {
                        Verdict::Ok
                    } else {
                        Verdict::VerifyFailed
                    }
                });
            }
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
        g.finish_get(id);
    }
}

#[test]
fn ttl_items_follow_the_expire_fraction() {
    for exp in [0.1, 0.25, 1.0] {
        let c = WorkloadConfig {
            exp_verify: exp,
            ..config(400, 0.5)
        };
        let t = drive(&c, Fault::None, 20_000);
        let fraction = t.ttl_sets as f64 / t.sets as f64;
        assert!((fraction - exp).abs() < 0.01, "e={exp}: {fraction}");
    }
    let t = drive(&config(400, 0.5), Fault::None, 2_000);
    assert_eq!(t.ttl_sets, 0);
}

/// Runs with TTL items only, time moving `step` per task.
fn expiry_run(fault: Fault, step: Duration, tasks: u64) -> Tally {
    let c = WorkloadConfig {
        exp_verify: 1.0,
        ..config(50, 0.2)
    };
    let workload = Workload::new(&c, 3, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let mut server = Server::new(fault);
    let mut tally = Tally::default();
    let t0 = Instant::now();
    let clock = move |n: u64| t0 + step * u32::try_from(n).unwrap();
    run(&mut g, &mut server, tasks, clock, always_stored, &mut tally);
    tally
}

#[test]
fn expiry_is_judged_with_the_margin() {
    // A correct server: items expire after 60 s and every answer is right.
    let t = expiry_run(Fault::None, Duration::from_millis(500), 5_000);
    assert!(t.misses > 0 && t.hits > 0, "{t:?}");
    assert_eq!(t.verdict(Verdict::Ok), t.gets, "{t:?}");
    // A server that keeps items forever returns some well past TTL + 5 s.
    let t = expiry_run(Fault::IgnoreTtl, Duration::from_millis(500), 5_000);
    assert!(t.verdict(Verdict::ExpiredGet) > 0, "{t:?}");
    assert_eq!(t.verdict(Verdict::UnexpiredUnget), 0);
    // A server that loses everything misses items well before TTL − 5 s.
    let t = expiry_run(Fault::Forget, Duration::from_millis(10), 1_000);
    assert_eq!(t.verdict(Verdict::UnexpiredUnget), t.gets, "{t:?}");
}

#[test]
fn data_verification_finds_wrong_and_missing_values() {
    let c = WorkloadConfig {
        verify: 1.0,
        ..config(100, 0.1)
    };
    let t = drive(&c, Fault::Corrupt, 5_000);
    assert_eq!(t.verdict(Verdict::VerifyFailed), t.gets);
    let t = drive(&c, Fault::Forget, 5_000);
    assert_eq!(t.verdict(Verdict::VerifyMiss), t.gets);
}

#[test]
fn verify_fraction_is_kept() {
    for verify in [0.05, 0.2, 0.5] {
        let c = WorkloadConfig {
            verify,
            ..config(100, 0.1)
        };
        let t = drive(&c, Fault::Corrupt, 20_000);
        let fraction = t.verdict(Verdict::VerifyFailed) as f64 / t.gets as f64;
        assert!((fraction - verify).abs() < 0.001, "v={verify}: {fraction}");
        assert_eq!(
            t.verdict(Verdict::VerifyFailed) + t.verdict(Verdict::Unchecked),
            t.gets
        );
    }
    let t = drive(&config(100, 0.1), Fault::Corrupt, 5_000);
    assert_eq!(t.verdict(Verdict::Unchecked), t.gets);
}

#[test]
fn get_only_mix_stores_the_window_first() {
    let c = WorkloadConfig {
        verify: 1.0,
        ..config(300, 0.0)
    };
    let workload = Workload::new(&c, 8, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    assert!(g.is_warming_up());
    let mut server = Server::new(Fault::None);
    let mut tally = Tally::default();
    let clock = frozen(Instant::now());
    run(&mut g, &mut server, 300, clock, always_stored, &mut tally);
    assert_eq!((tally.warmup_sets, tally.sets), (300, 300));
    assert_eq!(server.objects.len(), 300);
    assert!(!g.is_warming_up());
    assert_eq!(g.filled(), 300);
    let mut tally = Tally::default();
    let clock = frozen(Instant::now());
    run(
        &mut g,
        &mut server,
        10_000,
        clock,
        always_stored,
        &mut tally,
    );
    assert_eq!(tally.sets, 0);
    assert_eq!(tally.verdict(Verdict::Ok), 10_000);
}

#[test]
fn set_only_mix_issues_no_gets() {
    let t = drive(&config(100, 1.0), Fault::None, 5_000);
    assert_eq!((t.sets, t.gets), (5_000, 0));
}

#[test]
fn multi_gets_have_distinct_stored_keys() {
    let c = WorkloadConfig {
        division: 10,
        ..config(1000, 0.1)
    };
    let workload = Workload::new(&c, 2, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    let mut full = 0;
    for _ in 0..5_000 {
        let filled = g.filled();
        let (id, task) = g.issue().unwrap();
        match task {
            Task::Set(_) => g.complete_set(id, SetOutcome::Stored, now),
            Task::Get(batch) => {
                assert_eq!(batch.len(), filled.min(10));
                full += usize::from(batch.len() == 10);
                let keys: Vec<Vec<u8>> = batch
                    .iter()
                    .map(|e| {
                        let mut k = Vec::new();
                        e.key.append_to(&mut k);
                        k
                    })
                    .collect();
                for (i, k) in keys.iter().enumerate() {
                    assert_eq!(batch.position(k), Some(i));
                    // Wherever the search starts, it finds the same index.
                    for start in 0..batch.len() + 2 {
                        assert_eq!(batch.position_from(k, start), Some(i));
                    }
                    assert!(!keys[..i].contains(k), "duplicate key in a batch");
                }
                assert_eq!(batch.position_from(b"not asked", 3), None);
            }
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
        g.finish_get(id);
    }
    assert!(full > 100);
}

#[test]
fn failed_sets_leave_the_window_as_it_was() {
    // Every fresh-key replacement fails: the old items stay and verify.
    let c = WorkloadConfig {
        verify: 1.0,
        ..config(20, 0.5)
    };
    let workload = Workload::new(&c, 4, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let mut server = Server::new(Fault::None);
    let mut tally = Tally::default();
    let clock = frozen(Instant::now());
    run(&mut g, &mut server, 40, clock, always_stored, &mut tally);
    assert_eq!(g.filled(), 20);
    let mut tally = Tally::default();
    let clock = frozen(Instant::now());
    run(
        &mut g,
        &mut server,
        4_000,
        clock,
        |_| SetOutcome::NotStored,
        &mut tally,
    );
    assert_eq!(server.objects.len(), 20);
    assert!(tally.gets > 1000);
    assert_eq!(tally.verdict(Verdict::Ok), tally.gets);
}

#[test]
fn failed_overwrites_stop_verification_of_the_item() {
    let c = WorkloadConfig {
        verify: 1.0,
        overwrite: 1.0,
        ..config(1, 0.5)
    };
    let workload = Workload::new(&c, 4, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    let (id, Task::Set(first)) = g.issue().unwrap() else {
        panic!("expected a set")
    };
    let stored = first.value.to_vec();
    g.complete_set(id, SetOutcome::Stored, now);
    let (id, task) = g.issue().unwrap();
    assert!(matches!(task, Task::Get(_)));
    assert_eq!(g.check_get(id, 0, Some(&stored), now), Some(Verdict::Ok));
    g.finish_get(id);
    let (id, Task::Set(over)) = g.issue().unwrap() else {
        panic!("expected a set")
    };
    assert_eq!(over.kind, SetKind::Overwrite);
    g.complete_set(id, SetOutcome::Lost, now);
    let (id, task) = g.issue().unwrap();
    assert!(matches!(task, Task::Get(_)));
    assert_eq!(g.check_get(id, 0, None, now), Some(Verdict::Unchecked));
    g.finish_get(id);
    let (id, Task::Set(again)) = g.issue().unwrap() else {
        panic!("expected a set")
    };
    let again = again.value.to_vec();
    g.complete_set(id, SetOutcome::Stored, now);
    let (id, task) = g.issue().unwrap();
    assert!(matches!(task, Task::Get(_)));
    assert_eq!(g.check_get(id, 0, Some(&again), now), Some(Verdict::Ok));
    assert_eq!(g.check_get(id, 1, Some(&again), now), None);
}
