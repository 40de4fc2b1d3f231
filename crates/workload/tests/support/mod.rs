//! A pretend memcached for driving generators in simulated time.
#![allow(dead_code)]

use std::collections::HashMap;
use std::time::{Duration, Instant};

use memaslap_workload::{Generator, GetKeys, SetKind, SetOutcome, SetTask, Source, Task, Verdict};

/// How the pretend server misbehaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A correct server.
    None,
    /// Items never expire.
    IgnoreTtl,
    /// Every get misses.
    Forget,
    /// The first byte of every returned value is changed.
    Corrupt,
}

/// One stored object.
#[derive(Debug, Clone)]
pub struct Object {
    pub value: Vec<u8>,
    pub expires: Option<Instant>,
}

/// A key-value store with memcached's expiry rule.
#[derive(Debug)]
pub struct Server {
    pub objects: HashMap<Vec<u8>, Object>,
    pub fault: Fault,
    scratch: Vec<u8>,
}

impl Server {
    pub fn new(fault: Fault) -> Self {
        Self {
            objects: HashMap::new(),
            fault,
            scratch: Vec::new(),
        }
    }

    pub fn set(&mut self, task: &SetTask<'_>, now: Instant) {
        let mut key = Vec::new();
        task.key.append_to(&mut key);
        let expires = (task.exptime > 0 && self.fault != Fault::IgnoreTtl)
            .then(|| now + Duration::from_secs(u64::from(task.exptime)));
        self.objects.insert(
            key,
            Object {
                value: task.value.to_vec(),
                expires,
            },
        );
    }

    pub fn get(&mut self, key: &[u8], now: Instant) -> Option<Vec<u8>> {
        if self.fault == Fault::Forget {
            return None;
        }
        let object = self.objects.get(key)?;
        if object.expires.is_some_and(|at| now >= at) {
            return None;
        }
        let mut value = object.value.clone();
        if self.fault == Fault::Corrupt
            && let Some(first) = value.first_mut()
        {
            *first = if *first == b'x' { b'y' } else { b'x' };
        }
        Some(value)
    }
}

/// What a run saw.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    pub tasks: u64,
    pub sets: u64,
    pub new_sets: u64,
    pub overwrites: u64,
    pub ttl_sets: u64,
    pub warmup_sets: u64,
    pub gets: u64,
    pub batches: u64,
    pub hits: u64,
    pub misses: u64,
    pub verdicts: HashMap<Verdict, u64>,
    /// Sets of a key whose value equals the value stored before.
    pub unchanged_overwrites: u64,
    /// New sets of a key the server already held.
    pub reused_new_keys: u64,
    /// Overwrites of a key the server did not hold.
    pub overwrites_of_unknown_keys: u64,
    /// Gets of keys never stored.
    pub gets_of_unknown_keys: u64,
}

impl Tally {
    pub fn verdict(&self, verdict: Verdict) -> u64 {
        self.verdicts.get(&verdict).copied().unwrap_or(0)
    }
}

/// Runs `tasks` tasks of `generator` against `server`; `clock` gives the
/// time of each task from its number, `outcome` decides each set's result.
pub fn run(
    generator: &mut Generator<'_>,
    server: &mut Server,
    tasks: u64,
    mut clock: impl FnMut(u64) -> Instant,
    mut outcome: impl FnMut(&SetTask<'_>) -> SetOutcome,
    tally: &mut Tally,
) {
    let mut key = Vec::new();
    for n in 0..tasks {
        let now = clock(n);
        tally.tasks += 1;
        let (id, task) = generator.issue().expect("a closed loop always has a task");
        match task {
            Task::Set(set) => {
                tally.sets += 1;
                tally.warmup_sets += u64::from(set.warmup);
                tally.ttl_sets += u64::from(set.exptime > 0);
                key.clear();
                set.key.append_to(&mut key);
                let before = server.objects.get(&key).map(|o| o.value.clone());
                match set.kind {
                    SetKind::New => {
                        tally.new_sets += 1;
                        tally.reused_new_keys += u64::from(before.is_some());
                    }
                    SetKind::Overwrite => {
                        tally.overwrites += 1;
                        tally.overwrites_of_unknown_keys += u64::from(before.is_none());
                        tally.unchanged_overwrites +=
                            u64::from(before.as_deref() == Some(set.value));
                    }
                    SetKind::Fill => panic!("the window model makes no demand fills"),
                }
                let result = outcome(&set);
                if result == SetOutcome::Stored {
                    server.set(&set, now);
                }
                generator.complete_set(id, result, now);
            }
            Task::Get(batch) => {
                tally.batches += 1;
                let count = batch.len();
                for i in 0..count {
                    let entry = generator.batch(id).get(i).expect("entry in batch");
                    key.clear();
                    entry.key.append_to(&mut key);
                    tally.gets += 1;
                    tally.gets_of_unknown_keys += u64::from(!server.objects.contains_key(&key));
                    let answer = server.get(&key, now);
                    if answer.is_some() {
                        tally.hits += 1;
                    } else {
                        tally.misses += 1;
                    }
                    let verdict = generator
                        .check_get(id, i, answer.as_deref(), now)
                        .expect("verdict for entry");
                    *tally.verdicts.entry(verdict).or_default() += 1;
                }
                generator.finish_get(id);
            }
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
    }
}

/// A clock that stands still at `t0`.
pub fn frozen(t0: Instant) -> impl FnMut(u64) -> Instant {
    move |_| t0
}

/// Every set stored.
pub fn always_stored(_: &SetTask<'_>) -> SetOutcome {
    SetOutcome::Stored
}
