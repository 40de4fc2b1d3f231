//! UDP framing and reassembly against a real memcached: values stored over
//! TCP are fetched over UDP, in one datagram and in several.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{Read, Write};
use std::net::{TcpStream, UdpSocket};

use memaslap_proto::udp::{self, Push, Reassembler};

/// Stores `data` under `key` over TCP with a hand-written `set`.
fn set(conn: &mut TcpStream, key: &str, data: &[u8]) {
    let mut request = format!("set {key} 0 0 {}\r\n", data.len()).into_bytes();
    request.extend_from_slice(data);
    request.extend_from_slice(b"\r\n");
    conn.write_all(&request).unwrap();
    let mut reply = Vec::new();
    let mut byte = [0u8; 1];
    while !reply.ends_with(b"\r\n") {
        assert_eq!(conn.read(&mut byte).unwrap(), 1, "connection closed");
        reply.push(byte[0]);
    }
    assert_eq!(reply, b"STORED\r\n");
}

/// Sends `command` framed for `request_id` and feeds every datagram that
/// comes back to `reassembler` until the response is complete. Returns the
/// number of datagrams received.
fn request(
    socket: &UdpSocket,
    reassembler: &mut Reassembler,
    request_id: u16,
    command: &[u8],
) -> usize {
    let mut datagram = Vec::new();
    udp::encode_request_header(&mut datagram, request_id);
    datagram.extend_from_slice(command);
    assert!(datagram.len() <= udp::FRAME_HEADER_LEN + udp::MAX_PAYLOAD);
    socket.send(&datagram).unwrap();

    reassembler.start(request_id);
    let mut buf = [0u8; 65536];
    let mut received = 0;
    loop {
        let n = socket
            .recv(&mut buf)
            .expect("a datagram of the response (timed out: one was lost?)");
        received += 1;
        let (header, payload) = udp::split_datagram(&buf[..n]).unwrap();
        assert_eq!(header.request_id.get(), request_id);
        assert_eq!(header.reserved.get(), 0);
        assert!(payload.len() <= udp::MAX_PAYLOAD, "{} bytes", payload.len());
        match reassembler.push(&buf[..n]) {
            Push::Complete => return received,
            Push::Accepted => {}
            other => panic!("unexpected {other:?} for datagram {received}"),
        }
    }
}

/// 5000 bytes that are not a repeating short pattern and include CR and LF.
fn varied(len: usize) -> Vec<u8> {
    let mut state = 0x2545_f491_u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state.to_be_bytes()[0]
        })
        .collect()
}

#[test]
fn large_value_spans_several_datagrams_and_reassembles() {
    let server = support::Memcached::start();
    let data = varied(5000);
    set(&mut server.connect(), "big", &data);

    let socket = server.udp();
    let mut reassembler = Reassembler::default();
    let received = request(&socket, &mut reassembler, 0x4242, b"get big\r\n");

    let mut expected = b"VALUE big 0 5000\r\n".to_vec();
    expected.extend_from_slice(&data);
    expected.extend_from_slice(b"\r\nEND\r\n");
    assert!(received >= 3, "only {received} datagrams");
    assert_eq!(
        usize::from(reassembler.total().unwrap()),
        expected.len().div_ceil(udp::MAX_PAYLOAD)
    );
    assert_eq!(reassembler.payload().unwrap(), expected.as_slice());
    let counters = reassembler.counters();
    assert_eq!(counters.datagrams, u64::try_from(received).unwrap());
    assert_eq!(
        (counters.duplicates, counters.foreign, counters.malformed),
        (0, 0, 0)
    );
}

#[test]
fn small_value_and_miss_fit_one_datagram() {
    let server = support::Memcached::start();
    set(&mut server.connect(), "small", b"hello");

    let socket = server.udp();
    let mut reassembler = Reassembler::default();
    assert_eq!(request(&socket, &mut reassembler, 1, b"get small\r\n"), 1);
    assert_eq!(
        reassembler.payload().unwrap(),
        b"VALUE small 0 5\r\nhello\r\nEND\r\n"
    );

    assert_eq!(request(&socket, &mut reassembler, 2, b"get absent\r\n"), 1);
    assert_eq!(reassembler.payload().unwrap(), b"END\r\n");
}

#[test]
fn consecutive_requests_with_different_ids() {
    let server = support::Memcached::start();
    let mut conn = server.connect();
    let first = varied(3000);
    let second = b"second value".to_vec();
    set(&mut conn, "one", &first);
    set(&mut conn, "two", &second);

    let socket = server.udp();
    let mut reassembler = Reassembler::new(16);
    let received = request(&socket, &mut reassembler, 0xfffe, b"get one\r\n");
    assert!(received >= 3, "only {received} datagrams");
    let mut expected = b"VALUE one 0 3000\r\n".to_vec();
    expected.extend_from_slice(&first);
    expected.extend_from_slice(b"\r\nEND\r\n");
    assert_eq!(reassembler.payload().unwrap(), expected.as_slice());

    assert_eq!(
        request(&socket, &mut reassembler, 0xffff, b"get two\r\n"),
        1
    );
    assert_eq!(
        reassembler.payload().unwrap(),
        b"VALUE two 0 12\r\nsecond value\r\nEND\r\n"
    );
    assert_eq!(
        reassembler.counters().datagrams,
        u64::try_from(received + 1).unwrap()
    );
}

#[test]
fn late_response_to_an_abandoned_request_is_foreign() {
    let server = support::Memcached::start();
    let data = varied(4000);
    set(&mut server.connect(), "late", &data);
    let socket = server.udp();

    // Request 7 is sent and given up on before any of its datagrams is read.
    let mut abandoned = Vec::new();
    udp::encode_request_header(&mut abandoned, 7);
    abandoned.extend_from_slice(b"get late\r\n");
    socket.send(&abandoned).unwrap();
    let mut reassembler = Reassembler::default();
    reassembler.start(7);
    assert_eq!(reassembler.missing(), 1);

    // Request 8 is answered after all of request 7's datagrams: a UDP
    // socket on loopback keeps memcached's order.
    let mut framed = Vec::new();
    udp::encode_request_header(&mut framed, 8);
    framed.extend_from_slice(b"get late\r\n");
    socket.send(&framed).unwrap();
    reassembler.start(8);
    let mut buf = [0u8; 65536];
    let mut foreign = 0;
    loop {
        let n = socket.recv(&mut buf).unwrap();
        match reassembler.push(&buf[..n]) {
            Push::Complete => break,
            Push::Accepted => {}
            Push::Foreign { request_id: 7 } => foreign += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(foreign, 3, "4025 bytes are 3 datagrams");
    assert_eq!(reassembler.counters().foreign, 3);
    let payload = reassembler.payload().unwrap();
    assert!(payload.starts_with(b"VALUE late 0 4000\r\n"));
    assert_eq!(&payload[19..4019], data.as_slice());
    assert!(payload.ends_with(b"\r\nEND\r\n"));
}
