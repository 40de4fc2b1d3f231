//! Writes the seeds of the engine's `exchange_receive` fuzz target: for
//! every fault, every protocol and single and multi-gets, the bytes the
//! fault-injection server sends back to the requests that target issues.
//! Run by hand when the fault server or the target changes:
//! `cargo test -p memaslap-cli --test fuzz_seeds -- --ignored`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod fault_server;
#[path = "../../engine/fuzz/workload.rs"]
mod fuzz_workload;

use fault_server::{Fault, Plan, Replies};
use fuzz_workload::workload;
use memaslap_engine::Counters;
use memaslap_engine::{Exchange, Protocol};
use memaslap_workload::Source;
use std::path::Path;
use std::time::Instant;

/// Requests per seed; the fault falls on every third reply that can carry it.
const REQUESTS: usize = 24;

/// The server's byte stream for the target's requests, until the
/// connection would end.
fn stream(fault: Fault, protocol: Protocol, division: usize) -> Vec<u8> {
    let workload = workload(division);
    let mut generator = workload.source(0).unwrap();
    let mut exchange = Exchange::new(protocol, division, 4096);
    let mut counters = Counters::default();
    let replies = Replies::new(fault, Plan::Every(3));
    let mut out = Vec::new();
    for _ in 0..REQUESTS {
        let now = Instant::now();
        let Some((id, task)) = generator.issue() else {
            break;
        };
        exchange.begin(id, &task, now).unwrap();
        let request = exchange.with_slices(|slices| slices.concat());
        exchange.written();
        let (reply, open) = replies.answer(&request, protocol == Protocol::Binary);
        out.extend_from_slice(&reply);
        // Keep the generator in step, as the target does with the stream.
        let received = exchange.receive(&reply, &mut generator, &mut counters, Instant::now());
        if !open || !matches!(received, Ok(r) if r.done.is_some() && r.consumed == reply.len()) {
            break;
        }
    }
    out
}

#[test]
#[ignore = "writes the fuzz seeds; run by hand"]
fn write_exchange_receive_seeds() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../engine/fuzz/corpus/exchange_receive");
    std::fs::create_dir_all(&dir).unwrap();
    let mut written = 0;
    let protocols = [
        (Protocol::Ascii, 0u8, &Fault::ALL[..]),
        (Protocol::Binary, 1, &Fault::ALL[..]),
        (Protocol::Meta, 8, &Fault::ALL[..]),
        (Protocol::Meta, 8, &Fault::META[..]),
    ];
    for (protocol, flag, faults) in protocols {
        for &fault in faults {
            for division in [1usize, 3] {
                let flags = flag | (((division - 1) as u8) << 1);
                let mut seed = vec![flags, 0x5a];
                seed.extend_from_slice(&stream(fault, protocol, division));
                let name = format!("{fault:?}-{protocol:?}-d{division}").to_lowercase();
                std::fs::write(dir.join(name), seed).unwrap();
                written += 1;
            }
        }
    }
    assert_eq!(written, (Fault::ALL.len() * 3 + Fault::META.len()) * 2);
}
