use super::*;
use crate::source::{Source, answers_judged};
use crate::task::{GetKeys, SetOutcome, Task, Verdict};
use std::time::Instant;

fn config(keys: u64, dist: KeyDist) -> WorkloadConfig {
    WorkloadConfig {
        keyspace: Some(KeyspaceConfig {
            keys,
            dist,
            prefill: false,
        }),
        ..WorkloadConfig::default()
    }
}

fn space(config: &WorkloadConfig) -> Keyspace {
    Keyspace::new(config, config.keyspace.unwrap(), 4).unwrap()
}

fn bytes(key: Key<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    key.append_to(&mut out);
    out
}

/// The key ids of `n` gets of a source that only gets.
fn drawn(space: &Keyspace, n: usize) -> Vec<u64> {
    let mut source = KeyspaceSource::new(space, 7, 0);
    let mut ids = Vec::with_capacity(n);
    for _ in 0..n {
        let (id, task) = source.issue().unwrap();
        let Task::Get(batch) = task else {
            panic!("a set from a mix of gets")
        };
        ids.extend_from_slice(batch.ids());
        source.finish_get(id);
    }
    ids
}

#[test]
fn zipf_puts_its_share_on_the_hottest_percent_of_a_million_keys() {
    let (n, s) = (1_000_000u64, 0.99);
    let mut c = config(n, KeyDist::Zipf { exponent: s });
    c.mix.set = 0.0;
    c.mix.get = 1.0;
    let space = space(&c);
    let draws = 2_000_000;
    let mut counts = vec![0u32; n as usize];
    for id in drawn(&space, draws) {
        counts[id as usize] += 1;
    }
    // The hottest keys are scattered, not the lowest ids.
    let low: u64 = counts[..(n / 100) as usize]
        .iter()
        .map(|&c| u64::from(c))
        .sum();
    assert!((low as f64 / draws as f64) < 0.05, "ids 0..1% take {low}");
    counts.sort_unstable_by(|a, b| b.cmp(a));
    let top: u64 = counts[..(n / 100) as usize]
        .iter()
        .map(|&c| u64::from(c))
        .sum();
    let got = top as f64 / draws as f64;
    let h = |m: u64| (1..=m).map(|k| 1.0 / (k as f64).powf(s)).sum::<f64>();
    let want = h(n / 100) / h(n);
    assert!(
        (got - want).abs() < 0.01,
        "top 1%: {got:.4}, theory {want:.4}"
    );
}

#[test]
fn etc_sizes_have_their_distributions_median_and_p99() {
    let mut c = config(1_000_000, KeyDist::Uniform);
    c.key_sizes = Some(SizeDist::ETC_KEYS);
    c.value_sizes = Some(SizeDist::ETC_VALUES);
    let space = space(&c);
    let ids = 0..200_000u64;
    let mut keys: Vec<usize> = ids.clone().map(|id| space.names().len_of(id)).collect();
    let mut values: Vec<usize> = ids.map(|id| space.value_len(id)).collect();
    for (sizes, dist) in [
        (&mut keys, SizeDist::ETC_KEYS),
        (&mut values, SizeDist::ETC_VALUES),
    ] {
        sizes.sort_unstable();
        for q in [0.5, 0.99] {
            let got = sizes[(q * sizes.len() as f64) as usize] as f64;
            let want = dist.quantile(q);
            assert!(
                (got / want - 1.0).abs() < 0.02,
                "{dist} q{q}: {got} vs {want:.1}"
            );
        }
    }
}

#[test]
fn an_item_is_a_function_of_its_id_alone() {
    let mut c = config(10_000, KeyDist::Uniform);
    c.value_sizes = Some("10-2000".parse().unwrap());
    let a = space(&c);
    c.mix.set = 0.9;
    c.keyspace = Some(KeyspaceConfig {
        keys: 10_000,
        dist: KeyDist::Sequential,
        prefill: false,
    });
    let b = Keyspace::new(&c, c.keyspace.unwrap(), 9).unwrap();
    for id in [0, 1, 77, 9999] {
        assert_eq!(bytes(a.key(id)), bytes(b.key(id)));
        assert_eq!(a.value(id), b.value(id));
        assert_eq!(a.value(id).len(), a.value_len(id));
        assert!((10..=2000).contains(&a.value_len(id)));
    }
    assert_ne!(a.value(1), a.value(2));
}

