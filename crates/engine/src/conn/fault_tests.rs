//! The connection when things go wrong, driven alone over a scripted
//! transport in simulated time: a reply that breaks the protocol, one
//! that comes too late, a socket lost, a retry policy that reconnects.

use super::Phase;
use super::mock::MockTransport;
use super::tests::{RETRY, Rig, STREAM_TIMEOUT, workload};
use memaslap_transport::{ResetReason, TransportEvent};
use std::time::Duration;

#[test]
fn a_reply_that_breaks_the_protocol_resets_the_stream() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.timers();
    for _ in 0..3 {
        rig.answer();
    }
    let _ = rig.replies();
    rig.transport().deliver(b"BOGUS\r\n");
    rig.readable();
    let c = rig.counters();
    assert_eq!(c.errors.protocol_error, 1);
    assert_eq!((c.requests_completed, c.requests_failed), (3, 1));
    // A reset this side made is counted by its cause, not as a disconnect.
    assert_eq!(c.errors.disconnect, 0);
    assert_eq!(rig.conn.transport.resets, [ResetReason::Protocol]);
    // Without -R the connection is over.
    assert_eq!(rig.conn.phase(), Phase::Dead);
    assert!(!rig.conn.has_work());
    rig.assert_accounted();
}

#[test]
fn a_late_reply_is_a_timeout_that_resets_the_stream() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.timers();
    let sent_at = rig.now;
    assert_eq!(rig.conn.poll_deadline(true), Some(sent_at + STREAM_TIMEOUT));
    rig.now = sent_at + STREAM_TIMEOUT - Duration::from_millis(1);
    rig.timers();
    assert_eq!(rig.counters().requests_timed_out, 0);
    rig.now = sent_at + STREAM_TIMEOUT;
    rig.timers();
    let c = rig.counters();
    assert_eq!((c.requests_timed_out, c.errors.timeout), (1, 1));
    assert_eq!((c.udp_timeout, c.requests_failed), (0, 0));
    assert_eq!(rig.conn.transport.resets, [ResetReason::Timeout]);
    assert_eq!(rig.conn.phase(), Phase::Dead);
    rig.assert_accounted();
}

#[test]
fn at_depth_each_request_times_out_from_its_own_start() {
    let w = workload(1);
    let mut rig = Rig::with_depth(&w, MockTransport::stream(), 4);
    rig.timers();
    let mut due = std::collections::VecDeque::new();
    // Until more than one request goes out together (the window fills).
    while rig.in_flight() < 3 {
        rig.answer();
    }
    due.extend(rig.each_reply());
    let first_sent = rig.now;
    let step = STREAM_TIMEOUT / 2 + Duration::from_millis(10);
    rig.now += step;
    // Half answered: the refill goes out now, a step later.
    let half: Vec<u8> = due.drain(..due.len() - 1).flatten().collect();
    rig.transport().deliver(&half);
    rig.readable();
    assert!(rig.in_flight() >= 2);
    due.extend(rig.each_reply());
    rig.now += step;
    // The last of the first write is answered late but in time; the
    // refill's requests are due a step after the first's deadline.
    let oldest = due.pop_front().unwrap();
    rig.transport().deliver(&oldest);
    rig.readable();
    assert!(rig.now >= first_sent + STREAM_TIMEOUT);
    rig.timers();
    assert_eq!(rig.counters().requests_timed_out, 0);
    assert_eq!(
        rig.conn.poll_deadline(true),
        Some(first_sent + step + STREAM_TIMEOUT)
    );
    rig.now = first_sent + step + STREAM_TIMEOUT;
    rig.timers();
    assert_eq!(rig.counters().requests_timed_out, 1);
    rig.assert_accounted();
}

/// memcached over its connection limit answers the first request with
/// `ERROR Too many open connections` and closes: the next write finds the
/// socket gone, which is counted and ends the connection at once.
#[test]
fn a_socket_lost_on_the_write_after_a_reply_ends_the_connection_at_once() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::stream());
    rig.timers();
    let _ = rig.replies();
    let error = rig.conn.transport.closed();
    rig.transport().fail_next_send(error);
    rig.transport()
        .deliver(b"ERROR Too many open connections\r\n");
    rig.readable();
    let c = rig.counters();
    assert_eq!((c.errors.client_error, c.errors.disconnect), (1, 1));
    assert_eq!((c.requests_completed, c.requests_failed), (0, 2));
    assert!(matches!(
        rig.events.last(),
        Some(TransportEvent::Disconnected { .. })
    ));
    assert_eq!(rig.conn.phase(), Phase::Dead);
    assert!(!rig.conn.has_work());
    rig.assert_accounted();
}

#[test]
fn under_retry_a_lost_socket_and_a_reset_reconnect_and_go_on() {
    let w = workload(1);
    let mut transport = MockTransport::stream();
    transport.reconnect = Some(RETRY);
    let mut rig = Rig::new(&w, transport);
    rig.timers();
    for _ in 0..5 {
        rig.answer();
    }
    // The server closes the connection with a request in flight.
    let error = rig.conn.transport.closed();
    rig.transport().fail_next_recv(error);
    rig.readable();
    let c = rig.counters();
    assert_eq!((c.requests_failed, c.errors.disconnect), (1, 1));
    assert!(matches!(
        rig.events.last(),
        Some(TransportEvent::Disconnected { .. })
    ));
    assert_eq!(rig.conn.phase(), Phase::Idle);
    assert_eq!(rig.conn.poll_deadline(true), Some(rig.now + RETRY));
    // Back after the retry delay: the next request goes out at once.
    let written = rig.conn.transport.wire.len();
    rig.new_stream();
    rig.now += RETRY;
    rig.timers();
    assert!(matches!(
        rig.events.last(),
        Some(TransportEvent::Reconnected { .. })
    ));
    assert!(rig.conn.transport.wire.len() > written);
    for _ in 0..5 {
        rig.answer();
    }
    // A reply that breaks the protocol resets the stream, which comes back.
    let _ = rig.replies();
    rig.transport().deliver(b"VALUE\r\n");
    rig.readable();
    assert_eq!(rig.conn.transport.resets, [ResetReason::Protocol]);
    rig.new_stream();
    rig.now += RETRY;
    rig.timers();
    for _ in 0..5 {
        rig.answer();
    }
    let c = rig.counters();
    assert_eq!(c.requests_completed, 15);
    assert_eq!((c.requests_failed, c.errors.protocol_error), (2, 1));
    assert_eq!(c.errors.disconnect, 1);
    rig.assert_accounted();
}
