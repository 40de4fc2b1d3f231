//! The connection state machine driven alone, over a scripted transport in
//! simulated time: no socket, no clock, no sleep. Every test ends by
//! checking that each request sent is accounted for: completed, failed,
//! timed out or still in flight.

use super::mock::MockTransport;
use super::{Conn, ConnSetup, Ctx, Phase};
use crate::exchange::{Exchange, Protocol};
use crate::failure::VerifyFailure;
use crate::inbuf::RecvArea;
use crate::outage::Sightings;
use crate::schedule::{Pace, Schedule};
use crate::stats::{Counters, Stats};
use memaslap_transport::{Event, TransportEvent};
use memaslap_workload::{CommandMix, SizeRange, Workload, WorkloadConfig};
use std::collections::HashMap;
use std::time::{Duration, Instant};

pub(super) const STREAM_TIMEOUT: Duration = Duration::from_secs(1);
pub(super) const DATAGRAM_TIMEOUT: Duration = Duration::from_millis(200);
pub(super) const RETRY: Duration = Duration::from_millis(100);

/// Fixed sizes, so that every set's and every get's reply has one length;
/// every get verified; `division` keys per get.
pub(super) fn workload(division: usize) -> Workload {
    let config = WorkloadConfig {
        window: 16,
        keys: vec![SizeRange::new(16, 16, 1.0)],
        values: vec![SizeRange::new(100, 100, 1.0)],
        verify: 1.0,
        division,
        mix: CommandMix { set: 0.2, get: 0.8 },
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 7, 1).unwrap()
}

/// memcached's text protocol, enough to answer `set` and `get`: it reads
/// the requests written since its last answer and stores what they set.
#[derive(Default)]
struct TextServer {
    items: HashMap<Vec<u8>, Vec<u8>>,
    /// Where the next request starts in the transport's wire.
    cursor: usize,
}

impl TextServer {
    /// The reply to each complete request in `wire` past the cursor.
    fn answer(&mut self, wire: &[u8]) -> Vec<Vec<u8>> {
        let mut replies = Vec::new();
        loop {
            let rest = &wire[self.cursor..];
            let Some(end) = rest.windows(2).position(|w| w == b"\r\n") else {
                return replies;
            };
            let mut out = Vec::new();
            let line = std::str::from_utf8(&rest[..end]).unwrap();
            let words: Vec<&str> = line.split(' ').collect();
            match words[0] {
                "set" => {
                    let len: usize = words[4].parse().unwrap();
                    let start = end + 2;
                    if rest.len() < start + len + 2 {
                        return replies;
                    }
                    assert_eq!(&rest[start + len..start + len + 2], b"\r\n");
                    let value = rest[start..start + len].to_vec();
                    self.items.insert(words[1].as_bytes().to_vec(), value);
                    out.extend_from_slice(b"STORED\r\n");
                    self.cursor += start + len + 2;
                }
                "get" => {
                    for key in &words[1..] {
                        if let Some(value) = self.items.get(key.as_bytes()) {
                            let header = format!("VALUE {key} 0 {}\r\n", value.len());
                            out.extend_from_slice(header.as_bytes());
                            out.extend_from_slice(value);
                            out.extend_from_slice(b"\r\n");
                        }
                    }
                    out.extend_from_slice(b"END\r\n");
                    self.cursor += end + 2;
                }
                other => panic!("unexpected command {other:?}"),
            }
            replies.push(out);
        }
    }
}

/// One connection over a [`MockTransport`] with what its worker lends it.
pub(super) struct Rig<'w> {
    pub(super) conn: Conn<'w, MockTransport>,
    server: TextServer,
    stats: Stats,
    pub(super) events: Vec<TransportEvent>,
    failures: Vec<VerifyFailure>,
    recv: RecvArea,
    sightings: Sightings,
    pub(super) now: Instant,
}

impl<'w> Rig<'w> {
    pub(super) fn new(workload: &'w Workload, transport: MockTransport) -> Rig<'w> {
        Rig::with_depth(workload, transport, 1)
    }

    pub(super) fn with_depth(
        workload: &'w Workload,
        transport: MockTransport,
        depth: usize,
    ) -> Rig<'w> {
        Rig::with_schedule(workload, transport, Schedule::new(depth, Pace::Unpaced))
    }

