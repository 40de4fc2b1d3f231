//! The connection with several requests in flight, driven alone: how its
//! writes are gathered and refilled, over a scripted transport in simulated
//! time.

use super::mock::MockTransport;
use super::tests::{Rig, workload};
use crate::schedule::{Pace, Schedule};
use memaslap_transport::{Server, TransportError, TransportEvent};
use memaslap_workload::{Workload, WorkloadConfig};

/// The tests' workload with a window of `window` items, for one connection.
fn windowed(window: usize) -> Workload {
    let config = WorkloadConfig {
        window,
        ..workload(1).config().clone()
    };
    Workload::new(&config, 7, 1).unwrap()
}

/// A connection writing whole batches of `depth`, answered until a whole
/// batch is in flight (the first writes may be shorter while the window
/// fills).
fn in_full_batches(w: &Workload, depth: usize) -> Rig<'_> {
    let schedule = Schedule::new(depth, Pace::Unpaced).in_batches();
    let mut rig = Rig::with_schedule(w, MockTransport::stream(), schedule);
    rig.timers();
    for _ in 0..100 {
        if rig.in_flight() == depth as u64 {
            break;
        }
        rig.answer();
    }
    rig
}

#[test]
fn at_depth_requests_go_out_together_and_refill_at_half() {
    let w = workload(1);
    let mut rig = Rig::with_depth(&w, MockTransport::stream(), 8);
    rig.timers();
    let mut most = 0;
    for _ in 0..200 {
        let in_flight = rig.in_flight();
        assert!((1..=8).contains(&in_flight));
        most = most.max(in_flight);
        // Replies to all but the last request: more go out once at most
        // half the depth is left in flight.
        let mut replies = rig.each_reply();
        assert_eq!(replies.len() as u64, in_flight);
        let last = replies.pop().unwrap();
        rig.transport().deliver(&replies.concat());
        rig.readable();
        assert!(rig.in_flight() >= 1);
        rig.transport().deliver(&last);
        rig.readable();
    }
    assert!(most >= 5, "at most {most} in flight");
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn in_batches_the_whole_depth_goes_out_when_all_is_answered() {
    let w = workload(1);
    let schedule = Schedule::new(8, Pace::Unpaced).in_batches();
    let mut rig = Rig::with_schedule(&w, MockTransport::stream(), schedule);
    rig.timers();
    let mut most = 0;
    for _ in 0..200 {
        let in_flight = rig.in_flight();
        most = most.max(in_flight);
        let mut replies = rig.each_reply();
        assert_eq!(replies.len() as u64, in_flight);
        let last = replies.pop().unwrap();
        let written = rig.conn.transport.wire.len();
        rig.transport().deliver(&replies.concat());
        rig.readable();
        // Nothing more goes out while a reply of the batch is due.
        assert_eq!(rig.in_flight(), 1);
        assert_eq!(rig.conn.transport.wire.len(), written);
        rig.transport().deliver(&last);
        rig.readable();
    }
    assert_eq!(most, 8);
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn a_depth_above_one_write_is_filled_whole() {
    let w = windowed(1024);
    let depth = 2 * crate::exchange::MAX_BATCH + 8;
    let mut rig = Rig::with_depth(&w, MockTransport::stream(), depth);
    rig.timers();
    let (mut most, mut due) = (0, std::collections::VecDeque::new());
    for _ in 0..50 {
        let in_flight = rig.in_flight();
        most = most.max(in_flight);
        // Half the depth answered: the refill tops it up again.
        due.extend(rig.each_reply());
        assert_eq!(due.len() as u64, in_flight);
        let answered: Vec<u8> = due.drain(..due.len().min(depth / 2)).flatten().collect();
        rig.transport().deliver(&answered);
        rig.readable();
    }
    assert_eq!(most, depth as u64);
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn a_batch_goes_out_in_one_write_though_a_get_picks_an_item_being_set() {
    // A window filling as the run goes: the item a set of the batch is
    // storing is the newest, often among a later get's picks.
    let w = windowed(256);
    let schedule = Schedule::new(64, Pace::Unpaced).in_batches();
    let mut rig = Rig::with_schedule(&w, MockTransport::stream(), schedule);
    rig.timers();
    // While the first items are stored a batch can be short: a get whose
    // every pick is being set has nothing else to read.
    for _ in 0..10 {
        rig.answer();
    }
    for _ in 0..50 {
        assert_eq!(rig.in_flight(), 64);
        let writes = rig.conn.transport.writes;
        rig.answer();
        assert_eq!(rig.conn.transport.writes, writes + 1, "one write a batch");
    }
    rig.assert_clean();
    rig.assert_accounted();
}

/// A read that drained its socket ends the read loop: part of a batch's
/// replies is one receive, not a second that would find nothing; a socket
/// that cannot tell is asked until it answers nothing.
#[test]
fn a_drained_socket_is_not_asked_again() {
    let w = workload(1);
    let mut rig = in_full_batches(&w, 4);
    for drains in [true, false] {
        rig.transport().drains = drains;
        let replies = rig.each_reply();
        assert_eq!(replies.len(), 4);
        let receives = rig.conn.transport.receives;
        rig.transport().deliver(&replies[..2].concat());
        rig.readable();
        assert_eq!(rig.in_flight(), 2);
        let asked = rig.conn.transport.receives - receives;
        assert_eq!(asked, if drains { 1 } else { 2 }, "drains {drains}");
        // The rest completes the batch, and the next goes out.
        rig.transport().deliver(&replies[2..].concat());
        rig.readable();
        assert_eq!(rig.in_flight(), 4);
    }
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn an_event_raised_mid_batch_is_collected_at_the_next_read() {
    let w = workload(1);
    let mut rig = in_full_batches(&w, 8);
    let replies = rig.each_reply();
    assert_eq!(replies.len(), 8);
    // Reads that leave the batch unfinished, with nothing to collect.
    for reply in replies.get(..4).unwrap() {
        rig.transport().deliver(reply);
        rig.readable();
    }
    assert!(rig.events.is_empty());
    // Another socket of the transport fails to come back meanwhile.
    let server = Server::from(std::net::SocketAddr::from(([127, 0, 0, 1], 11212)));
    let error = TransportError::Closed {
        server: server.clone(),
    };
    let at = rig.now;
    rig.transport().raise(TransportEvent::RetryFailed {
        socket: 1,
        server,
        at,
        error,
        retry_at: None,
    });
    // The next read leaves the batch unfinished too, and collects it.
    rig.transport().deliver(replies.get(4).unwrap());
    rig.readable();
    assert_eq!(rig.in_flight(), 3);
    assert!(
        matches!(
            rig.events.as_slice(),
            [TransportEvent::RetryFailed { socket: 1, .. }]
        ),
        "{:?}",
        rig.events
    );
    rig.transport().deliver(&replies.get(5..).unwrap().concat());
    rig.readable();
    assert_eq!(rig.in_flight(), 8);
    rig.assert_clean();
    rig.assert_accounted();
}