#[test]
fn sets_and_gets_follow_the_mix_and_hits_are_verified() {
    let mut c = config(1000, KeyDist::Uniform);
    c.verify = 1.0;
    c.division = 4;
    let space = space(&c);
    let mut source = KeyspaceSource::new(&space, 3, 1).with_depth(8);
    let now = Instant::now();
    let (mut sets, mut gets) = (0, 0);
    for _ in 0..10_000 {
        let mut issued = Vec::new();
        while let Some((id, task)) = source.issue() {
            issued.push((id, matches!(task, Task::Set(_))));
        }
        assert_eq!(issued.len(), 8);
        for (id, is_set) in issued {
            if is_set {
                sets += 1;
                source.complete_set(id, SetOutcome::Stored, now);
                continue;
            }
            gets += 1;
            let batch = source.batch(id);
            assert!((1..=4).contains(&batch.len()));
            let ids = batch.ids();
            assert!(ids.iter().enumerate().all(|(i, x)| !ids[..i].contains(x)));
            let entry = batch.get(0).unwrap();
            let good = space.value(ids[0]).to_vec();
            assert_eq!(entry.expected, &good[..]);
            assert_eq!(source.check_get(id, 0, Some(&good), now), Some(Verdict::Ok));
            let mut bad = good.clone();
            bad[0] ^= 1;
            assert_eq!(
                source.check_get(id, 0, Some(&bad), now),
                Some(Verdict::VerifyFailed)
            );
            assert_eq!(source.check_get(id, 0, None, now), Some(Verdict::Ok));
            source.finish_get(id);
        }
        assert_eq!(source.outstanding(), 0);
    }
    let share = f64::from(sets) / f64::from(sets + gets);
    assert!((share - 0.1).abs() < 0.005, "{share}");
}

#[test]
fn window_flags_are_refused_with_a_keyspace() {
    let mut c = config(10, KeyDist::Uniform);
    c.exp_verify = 0.5;
    assert!(c.validate().unwrap_err().to_string().contains("-e"));
    let mut c = config(10, KeyDist::Uniform);
    c.overwrite = 0.5;
    assert!(c.validate().unwrap_err().to_string().contains("-o"));
    let c = config(0, KeyDist::Uniform);
    let e = Keyspace::new(&c, c.keyspace.unwrap(), 1).unwrap_err();
    assert!(e.to_string().contains("--keys"), "{e}");
}

#[test]
fn a_prefill_stores_every_key_once_over_all_connections() {
    let mut c = config(1003, KeyDist::Zipf { exponent: 1.0 });
    c.keyspace.as_mut().unwrap().prefill = true;
    c.mix.set = 0.0;
    c.mix.get = 1.0;
    let space = Keyspace::new(&c, c.keyspace.unwrap(), 4).unwrap();
    let now = Instant::now();
    let mut stored = Vec::new();
    for connection in 0..4u32 {
        let mut source = KeyspaceSource::new(&space, 9, connection).with_depth(16);
        let share = 1003 / 4 + u64::from(u64::from(connection) < 1003 % 4);
        let mut issued = 0;
        while let Some((id, task)) = source.issue() {
            let Task::Set(set) = task else {
                panic!("a get while prefilling")
            };
            stored.push(bytes(set.key));
            assert_eq!(
                set.value.len(),
                space.value_len(connection as u64 + 4 * issued)
            );
            issued += 1;
            source.complete_set(id, SetOutcome::Stored, now);
        }
        assert_eq!(issued, share, "connection {connection}");
    }
    let all: Vec<Vec<u8>> = (0..1003).map(|id| bytes(space.key(id))).collect();
    stored.sort();
    let mut want = all.clone();
    want.sort();
    assert_eq!(stored, want);
}