    pub(super) fn with_schedule(
        workload: &'w Workload,
        transport: MockTransport,
        schedule: Schedule,
    ) -> Rig<'w> {
        let depth = schedule.depth();
        let now = Instant::now();
        let generator = workload.source(0).unwrap().with_depth(depth);
        let exchange =
            Exchange::new(Protocol::Ascii, workload.config().division, 1 << 20).with_depth(depth);
        let setup = ConnSetup {
            stream_timeout: STREAM_TIMEOUT,
            datagram_timeout: DATAGRAM_TIMEOUT,
            budget: u64::MAX,
            seed: 1,
        };
        Rig {
            conn: Conn::new(transport, generator, exchange, schedule, setup, now),
            server: TextServer::default(),
            stats: Stats::default(),
            events: Vec::new(),
            failures: Vec::new(),
            recv: RecvArea::new(64 << 10, 16 << 10, 2 << 20, 1),
            sightings: Sightings::default(),
            now,
        }
    }

    /// Runs `f` on the connection with a context, as the worker does.
    fn drive(&mut self, f: impl FnOnce(&mut Conn<'w, MockTransport>, Instant, &mut Ctx<'_>)) {
        let mut ctx = Ctx {
            stats: &mut self.stats,
            events: &mut self.events,
            failures: &mut self.failures,
            recv: &mut self.recv,
            issuing: true,
            sightings: &mut self.sightings,
            record_from: None,
        };
        f(&mut self.conn, self.now, &mut ctx);
    }

    /// Whatever is due now (the first request, at the start).
    pub(super) fn timers(&mut self) {
        self.drive(|conn, now, ctx| conn.handle_timeout(now, ctx));
    }

    pub(super) fn readable(&mut self) {
        self.drive(|conn, now, ctx| conn.handle_event(&Event::readable(0), now, ctx));
    }

    /// `bytes` handed to the connection in the worker's receive buffer,
    /// as the worker hands over a whole UDP reply.
    pub(super) fn received(&mut self, bytes: &[u8]) {
        let mut shared = self.recv.take_shared();
        shared[..bytes.len()].copy_from_slice(bytes);
        self.recv.restore_shared(shared);
        self.drive(|conn, now, ctx| conn.read_received(bytes.len(), now, ctx));
    }

    fn writable(&mut self) {
        self.drive(|conn, now, ctx| conn.handle_event(&Event::writable(0), now, ctx));
    }

    pub(super) fn transport(&mut self) -> &mut MockTransport {
        &mut self.conn.transport
    }

    /// The server's replies to what was written since its last answer,
    /// one per request.
    pub(super) fn each_reply(&mut self) -> Vec<Vec<u8>> {
        let wire = self.conn.transport.wire.clone();
        self.server.answer(&wire)
    }

    /// The server's replies to what was written since its last answer.
    pub(super) fn replies(&mut self) -> Vec<u8> {
        self.each_reply().concat()
    }

    /// The server answers, all at once, and the connection reads it.
    pub(super) fn answer(&mut self) {
        let reply = self.replies();
        assert!(!reply.is_empty(), "no request to answer");
        self.transport().deliver(&reply);
        self.readable();
    }

    /// A new stream: the server reads only what is written from now on.
    pub(super) fn new_stream(&mut self) {
        self.server.cursor = self.conn.transport.wire.len();
    }

    pub(super) fn counters(&mut self) -> Counters {
        self.conn.sync_udp(&mut self.stats);
        self.stats.counters
    }

    pub(super) fn in_flight(&self) -> u64 {
        self.conn.exchange.outstanding() as u64
    }

    /// Every request sent completed, failed, timed out or is in flight.
    pub(super) fn assert_accounted(&mut self) {
        let c = self.counters();
        assert_eq!(
            c.requests_sent,
            c.requests_completed + c.requests_failed + c.requests_timed_out + self.in_flight(),
            "{c:?}"
        );
    }

    /// Counters that must stay 0 while the server answers correctly.
    pub(super) fn assert_clean(&mut self) {
        let c = self.counters();
        assert_eq!(c.errors, Default::default(), "{c:?}");
        assert_eq!((c.get_misses, c.verify_misses, c.verify_failed), (0, 0, 0));
        assert_eq!((c.requests_failed, c.requests_timed_out), (0, 0));
    }
}

