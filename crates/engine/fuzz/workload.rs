//! The workload of the `exchange_receive` target, shared with the test that
//! writes its seeds (crates/cli/tests/fuzz_seeds.rs), so that the seeds
//! answer exactly the requests the target issues.

use memaslap_workload::{CommandMix, KeyDist, KeyspaceConfig, SizeRange, Workload, WorkloadConfig};

/// A small verified workload with `division` keys per multi-get.
pub fn workload(division: usize) -> Workload {
    let config = WorkloadConfig {
        window: 8,
        verify: 1.0,
        division,
        keys: vec![SizeRange::new(16, 24, 1.0)],
        values: vec![SizeRange::new(1, 100, 1.0)],
        mix: CommandMix { set: 0.5, get: 0.5 },
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 7, 1).unwrap()
}

/// A keyspace of a few keys issuing every command, `division` keys per
/// retrieval (the target's only: the seeds answer the window model).
#[allow(dead_code)]
pub fn every_command(division: usize) -> Workload {
    let config = WorkloadConfig {
        division,
        keys: vec![SizeRange::new(16, 24, 1.0)],
        values: vec![SizeRange::new(1, 100, 1.0)],
        keyspace: Some(KeyspaceConfig {
            keys: 20,
            dist: KeyDist::Uniform,
            prefill: false,
        }),
        commands: Some(
            "get=2,gets=2,gat=1,gats=1,set=1,add=1,replace=1,append=1,prepend=1,cas=2,\
             delete=1,incr=1,decr=1,touch=1"
                .parse()
                .unwrap(),
        ),
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 7, 1).unwrap()
}
