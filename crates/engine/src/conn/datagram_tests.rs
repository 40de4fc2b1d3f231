//! The connection over datagrams, driven alone: a lost datagram, a
//! duplicated one and replies handed over in place, over a scripted
//! transport in simulated time.

use super::mock::MockTransport;
use super::tests::{DATAGRAM_TIMEOUT, Rig, workload};

/// The reply to the datagram request in progress, in `parts` payloads.
fn datagram_reply(rig: &mut Rig<'_>, parts: usize) -> (u16, Vec<Vec<u8>>) {
    let id = rig.conn.transport.request_id().unwrap();
    let reply = rig.replies();
    let size = reply.len().div_ceil(parts);
    (id, reply.chunks(size).map(<[u8]>::to_vec).collect())
}

#[test]
fn a_lost_datagram_times_out_and_the_connection_goes_on() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::datagram());
    rig.timers();
    for _ in 0..3 {
        let (id, parts) = datagram_reply(&mut rig, 1);
        rig.transport().deliver_datagram(id, 0, 1, &parts[0]);
        rig.readable();
    }
    // The reply's second datagram never arrives.
    let sent_at = rig.now;
    let (id, parts) = datagram_reply(&mut rig, 2);
    rig.transport().deliver_datagram(id, 0, 2, &parts[0]);
    rig.readable();
    assert_eq!(rig.counters().requests_completed, 3);
    rig.now = sent_at + DATAGRAM_TIMEOUT;
    rig.timers();
    let c = rig.counters();
    assert_eq!(
        (c.requests_timed_out, c.udp_timeout, c.errors.timeout),
        (1, 1, 1)
    );
    assert_eq!(c.packet_drop, 1);
    // Datagrams keep no stream in step: nothing is reset, the next request
    // is already out under a new id.
    assert!(rig.conn.transport.resets.is_empty());
    assert_eq!(rig.conn.transport.request_id(), Some(id + 1));
    let (id, parts) = datagram_reply(&mut rig, 1);
    rig.transport().deliver_datagram(id, 0, 1, &parts[0]);
    rig.readable();
    let c = rig.counters();
    assert_eq!(c.requests_completed, 4);
    assert_eq!((c.packet_duplicate, c.requests_failed), (0, 0));
    rig.assert_accounted();
}

#[test]
fn a_duplicated_datagram_is_counted_and_the_reply_completes_once() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::datagram());
    rig.timers();
    for done in 0..4 {
        let (id, parts) = datagram_reply(&mut rig, 2);
        rig.transport().deliver_datagram(id, 0, 2, &parts[0]);
        rig.transport().deliver_datagram(id, 0, 2, &parts[0]);
        rig.readable();
        assert_eq!(rig.counters().requests_completed, done);
        rig.transport().deliver_datagram(id, 1, 2, &parts[1]);
        rig.readable();
        assert_eq!(rig.counters().requests_completed, done + 1);
    }
    let c = rig.counters();
    assert_eq!((c.packet_duplicate, c.packet_drop), (4, 0));
    rig.assert_clean();
    rig.assert_accounted();
}

#[test]
fn replies_handed_over_in_place_complete_their_requests_as_reads_do() {
    let w = workload(1);
    let mut rig = Rig::new(&w, MockTransport::datagram());
    rig.timers();
    for done in 1..=3 {
        assert!(rig.conn.reads_received());
        let reply = rig.replies();
        rig.received(&reply);
        assert_eq!(rig.counters().requests_completed, done);
    }
    // A reply's first part is kept; the connection then takes the rest
    // through its transport, never a second part in place.
    let (id, parts) = datagram_reply(&mut rig, 2);
    rig.received(&parts[0]);
    assert_eq!(rig.counters().requests_completed, 3);
    assert!(!rig.conn.reads_received());
    rig.transport().deliver_datagram(id, 0, 1, &parts[1]);
    rig.readable();
    assert_eq!(rig.counters().requests_completed, 4);
    assert!(rig.conn.reads_received());
    rig.assert_accounted();
}
