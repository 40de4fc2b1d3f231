//! Several requests outstanding on one exchange.

use super::tests::{bin_reply, value_reply, wire};
use super::*;
use crate::schedule::{Pace, Schedule};
use memaslap_workload::{AnySource, CommandMix, GetKeys, Source, Task, Workload, WorkloadConfig};

/// Seed 1 issues several tasks together after `pipeline_warm`: with other
/// seeds the next get may pick an item with a set in flight and wait.
fn workload(division: usize) -> Workload {
    let config = WorkloadConfig {
        window: 8,
        verify: 1.0,
        division,
        mix: CommandMix { set: 0.5, get: 0.5 },
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 1, 1).unwrap()
}

/// A meta `VA` reply for `key` with `opaque`.
fn meta_value(key: &[u8], opaque: u32, data: &[u8]) -> Vec<u8> {
    let mut r = format!("VA {} k", data.len()).into_bytes();
    r.extend_from_slice(key);
    r.extend_from_slice(format!(" O{opaque}\r\n").as_bytes());
    r.extend_from_slice(data);
    r.extend_from_slice(b"\r\n");
    r
}

/// A reply memcached would give to request `id`, from what the generator
/// expects: every key stored (sets were answered before).
fn reply_for(protocol: Protocol, g: &AnySource<'_>, id: TaskId, is_set: bool) -> Vec<u8> {
    let tag = (id.index() as u32) << 16;
    let batch = g.batch(id);
    match (protocol, is_set) {
        (Protocol::Ascii, true) => b"STORED\r\n".to_vec(),
        (Protocol::Binary, true) => bin_reply(0x01, 0, tag, &[], &[], &[]),
        (Protocol::Ascii, false) => {
            let mut r = Vec::new();
            for entry in batch.iter() {
                let mut key = Vec::new();
                entry.key.append_to(&mut key);
                r.extend(value_reply(&key, entry.expected));
            }
            r.extend_from_slice(b"END\r\n");
            r
        }
        (Protocol::Binary, false) if batch.len() == 1 => {
            let entry = batch.get(0).unwrap();
            bin_reply(0x00, 0, tag, &[0; 4], &[], entry.expected)
        }
        (Protocol::Binary, false) => {
            let mut r = Vec::new();
            for (i, entry) in batch.iter().enumerate() {
                let mut key = Vec::new();
                entry.key.append_to(&mut key);
                r.extend(bin_reply(
                    0x0d,
                    0,
                    tag | i as u32,
                    &[0; 4],
                    &key,
                    entry.expected,
                ));
            }
            r.extend(bin_reply(0x0a, 0, tag | batch.len() as u32, &[], &[], &[]));
            r
        }
        (Protocol::Meta, true) => format!("HD O{tag}\r\n").into_bytes(),
        (Protocol::Meta, false) => {
            let mut r = Vec::new();
            let single = batch.len() == 1;
            for (i, entry) in batch.iter().enumerate() {
                let mut key = Vec::new();
                entry.key.append_to(&mut key);
                let opaque = if single { tag } else { tag | i as u32 };
                r.extend(meta_value(&key, opaque, entry.expected));
            }
            if !single {
                r.extend_from_slice(b"MN\r\n");
            }
            r
        }
    }
}

/// Whether a connection with `x` and a closed-loop schedule of the same
/// depth may begin another request.
fn can_begin(x: &Exchange<'_>) -> bool {
    let schedule = Schedule::new(x.depth(), Pace::Unpaced);
    x.has_room() && schedule.may_begin(x.outstanding(), Instant::now(), None)
}

/// Whether that connection would gather a new write.
fn wants_refill(x: &Exchange<'_>) -> bool {
    let schedule = Schedule::new(x.depth(), Pace::Unpaced);
    x.has_room() && schedule.gathers(x.outstanding())
}

/// Issues up to `n` tasks into `x`; returns each id, whether it is a set,
/// and the reply memcached would give.
fn issue<'w>(x: &mut Exchange<'w>, g: &mut AnySource<'w>, n: usize) -> Vec<(TaskId, bool)> {
    let mut issued = Vec::new();
    while issued.len() < n && can_begin(x) {
        let Some((id, task)) = g.issue() else { break };
        match task {
            Task::Set(set) => {
                x.begin_set(id, &set, Instant::now()).unwrap();
                issued.push((id, true));
            }
            Task::Get(batch) => {
                x.begin_get(id, &batch, Instant::now()).unwrap();
                issued.push((id, false));
            }
            Task::Key(_) => panic!("the window model issues no key tasks"),
        }
    }
    issued
}

