//! The shared UDP socket: a connection's queue and reassembly without
//! sockets, and the hub routing real datagrams by request id.

use std::net::UdpSocket;
use std::sync::Arc;
use std::time::Instant;

use polling::Poller;

use super::{RequestIds, SharedUdp, UdpHub};
use crate::{Access, Retry, Server, Status, Transport, TransportError, UdpConfig};

/// A reply datagram: frame header, then `payload`.
fn datagram(id: u16, sequence: u16, total: u16, payload: &[u8]) -> Vec<u8> {
    let mut d = Vec::new();
    for field in [id, sequence, total, 0] {
        d.extend_from_slice(&field.to_be_bytes());
    }
    d.extend_from_slice(payload);
    d
}

fn peer(slot: usize, slots: usize) -> SharedUdp {
    let ids = RequestIds::new(slots).unwrap();
    SharedUdp::new(Server::new("127.0.0.1", 1), slot, ids, 16, Retry::Never)
}

/// Reads, in small pieces, until `len` bytes are in or nothing more is
/// there (as a connection stops once its reply is complete).
fn recv_upto(udp: &mut SharedUdp, len: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 7];
    while out.len() < len {
        let Some(n) = udp.recv(&mut buf, Instant::now()).unwrap() else {
            break;
        };
        out.extend_from_slice(&buf[..n]);
    }
    out
}

#[test]
fn a_request_is_queued_once_with_its_frame_header() {
    let now = Instant::now();
    let mut udp = peer(3, 5);
    assert_eq!(udp.outgoing(), None);
    udp.begin(Access::Read, 0).unwrap();
    let id = udp.request_id();
    assert_eq!(RequestIds::new(5).unwrap().slot_of(id), Some(3));
    let sent = udp.send(&[b"get ", b"key", b"\r\n"], now).unwrap();
    assert!(sent.done);
    assert_eq!(sent.bytes, 8 + 9);
    let expected = datagram(id, 0, 1, b"get key\r\n");
    assert_eq!(udp.outgoing(), Some(expected.as_slice()));
    // The thread lists it once, however often it looks.
    assert!(udp.list());
    assert!(!udp.list());
    udp.unlist(true);
    assert_eq!(udp.outgoing(), None);
    assert_eq!(udp.counters().sent, 1);
    assert!(!udp.list());
}

#[test]
fn a_request_given_up_before_it_went_out_is_withdrawn() {
    let now = Instant::now();
    let mut udp = peer(0, 1);
    udp.begin(Access::Write, 0).unwrap();
    udp.send(&[b"set k 0 0 1\r\nv\r\n"], now).unwrap();
    assert!(udp.list());
    udp.finish();
    assert_eq!(udp.outgoing(), None);
    udp.unlist(false);
    assert_eq!(udp.counters().sent, 0);
    // The next request is listed again.
    udp.begin(Access::Read, 0).unwrap();
    udp.send(&[b"get k\r\n"], now).unwrap();
    assert!(udp.list());
}

#[test]
fn a_request_too_large_for_a_datagram_is_refused() {
    let mut udp = peer(0, 1);
    udp.begin(Access::Write, 0).unwrap();
    let big = vec![b'x'; crate::MAX_REQUEST + 1];
    let e = udp.send(&[&big], Instant::now()).unwrap_err();
    assert!(matches!(*e, TransportError::RequestTooLarge { .. }), "{e}");
    assert_eq!(udp.outgoing(), None);
}

#[test]
fn replies_are_reassembled_and_stale_ones_counted() {
    let now = Instant::now();
    let mut udp = peer(1, 2);
    udp.begin(Access::Read, 0).unwrap();
    let first = udp.request_id();
    udp.send(&[b"get a\r\n"], now).unwrap();
    udp.unlist(true);
    // Nothing yet; then the second datagram first.
    assert_eq!(recv_upto(&mut udp, 1), b"");
    assert!(!udp.push(&datagram(first, 1, 2, b"END\r\n")));
    assert!(udp.push(&datagram(first, 0, 2, b"VALUE a 0 1\r\nx\r\n")));
    assert_eq!(recv_upto(&mut udp, 21), b"VALUE a 0 1\r\nx\r\nEND\r\n");
    udp.finish();
    // A copy that comes late, and a reply to the previous request while
    // the next one waits, count as foreign.
    assert!(!udp.push(&datagram(first, 1, 2, b"END\r\n")));
    udp.begin(Access::Read, 0).unwrap();
    let second = udp.request_id();
    assert_ne!(second, first);
    assert!(!udp.push(&datagram(first, 0, 1, b"END\r\n")));
    assert!(udp.push(&datagram(second, 0, 1, b"END\r\n")));
    assert_eq!(recv_upto(&mut udp, 5), b"END\r\n");
    let c = udp.counters();
    assert_eq!((c.reassembly.foreign, c.reassembly.disorder), (2, 1));
    // A multi-get's next message comes under the same id, numbered from 0.
    udp.begin(Access::Read, 0).unwrap();
    let third = udp.request_id();
    assert!(udp.push(&datagram(third, 0, 1, b"VALUE a 0 1\r\nx\r\n")));
    assert_eq!(recv_upto(&mut udp, 16), b"VALUE a 0 1\r\nx\r\n");
    assert_eq!(recv_upto(&mut udp, 1), b"");
    assert!(udp.push(&datagram(third, 0, 1, b"END\r\n")));
    assert_eq!(recv_upto(&mut udp, 5), b"END\r\n");
    udp.finish();
    // A request given up counts what it lost.
    udp.begin(Access::Read, 0).unwrap();
    assert!(!udp.push(&datagram(udp.request_id(), 0, 3, b"VALUE")));
    udp.finish();
    assert_eq!(udp.counters().lost, 2);
}

