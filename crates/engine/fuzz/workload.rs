//! The workload of the `exchange_receive` target, shared with the test that
//! writes its seeds (crates/cli/tests/fuzz_seeds.rs), so that the seeds
//! answer exactly the requests the target issues.

use memaslap_workload::{CommandMix, SizeRange, Workload, WorkloadConfig};

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
