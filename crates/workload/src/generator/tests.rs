//! The generator's own tests: its window, its TTL slots, its gets.

use super::*;
use crate::bytes::encode_prefix;
use crate::config::{CommandMix, WorkloadConfig};
use crate::task::GetKeys;

#[test]
fn ttl_slots_are_an_exact_even_share() {
    for (window, fraction, expected) in
        [(100, 0.1, 10), (1000, 0.25, 250), (7, 1.0, 7), (50, 0.0, 0)]
    {
        let slots: Vec<usize> = (0..window).filter(|&s| has_ttl(s, fraction)).collect();
        assert_eq!(slots.len(), expected);
        if expected > 1 {
            let gaps: Vec<usize> = slots.windows(2).map(|w| w[1] - w[0]).collect();
            let step = (1.0 / fraction).round() as usize;
            assert!(gaps.iter().all(|&g| g == step), "{gaps:?}");
        }
    }
}

#[test]
fn ttl_slots_are_those_the_floors_choose() {
    for fraction in [
        0.0,
        1e-9,
        0.001,
        0.1,
        0.3,
        1.0 / 3.0,
        0.5,
        0.77,
        0.999_999,
        1.0,
    ] {
        for slot in (0..20_000).chain([1 << 30, (1 << 40) + 7]) {
            let floors = ((slot + 1) as f64 * fraction).floor() > (slot as f64 * fraction).floor();
            assert_eq!(
                has_ttl(slot, fraction),
                floors,
                "slot {slot}, fraction {fraction}"
            );
        }
    }
}

#[test]
fn window_is_built_from_the_connections_prefix_range() {
    let config = WorkloadConfig {
        window: 10,
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 1, 3).unwrap();
    let per = workload.prefixes_per_connection();
    for connection in 0..3u32 {
        let g = workload.generator(connection).unwrap();
        let first = u64::from(connection) * per;
        for (i, &item) in g.window.iter().enumerate() {
            let key = g.space.key(item);
            assert_eq!(key.prefix(), &encode_prefix(first + i as u64));
            assert!(!item.is_stored());
            assert_eq!((key.len(), g.space.value(item).len()), (64, 1024));
        }
        assert_eq!(g.next_number, 10);
        assert_eq!(g.space.numbers(), per.min(1 << 40));
    }
}

#[test]
fn exhausted_prefixes_turn_replacements_into_overwrites() {
    let config = WorkloadConfig {
        window: 2,
        mix: CommandMix { set: 1.0, get: 0.0 },
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 1, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    let now = Instant::now();
    g.next_number = g.space.numbers() - 1;
    let mut kinds = Vec::new();
    for _ in 0..6 {
        let (id, task) = g.issue().unwrap();
        if let Task::Set(set) = task {
            kinds.push(set.kind);
        }
        g.complete_set(id, SetOutcome::Stored, now);
        g.finish_get(id);
    }
    use SetKind::{New, Overwrite};
    assert_eq!(kinds, [New, New, New, Overwrite, Overwrite, Overwrite]);
}

#[test]
fn a_get_whose_pick_is_being_set_gives_way_to_the_next_get() {
    let config = WorkloadConfig {
        window: 4,
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&config, 1, 1).unwrap();
    let mut g = workload.generator(0).unwrap();
    // The whole window is stored, a set was issued (no set is due), and
    // one item has a set in flight: a quarter of the picks hit it.
    g.cursor = 4;
    g.counts.sets = 1000;
    g.window[0].mark_setting(true);
    let busy = g.space.key(g.window[0]).prefix().to_vec();
    for _ in 0..40 {
        let (id, task) = g.issue().expect("a get of an item not being set");
        let Task::Get(batch) = task else {
            panic!("a set was not due");
        };
        assert_ne!(batch.key(0).unwrap().prefix(), &busy[..]);
        g.finish_get(id);
    }
    // With every item being set, no get can be planned: none is given.
    for slot in 1..4 {
        g.window[slot].mark_setting(true);
    }
    assert!(g.issue().is_none());
}

#[test]
fn debug_is_short() {
    let workload = Workload::new(&WorkloadConfig::default(), 1, 1).unwrap();
    let text = format!("{:?}", workload.generator(0).unwrap());
    assert!(
        text.starts_with("Generator { connection: 0, window: 10240"),
        "{text}"
    );
    assert!(text.len() < 300);
}