#[test]
fn a_whole_reply_is_taken_in_place_and_counted_as_pushed() {
    let now = Instant::now();
    let mut udp = peer(1, 2);
    udp.begin(Access::Read, 0).unwrap();
    let id = udp.request_id();
    udp.send(&[b"get a\r\n"], now).unwrap();
    udp.unlist(true);
    // A stale id or the first of two is left to push.
    assert_eq!(
        udp.take_whole(&datagram(id ^ 1, 0, 1, b"END\r\n"), now),
        None
    );
    assert_eq!(udp.take_whole(&datagram(id, 0, 2, b"END\r\n"), now), None);
    assert_eq!(udp.counters().reassembly.datagrams, 0);
    let reply = datagram(id, 0, 1, b"VALUE a 0 1\r\nx\r\n");
    assert_eq!(udp.take_whole(&reply, now), Some(&reply[8..]));
    // Nothing is left to read; a multi-get's next message may come.
    assert_eq!(recv_upto(&mut udp, 1), b"");
    assert_eq!(
        udp.take_whole(&datagram(id, 0, 1, b"END\r\n"), now),
        Some(&b"END\r\n"[..])
    );
    udp.finish();
    let c = udp.counters();
    assert_eq!(
        (c.reassembly.datagrams, c.reassembly.foreign, c.lost),
        (2, 0, 0)
    );
    // Given up, or closed: left to push, which counts it.
    assert_eq!(udp.take_whole(&datagram(id, 0, 1, b"END\r\n"), now), None);
    udp.begin(Access::Read, 0).unwrap();
    let next = udp.request_id();
    udp.close();
    assert_eq!(udp.take_whole(&datagram(next, 0, 1, b"END\r\n"), now), None);
}

#[test]
fn a_closed_connection_takes_no_request() {
    let mut udp = peer(0, 1);
    udp.close();
    assert_eq!(udp.status(), Status::Failed);
    assert!(udp.begin(Access::Read, 0).is_err());
    assert_eq!(udp.key_count(), 0);
}

#[test]
fn the_hub_sends_in_batches_and_routes_replies_by_request_id() {
    let server = UdpSocket::bind("127.0.0.1:0").unwrap();
    let poller = Arc::new(Poller::new().unwrap());
    let ids = RequestIds::new(3).unwrap();
    let mut hub = UdpHub::connect(
        &Server::from(server.local_addr().unwrap()),
        &UdpConfig::default(),
        &poller,
        7,
        ids,
    )
    .unwrap();
    assert_eq!(hub.key(), 7);
    let now = Instant::now();
    let mut peers: Vec<SharedUdp> = (0..3).map(|slot| hub.peer(slot)).collect();
    for udp in &mut peers {
        udp.begin(Access::Read, 0).unwrap();
        udp.send(&[b"get k\r\n"], now).unwrap();
    }
    let batch: Vec<&[u8]> = peers.iter().filter_map(SharedUdp::outgoing).collect();
    assert_eq!(hub.send(&batch).unwrap(), 3);
    assert_eq!(hub.counters().send_calls, 1);

    // The server answers each request, plus datagrams no connection can
    // take: an id of the unused fourth slot, one too short for an id, one
    // longer than memcached sends.
    let mut buf = [0u8; 2048];
    let mut client = None;
    let mut asked = Vec::new();
    for _ in 0..3 {
        let (n, from) = server.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[8..n], b"get k\r\n");
        asked.push(u16::from_be_bytes([buf[0], buf[1]]));
        client = Some(from);
    }
    let client = client.unwrap();
    for &id in asked.iter().rev() {
        server
            .send_to(&datagram(id, 0, 1, b"END\r\n"), client)
            .unwrap();
    }
    server
        .send_to(&datagram(3, 0, 1, b"END\r\n"), client)
        .unwrap();
    server.send_to(&[1], client).unwrap();
    server.send_to(&vec![0; 1500], client).unwrap();

    assert_eq!(hub.recv().unwrap(), 6);
    let mut routed = Vec::new();
    for index in 0..6 {
        if let Some((slot, datagram)) = hub.route(index) {
            assert!(peers[slot].push(datagram));
            routed.push(slot);
        }
    }
    assert_eq!(routed, [2, 1, 0]);
    for udp in &mut peers {
        assert_eq!(recv_upto(udp, 5), b"END\r\n");
    }
    let c = hub.counters();
    assert_eq!((c.foreign, c.malformed, c.oversized), (1, 1, 1));
    assert_eq!(hub.recv().unwrap(), 0);
}
