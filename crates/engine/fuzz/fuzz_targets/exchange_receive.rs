//! Feeds arbitrary reply bytes to a connection's request/reply exchange, as
//! a hostile server would send them, for a run of requests drawn from a
//! small workload. Input: a flags byte (bit 0: binary protocol, else bit 3:
//! meta protocol, else the text protocol; bits 1-2: keys per multi-get
//! minus one; bit 4: a keyspace issuing every command instead of
//! memaslap's windows; bit 5: answers not offered to the source, as for a
//! source that checks none), a byte seeding the chunk sizes, then the byte
//! stream the server sends.
//!
//! Nothing may panic; no call consumes more than it was given; every request
//! ends at most once, in exactly one of completed or failed; and the bytes
//! cut into random chunks give the same results as the bytes given whole.
//!
//! The seeds in `corpus/exchange_receive` are the fault-injection server's
//! replies to this workload (crates/cli/tests/fuzz_seeds.rs writes them),
//! which uses the same workload settings as below.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_engine::Counters;
use memaslap_engine::{Done, Exchange, Protocol};
use memaslap_workload::{Source, Workload};

#[path = "../workload.rs"]
mod fuzz_workload;
use fuzz_workload::{every_command, workload};
use std::sync::OnceLock;
use std::time::Instant;

/// Requests issued at most per input.
const MAX_REQUESTS: usize = 64;
/// The largest value a reply may declare.
const MAX_VALUE: usize = 4096;

fuzz_target!(|data: &[u8]| {
    let Some(([flags, seed], stream)) = data.split_first_chunk::<2>() else {
        return;
    };
    let protocol = match (flags & 1, flags & 8) {
        (1, _) => Protocol::Binary,
        (_, 8) => Protocol::Meta,
        _ => Protocol::Ascii,
    };
    let division = 1 + usize::from((flags >> 1) & 3);
    // Building a workload costs far more than a run: one per division.
    static WORKLOADS: OnceLock<Vec<Workload>> = OnceLock::new();
    let workloads = WORKLOADS.get_or_init(|| {
        (1..=4)
            .map(workload)
            .chain((1..=4).map(every_command))
            .collect()
    });
    let commands = if flags & 16 != 0 { 4 } else { 0 };
    let workload = &workloads[commands + division - 1];
    let now = Instant::now();
    let checks = flags & 32 == 0;
    let whole = drive(workload, protocol, division, checks, stream, None, now);
    let chunked = drive(
        workload,
        protocol,
        division,
        checks,
        stream,
        Some(*seed),
        now,
    );
    assert_eq!(whole, chunked);
});

/// What a run of requests came to.
#[derive(Debug, PartialEq, Eq)]
struct Ran {
    ends: Vec<Option<Done>>,
    desync: bool,
    counters: Counters,
}

/// Issues requests and feeds them `stream`, all of it at once or in chunks
/// whose sizes come from `seed`.
fn drive(
    workload: &Workload,
    protocol: Protocol,
    division: usize,
    checks: bool,
    stream: &[u8],
    seed: Option<u8>,
    now: Instant,
) -> Ran {
    let mut generator = workload.source(0).unwrap();
    let mut exchange = Exchange::new(protocol, division, MAX_VALUE)
        .with_details(true)
        .with_checks(checks);
    let mut counters = Counters::default();
    let mut rng = u32::from(seed.unwrap_or(0)) | 1;
    let (mut rest, mut avail) = (stream, 0);
    let mut ran = Ran {
        ends: Vec::new(),
        desync: false,
        counters: Counters::default(),
    };
    'requests: for _ in 0..MAX_REQUESTS {
        let Some((id, task)) = generator.issue() else {
            break;
        };
        let begun = exchange.begin(id, &task, now);
        if begun.is_err() {
            break;
        }
        exchange.with_slices(|_| ());
        exchange.written();
        let before = counters.requests_completed + counters.requests_failed;
        let end = loop {
            let grow = match seed {
                None => rest.len(),
                Some(_) => {
                    // xorshift32: chunks of 1 to 64 bytes.
                    rng ^= rng << 13;
                    rng ^= rng >> 17;
                    rng ^= rng << 5;
                    1 + (rng % 64) as usize
                }
            };
            avail = (avail + grow).min(rest.len());
            let Ok(received) = exchange.receive(&rest[..avail], &mut generator, &mut counters, now)
            else {
                exchange.abandon(&mut generator, &mut counters, now);
                ran.desync = true;
                break 'requests;
            };
            assert!(received.consumed <= avail);
            rest = &rest[received.consumed..];
            avail -= received.consumed;
            if received.done.is_some() {
                break received.done;
            }
            if received.consumed == 0 && avail == rest.len() {
                break None;
            }
        };
        let ended = counters.requests_completed + counters.requests_failed - before;
        assert_eq!(ended, u64::from(end.is_some()));
        if let Some(done) = end {
            assert_eq!(exchange.pending(), None);
            assert!(done.failed || counters.requests_completed > 0);
        }
        ran.ends.push(end);
        if end.is_none() {
            exchange.abandon(&mut generator, &mut counters, now);
            break;
        }
    }
    let mut failures = Vec::new();
    exchange.take_failures(&mut failures);
    assert!(failures.len() as u64 <= counters.verify_failed + counters.verify_misses);
    ran.counters = counters;
    ran
}