#[test]
fn a_closed_loop_keeps_one_request_in_flight_and_counts_every_reply() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.timers();
    for done in 0..300 {
        assert_eq!((rig.conn.phase(), rig.in_flight()), (Phase::Reading, 1));
        assert_eq!(rig.counters().requests_completed, done);
        rig.answer();
    }
    let c = rig.counters();
    assert_eq!(c.requests_sent, 301);
    assert_eq!(c.requests_completed, 300);
    assert_eq!(c.cmd_get + c.cmd_set, 300);
    assert!(c.cmd_set >= 16 && c.cmd_get > 200, "{c:?}");
    assert_eq!(c.written_bytes, rig.conn.transport.wire.len() as u64);
    assert_eq!(rig.stats.get.count() + rig.stats.set.count(), 300);
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn partial_writes_resume_where_they_stopped() {
    let w = workload(3);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.transport().write_limit = Some(5);
    rig.timers();
    let mut writes = 0;
    for _ in 0..100 {
        while rig.conn.phase() == Phase::Writing {
            // Nothing to read before the request is out.
            assert!(rig.replies().is_empty());
            rig.writable();
            writes += 1;
        }
        rig.answer();
    }
    let c = rig.counters();
    assert_eq!(c.requests_completed, 100);
    assert_eq!(c.written_bytes, rig.conn.transport.wire.len() as u64);
    assert!(writes > 100 * 2, "{writes} writable events");
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn replies_split_at_every_byte_complete_once() {
    let w = workload(3);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.timers();
    for done in 0..60 {
        let reply = rig.replies();
        let (last, head) = reply.split_last().unwrap();
        for byte in head {
            rig.transport().deliver(std::slice::from_ref(byte));
            rig.readable();
            assert_eq!(rig.counters().requests_completed, done);
            assert_eq!(rig.in_flight(), 1);
        }
        rig.transport().deliver(&[*last]);
        rig.readable();
        assert_eq!(rig.counters().requests_completed, done + 1);
    }
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn replies_read_a_byte_at_a_time_complete_once() {
    let w = workload(3);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.transport().read_limit = 1;
    rig.timers();
    for _ in 0..60 {
        rig.answer();
    }
    let c = rig.counters();
    assert_eq!(c.requests_completed, 60);
    assert_eq!(
        c.read_bytes,
        c.get_net_bytes + c.set_net_bytes - c.written_bytes
    );
    rig.assert_clean();
    rig.assert_accounted();
}

/// The worker skips recomputing a connection's deadline when it keeps the
/// wake-up already set: that must never leave a deadline before it.
#[test]
fn a_kept_wake_up_is_never_after_the_deadline() {
    let w = workload(1);
    let mut transport = MockTransport::stream();
    transport.reconnect = Some(RETRY);
    let mut rig = Rig::new(&w, transport);
    let ms = Duration::from_millis(1);
    let check = |rig: &Rig<'_>| {
        let deadline = rig.conn.poll_deadline(true);
        for at in [
            rig.now,
            rig.now + STREAM_TIMEOUT - ms,
            rig.now + 2 * STREAM_TIMEOUT,
        ] {
            if rig.conn.keeps_wake(at) {
                assert!(deadline.is_some_and(|d| d >= at), "{at:?} {deadline:?}");
            }
        }
    };
    rig.timers();
    assert!(rig.conn.keeps_wake(rig.now + STREAM_TIMEOUT));
    assert!(!rig.conn.keeps_wake(rig.now + STREAM_TIMEOUT + ms));
    for _ in 0..3 {
        check(&rig);
        rig.now += ms;
        rig.answer();
    }
    // A lost socket leaves a retry to wake for, not a reply.
    let error = rig.conn.transport.closed();
    rig.transport().fail_next_recv(error);
    rig.readable();
    check(&rig);
    assert!(!rig.conn.keeps_wake(rig.now));
    rig.assert_accounted();
}