/// Runs rounds of pipelined requests, all replies of a round arriving in
/// one buffer fed in small pieces; every request ends in order.
fn pipelined_rounds(protocol: Protocol, division: usize) -> Counters {
    let w = workload(division);
    let mut g = w.source(0).unwrap().with_depth(6);
    let mut x = Exchange::new(protocol, division, 1 << 20).with_depth(6);
    let mut c = Counters::default();
    let mut most = 0;
    for _ in 0..200 {
        assert!(wants_refill(&x));
        let issued = issue(&mut x, &mut g, 6);
        assert!(!issued.is_empty());
        // Half the depth or less outstanding: time for another write.
        assert_eq!(wants_refill(&x), issued.len() <= 3);
        most = most.max(issued.len());
        assert_eq!(x.outstanding(), issued.len());
        assert!(!wire(&mut x).is_empty());
        x.written();
        let replies: Vec<u8> = issued
            .iter()
            .flat_map(|&(id, is_set)| reply_for(protocol, &g, id, is_set))
            .collect();
        let mut ends = Vec::new();
        let mut buf = Vec::new();
        for piece in replies.chunks(7) {
            buf.extend_from_slice(piece);
            loop {
                let r = x.receive(&buf, &mut g, &mut c, Instant::now()).unwrap();
                buf.drain(..r.consumed);
                match r.done {
                    Some(done) => ends.push(done.kind == Kind::Set),
                    None => break,
                }
            }
        }
        assert!(buf.is_empty());
        let kinds: Vec<bool> = issued.iter().map(|&(_, is_set)| is_set).collect();
        assert_eq!(ends, kinds);
        assert_eq!((x.outstanding(), g.outstanding()), (0, 0));
    }
    assert!(most > 1, "never more than one request outstanding");
    c
}

#[test]
fn ascii_replies_end_requests_in_order() {
    for division in [1, 3] {
        let c = pipelined_rounds(Protocol::Ascii, division);
        assert!(c.cmd_get > 100 && c.cmd_set > 100, "{c:?}");
        assert_eq!((c.verify_failed, c.verify_misses, c.get_misses), (0, 0, 0));
        assert_eq!(c.errors.protocol_error, 0);
        assert_eq!(c.requests_failed, 0);
    }
}

#[test]
fn binary_replies_are_matched_by_opaque() {
    for division in [1, 3] {
        let c = pipelined_rounds(Protocol::Binary, division);
        assert!(c.cmd_get > 100 && c.cmd_set > 100, "{c:?}");
        assert_eq!((c.verify_failed, c.verify_misses, c.get_misses), (0, 0, 0));
        assert_eq!(c.errors.protocol_error, 0);
    }
}

#[test]
fn meta_replies_are_matched_by_opaque() {
    for division in [1, 3] {
        let c = pipelined_rounds(Protocol::Meta, division);
        assert!(c.cmd_get > 100 && c.cmd_set > 100, "{c:?}");
        assert_eq!((c.verify_failed, c.verify_misses, c.get_misses), (0, 0, 0));
        assert_eq!(c.errors.protocol_error, 0);
        assert_eq!(c.requests_failed, 0);
    }
}

#[test]
fn binary_reply_naming_a_later_request_is_a_desync() {
    let w = workload(1);
    let mut g = w.source(0).unwrap().with_depth(4);
    let mut x = Exchange::new(Protocol::Binary, 1, 1 << 20).with_depth(4);
    let mut c = Counters::default();
    // Store a few items so that several requests can go out together.
    pipeline_warm(&mut x, &mut g, &mut c);
    let issued = issue(&mut x, &mut g, 4);
    assert!(issued.len() >= 2, "{issued:?}");
    let (second, second_is_set) = issued[1];
    // Each request's opaque names it.
    let sent = wire(&mut x);
    assert_eq!(
        &sent[12..16],
        &((issued[0].0.index() as u32) << 16).to_be_bytes()
    );
    let reply = reply_for(Protocol::Binary, &g, second, second_is_set);
    assert_eq!(
        x.receive(&reply, &mut g, &mut c, Instant::now()),
        Err(Desync)
    );
    assert_eq!(
        x.abandon(&mut g, &mut Counters::default(), Instant::now()),
        issued.len()
    );
    assert_eq!((x.outstanding(), g.outstanding()), (0, 0));
    assert!(!x.has_unwritten());
}

/// Stores items one request at a time until a few are stored.
fn pipeline_warm<'w>(x: &mut Exchange<'w>, g: &mut AnySource<'w>, c: &mut Counters) {
    for _ in 0..6 {
        let issued = issue(x, g, 1);
        let reply: Vec<u8> = issued
            .iter()
            .flat_map(|&(id, is_set)| reply_for(x.protocol(), g, id, is_set))
            .collect();
        x.written();
        let r = x.receive(&reply, g, c, Instant::now()).unwrap();
        assert_eq!(r.consumed, reply.len());
    }
}

#[test]
fn depth_bounds_what_may_begin() {
    let w = workload(1);
    let mut g = w.source(0).unwrap().with_depth(8);
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20).with_depth(2);
    let mut c = Counters::default();
    pipeline_warm(&mut x, &mut g, &mut c);
    let issued = issue(&mut x, &mut g, 8);
    assert_eq!(issued.len(), 2);
    assert!(!can_begin(&x));
    assert!(!wants_refill(&x));
    assert!(x.oldest_start().is_some());
    assert_eq!(
        x.abandon(&mut g, &mut Counters::default(), Instant::now()),
        2
    );
    assert!(can_begin(&x) && wants_refill(&x));
}