#[test]
fn every_command_of_the_mix_is_issued_in_its_share() {
    use crate::command::Command;
    use crate::task::{KeyOp, KeyOutcome, Retrieve, Store};
    let mut c = config(1000, KeyDist::Uniform);
    c.commands = Some(
        "get=2,gat=1,set=1,add=1,cas=1,delete=1,incr=1,decr=1,touch=1"
            .parse()
            .unwrap(),
    );
    let space = space(&c);
    assert!(space.has_counters());
    assert_eq!(space.stored_ids(), 2000);
    let mut source = KeyspaceSource::new(&space, 4, 0);
    let now = Instant::now();
    let mut seen = [0u32; crate::command::COMMANDS];
    let counters: Vec<Vec<u8>> = (1000..2000).map(|id| bytes(space.key(id))).collect();
    let mut last_unique = None;
    for n in 0..50_000u64 {
        let (id, task) = source.issue().unwrap();
        match task {
            Task::Get(batch) => {
                let retrieve = batch.retrieve();
                seen[retrieve.command().index()] += 1;
                assert!(matches!(
                    retrieve,
                    Retrieve::Get | Retrieve::Gets | Retrieve::Gat(0)
                ));
                assert!(batch.ids().iter().all(|&k| k < 1000));
                if retrieve == Retrieve::Gets {
                    last_unique = Some((n, batch.ids()[0]));
                    source.saw_cas(id, 0, n);
                }
                source.finish_get(id);
            }
            Task::Set(set) => {
                seen[set.store.command().index()] += 1;
                if let Store::Cas(unique) = set.store {
                    // The unique of the gets just before, for its key.
                    let (want, key) = last_unique.take().unwrap();
                    assert_eq!(unique, want);
                    assert_eq!(bytes(set.key), bytes(space.key(key)));
                }
                source.complete_set(id, SetOutcome::Stored, now);
            }
            Task::Key(key) => {
                seen[key.op.command().index()] += 1;
                let is_counter = counters.contains(&bytes(key.key));
                assert_eq!(
                    is_counter,
                    matches!(key.op, KeyOp::Incr(1) | KeyOp::Decr(1))
                );
                source.complete_key(id, KeyOutcome::Hit, now);
            }
        }
    }
    // A cas without a unique in hand goes as a gets: cas and gets share
    // cas's tenth.
    let share = |command: Command| f64::from(seen[command.index()]) / 50_000.0;
    assert!((share(Command::Cas) + share(Command::Gets) - 0.1).abs() < 0.01);
    assert!(share(Command::Cas) > 0.04, "{seen:?}");
    assert!((share(Command::Get) - 0.2).abs() < 0.01, "{seen:?}");
    for command in [
        Command::Gat,
        Command::Set,
        Command::Delete,
        Command::Incr,
        Command::Touch,
    ] {
        assert!((share(command) - 0.1).abs() < 0.01, "{command}: {seen:?}");
    }
}

#[test]
fn a_mix_needs_a_keyspace_and_no_verify_with_appends() {
    let mut c = WorkloadConfig {
        commands: Some("get=1,delete=1".parse().unwrap()),
        ..WorkloadConfig::default()
    };
    assert!(c.validate().unwrap_err().to_string().contains("--keys"));
    c.keyspace = config(10, KeyDist::Uniform).keyspace;
    c.validate().unwrap();
    c.commands = Some("get=1,append=1".parse().unwrap());
    c.verify = 0.5;
    assert!(c.validate().unwrap_err().to_string().contains("append"));
}

/// Without `-v` every get's answer is unchecked, as `checks_gets` tells
/// its callers; with it, some are checked.
#[test]
fn gets_are_checked_only_when_checks_gets_says_so() {
    for verify in [0.0, 0.2] {
        let mut c = config(1_000, KeyDist::Uniform);
        c.verify = verify;
        let space = space(&c);
        let mut source = KeyspaceSource::new(&space, 3, 0);
        let (gets, checked) = answers_judged(&mut source, 2_000);
        assert!(gets > 1_000);
        assert_eq!(source.checks_gets(), checked > 0, "-v {verify}");
    }
}
