//! UDP transport against memcached started with `-U`, and against a
//! scripted datagram peer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod driver;
#[path = "../../proto/tests/support/mod.rs"]
mod support;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use driver::{Driver, get_done, value};
use memaslap_proto::udp::MAX_PAYLOAD;
use memaslap_transport::{
    Access, AnyTransport, MAX_REQUEST, Operation, Server, Status, Tcp, TcpConfig, Transport,
    TransportError, Udp, UdpConfig,
};

fn udp(d: &Driver, server: Server) -> Udp {
    Udp::connect(&server, &UdpConfig::default(), &d.poller, 3).unwrap()
}

#[test]
fn udp_round_trips_including_a_value_over_several_datagrams() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let mut u = udp(&d, Server::from(server.addr()));
    assert_eq!((u.status(), u.key_count()), (Status::Ready, 1));

    d.set(&mut u, 0, "small", b"over udp").unwrap();
    assert_eq!(d.get(&mut u, 0, "small").unwrap().1.unwrap(), b"over udp");
    assert_eq!(d.get(&mut u, 0, "absent").unwrap().1, None);

    // Too large to set over UDP: stored over TCP, fetched over UDP.
    let big = value(9, 5000);
    let mut tcp = Tcp::connect(
        &Server::from(server.addr()),
        &TcpConfig::default(),
        &d.poller,
        10,
        Instant::now(),
    )
    .unwrap();
    d.settle(&mut tcp);
    d.set(&mut tcp, 0, "big", &big).unwrap();
    let before = u.counters();
    assert_eq!(d.get(&mut u, 0, "big").unwrap().1.unwrap(), big);
    let after = u.counters();
    let datagrams = after.reassembly.datagrams - before.reassembly.datagrams;
    let reply_len = "VALUE big 0 5000\r\n".len() + 5000 + "\r\nEND\r\n".len();
    assert_eq!(datagrams as usize, reply_len.div_ceil(MAX_PAYLOAD));
    assert!(datagrams >= 3);
    assert_eq!(after.reassembly.foreign, 0);
    assert_eq!(after.lost, 0);
    assert_eq!(after.sent, 4);
    assert_eq!(server.stat("get_hits"), 2);
}

#[test]
fn a_request_larger_than_a_datagram_is_refused() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let mut u = AnyTransport::from(udp(&d, Server::from(server.addr())));
    let data = value(1, MAX_REQUEST);
    u.begin(Access::Write, 0).unwrap();
    let header = format!("set k 0 0 {}\r\n", data.len());
    let error = u
        .send(&[header.as_bytes(), &data, b"\r\n"], Instant::now())
        .unwrap_err();
    let TransportError::RequestTooLarge { len, max, .. } = &*error else {
        panic!("{error}")
    };
    assert_eq!((*len, *max), (header.len() + MAX_REQUEST + 2, MAX_REQUEST));
    assert_eq!(error.operation(), Operation::Send);
    // The socket is still usable.
    assert_eq!(u.status(), Status::Ready);
    assert_eq!(d.get(&mut u, 0, "k").unwrap().1, None);
    assert_eq!(u.datagram_counters().unwrap().sent, 1);
}

#[test]
fn late_datagrams_of_an_abandoned_request_are_discarded_and_counted() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let mut tcp = Tcp::connect(
        &Server::from(server.addr()),
        &TcpConfig::default(),
        &d.poller,
        10,
        Instant::now(),
    )
    .unwrap();
    d.settle(&mut tcp);
    d.set(&mut tcp, 0, "late", &value(2, 4000)).unwrap();
    let mut u = udp(&d, Server::from(server.addr()));

    // Sent, then given up before any of its three datagrams is read.
    u.begin(Access::Read, 0).unwrap();
    assert!(u.send(&[b"get late\r\n"], Instant::now()).unwrap().done);
    let abandoned = u.request_id();
    u.finish();
    // On loopback memcached answers in order: the next reply comes after
    // all of the abandoned one.
    let (_, got) = d.get(&mut u, 0, "absent").unwrap();
    assert_eq!(got, None);
    assert_ne!(u.request_id(), abandoned);
    let counters = u.counters();
    assert_eq!(counters.reassembly.foreign, 3);
    assert_eq!(counters.lost, 1, "nothing of the abandoned reply arrived");
}

#[test]
fn stray_malformed_and_oversized_datagrams_are_counted_never_asserted() {
    let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut d = Driver::new();
    let mut u = udp(&d, Server::from(peer.local_addr().unwrap()));
    u.begin(Access::Read, 0).unwrap();
    assert!(u.send(&[b"get k", b"\r\n"], Instant::now()).unwrap().done);
    let mut request = [0u8; 64];
    let (n, client) = peer.recv_from(&mut request).unwrap();
    assert_eq!(&request[8..n], b"get k\r\n");
    let id = u16::from_be_bytes([request[0], request[1]]);
    assert_eq!(&request[2..8], [0, 0, 0, 1, 0, 0]);
    assert_eq!(id, u.request_id());

    let framed = |id: u16, seq: u16, total: u16, payload: &[u8]| {
        let header = [
            id.to_be_bytes(),
            seq.to_be_bytes(),
            total.to_be_bytes(),
            [0, 0],
        ];
        [header.concat().as_slice(), payload].concat()
    };
    for datagram in [
        b"\x00\x01".to_vec(),
        framed(id.wrapping_add(9), 0, 1, b"END\r\n"),
        framed(id, 0, 2, &vec![b'x'; 1500]),
        framed(id, 1, 2, b"\r\nEND\r\n"),
        framed(id, 1, 2, b"\r\nEND\r\n"),
        framed(id, 0, 2, b"VALUE k 0 2\r\nhi"),
    ] {
        peer.send_to(&datagram, client).unwrap();
    }
    let mut reply = Vec::new();
    let mut buf = [0u8; 8];
    let start = Instant::now();
    while !get_done(&reply) {
        assert!(start.elapsed() < driver::GIVE_UP);
        match u.recv(&mut buf, Instant::now()).unwrap() {
            Some(n) => reply.extend_from_slice(&buf[..n]),
            None => d.turn(&mut u, Duration::from_millis(50)),
        }
    }
    u.finish();
    assert_eq!(reply, b"VALUE k 0 2\r\nhi\r\nEND\r\n");
    let c = u.counters();
    assert_eq!(c.oversized, 1);
    assert_eq!(c.reassembly.datagrams, 5);
    assert_eq!(c.reassembly.malformed, 1);
    assert_eq!(c.reassembly.foreign, 1);
    assert_eq!(c.reassembly.duplicates, 1);
    assert_eq!(c.reassembly.disorder, 1);
    assert_eq!(c.lost, 0);
}
