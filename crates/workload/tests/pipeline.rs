#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Several tasks outstanding (`--depth`): a pretend server that handles each
//! request when it is issued and answers in issue order, as memcached does
//! on one connection, while the generator hears the answers later.

mod support;

use std::collections::VecDeque;
use std::time::Instant;

use memaslap_workload::{
    CommandMix, GetKeys, SetOutcome, Source, Task, TaskId, Verdict, Workload, WorkloadConfig,
};
use support::{Fault, Server};

/// A reply on its way back.
enum Reply {
    Set(TaskId, SetOutcome),
    Get(TaskId, Vec<Option<Vec<u8>>>),
}

#[derive(Debug, Default)]
struct Seen {
    sets: u64,
    keys: u64,
    misses: u64,
    max_outstanding: usize,
    stalls: u64,
    verdicts: std::collections::HashMap<Verdict, u64>,
}

/// Issues up to `depth` tasks, then hands back `1 + n % depth` replies, for
/// `rounds` rounds; every `fail_every`-th set is refused.
fn drive(config: &WorkloadConfig, depth: usize, fault: Fault, fail_every: u64) -> Seen {
    let workload = Workload::new(config, 9, 1).unwrap();
    let mut g = workload.generator(0).unwrap().with_depth(depth);
    assert_eq!(g.depth(), depth);
    let mut server = Server::new(fault);
    let mut replies = VecDeque::new();
    let mut seen = Seen::default();
    let now = Instant::now();
    let mut key = Vec::new();
    for round in 0..20_000u64 {
        loop {
            let Some((id, task)) = g.issue() else {
                seen.stalls += u64::from(g.outstanding() < depth);
                break;
            };
            match task {
                Task::Set(set) => {
                    seen.sets += 1;
                    let outcome = if fail_every > 0 && seen.sets % fail_every == 0 {
                        SetOutcome::NotStored
                    } else {
                        server.set(&set, now);
                        SetOutcome::Stored
                    };
                    replies.push_back(Reply::Set(id, outcome));
                }
                Task::Get(batch) => {
                    let answers = batch
                        .iter()
                        .map(|entry| {
                            key.clear();
                            entry.key.append_to(&mut key);
                            server.get(&key, now)
                        })
                        .collect();
                    replies.push_back(Reply::Get(id, answers));
                }
                Task::Key(_) => panic!("the window model issues no key tasks"),
            }
        }
        seen.max_outstanding = seen.max_outstanding.max(g.outstanding());
        assert_eq!(g.outstanding(), replies.len());
        for _ in 0..1 + round as usize % depth {
            match replies.pop_front() {
                Some(Reply::Set(id, outcome)) => g.complete_set(id, outcome, now),
                Some(Reply::Get(id, answers)) => {
                    assert_eq!(g.batch(id).len(), answers.len());
                    for (i, answer) in answers.iter().enumerate() {
                        seen.keys += 1;
                        seen.misses += u64::from(answer.is_none());
                        let verdict = g.check_get(id, i, answer.as_deref(), now).unwrap();
                        *seen.verdicts.entry(verdict).or_default() += 1;
                    }
                    g.finish_get(id);
                    assert!(g.batch(id).is_empty());
                }
                None => break,
            }
        }
    }
    seen
}

fn config(window: usize, set: f64, division: usize) -> WorkloadConfig {
    WorkloadConfig {
        window,
        division,
        verify: 1.0,
        overwrite: 0.5,
        mix: CommandMix {
            set,
            get: 1.0 - set,
        },
        ..WorkloadConfig::default()
    }
}

#[test]
fn every_get_is_judged_right_with_many_tasks_outstanding() {
    for (window, division) in [(300, 1), (300, 10), (40, 5)] {
        let seen = drive(&config(window, 0.3, division), 16, Fault::None, 0);
        assert_eq!(seen.max_outstanding, 16);
        assert!(seen.keys > 50_000, "{seen:?}");
        assert_eq!(seen.misses, 0, "{seen:?}");
        assert_eq!(
            seen.verdicts.get(&Verdict::Ok),
            Some(&seen.keys),
            "{seen:?}"
        );
    }
}

#[test]
fn refused_sets_leave_nothing_misjudged() {
    let seen = drive(&config(200, 0.4, 3), 8, Fault::None, 7);
    assert!(seen.keys > 20_000);
    for bad in [
        Verdict::VerifyFailed,
        Verdict::VerifyMiss,
        Verdict::ExpiredGet,
        Verdict::UnexpiredUnget,
    ] {
        assert_eq!(seen.verdicts.get(&bad), None, "{seen:?}");
    }
}

#[test]
fn corrupt_values_are_still_caught() {
    let seen = drive(&config(300, 0.3, 2), 16, Fault::Corrupt, 0);
    assert_eq!(seen.verdicts.get(&Verdict::VerifyFailed), Some(&seen.keys));
}

#[test]
fn an_item_is_never_set_twice_at_once() {
    // One item and only sets: the second set must wait for the first.
    let c = config(1, 1.0, 1);
    let workload = Workload::new(&c, 1, 1).unwrap();
    let mut g = workload.generator(0).unwrap().with_depth(4);
    let (id, _) = g.issue().unwrap();
    assert!(g.issue().is_none());
    g.complete_set(id, SetOutcome::Stored, Instant::now());
    assert!(g.issue().is_some());
    // A small window with several sets outstanding never stalls for good.
    let seen = drive(&config(3, 0.5, 2), 16, Fault::None, 0);
    assert!(seen.stalls > 0);
    assert_eq!(seen.verdicts.get(&Verdict::Ok), Some(&seen.keys));
}

#[test]
fn depth_one_is_the_default_closed_loop() {
    let c = config(50, 0.2, 4);
    let workload = Workload::new(&c, 3, 1).unwrap();
    let mut closed = workload.generator(0).unwrap();
    let mut open = workload.generator(0).unwrap().with_depth(1);
    let now = Instant::now();
    for _ in 0..2_000 {
        let (a_id, a) = closed.issue().unwrap();
        let a = format!("{a:?}");
        assert!(closed.issue().is_none());
        let (id, task) = open.issue().unwrap();
        assert_eq!(a, format!("{task:?}"));
        assert!(open.issue().is_none());
        closed.complete_set(a_id, SetOutcome::Stored, now);
        closed.finish_get(a_id);
        open.complete_set(id, SetOutcome::Stored, now);
        open.finish_get(id);
    }
    assert_eq!(closed.counts(), open.counts());
}
