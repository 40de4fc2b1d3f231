//! TCP transports against real memcached servers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod driver;
#[path = "../../proto/tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use driver::{Driver, value};
use memaslap_transport::{Access, MultiSocket, Server, Status, Tcp, TcpConfig, Transport};

/// A TCP transport to `server` under poller key 7, settled.
fn connected(server: &support::Memcached, d: &mut Driver) -> (Tcp, Status) {
    let mut tcp = Tcp::connect(
        &Server::from(server.addr()),
        &TcpConfig::default(),
        &d.poller,
        7,
        Instant::now(),
    )
    .unwrap();
    let status = d.settle(&mut tcp);
    (tcp, status)
}

#[test]
fn tcp_set_and_get_round_trips() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let (mut tcp, status) = connected(&server, &mut d);
    assert_eq!(tcp.key_count(), 1);
    assert_eq!(status, Status::Ready);

    assert_eq!(d.get(&mut tcp, 0, "absent").unwrap(), (0, None));
    for (i, len) in [0usize, 1, 100, 5000, 200_000].into_iter().enumerate() {
        let key = format!("k{i}");
        let data = value(i as u64, len);
        d.set(&mut tcp, 0, &key, &data).unwrap();
        let (socket, got) = d.get(&mut tcp, 0, &key).unwrap();
        assert_eq!(socket, 0);
        assert_eq!(got.as_deref(), Some(&data[..]), "value of {len} bytes");
    }
    assert_eq!(server.stat("cmd_set"), 5);
    assert_eq!(server.stat("get_hits"), 5);
    tcp.close();
    assert_eq!(tcp.status(), Status::Failed);
    assert!(d.reported.is_empty(), "{:?}", d.reported);
}

#[test]
fn host_names_resolve() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let name = Server::new("localhost", server.port());
    let mut tcp = Tcp::connect(&name, &TcpConfig::default(), &d.poller, 0, Instant::now()).unwrap();
    // localhost may resolve to ::1 first, where nothing listens: the next
    // address is tried.
    assert_eq!(d.settle(&mut tcp), Status::Ready);
    d.set(&mut tcp, 0, "named", b"v").unwrap();
    assert_eq!(d.get(&mut tcp, 0, "named").unwrap().1.unwrap(), b"v");
}

#[test]
fn multi_socket_spreads_requests_over_four_sockets() {
    let server = support::Memcached::start();
    let before = server.stat("curr_connections");
    let mut d = Driver::new();
    let mut multi = MultiSocket::connect(
        &Server::from(server.addr()),
        4,
        &TcpConfig::default(),
        &d.poller,
        100,
        Instant::now(),
    )
    .unwrap();
    assert_eq!(multi.key_count(), 4);
    d.until(&mut multi, "four connected sockets", |m| m.connected() == 4);
    // `stat` opens one more connection of its own. memcached counts a
    // connection when its listener thread takes it, which may come after
    // the client's connect completed (and drops the last `stat`'s when it
    // sees it closed): wait for the count, up to a deadline.
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut connections = server.stat("curr_connections");
    while connections != before + 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(10));
        connections = server.stat("curr_connections");
    }
    assert_eq!(
        connections,
        before + 4,
        "memcached's connections: {before} before, {connections} with the four sockets"
    );

    let mut used = [0usize; 4];
    for i in 0..40u64 {
        let key = format!("m{i}");
        let socket = d.set(&mut multi, i, &key, b"x").unwrap();
        assert_eq!(socket, (2 * i % 4) as usize, "round-robin");
        used[socket] += 1;
        let (socket, got) = d.get(&mut multi, i, &key).unwrap();
        assert_eq!(socket, ((2 * i + 1) % 4) as usize, "round-robin");
        assert_eq!(got.unwrap(), b"x");
        used[socket] += 1;
    }
    assert_eq!(used, [20; 4]);
    assert_eq!(server.stat("cmd_set"), 40);
    assert_eq!(server.stat("get_hits"), 40);
}

/// Turns `d` until a receive on `tcp` brings bytes; returns them.
fn receive(d: &mut Driver, tcp: &mut Tcp) -> Vec<u8> {
    let mut buf = [0u8; 4096];
    let start = Instant::now();
    loop {
        if let Some(n) = tcp.recv(&mut buf, Instant::now()).unwrap() {
            return buf[..n].to_vec();
        }
        assert!(start.elapsed() < Duration::from_secs(10), "no reply");
        d.turn(tcp, Duration::from_millis(50));
    }
}

/// A read shorter than its buffer drains a plain socket: the transport
/// says so (a reader may stop there without asking), the next receive
/// answers nothing without a system call, and the socket's next readable
/// event ends it.
#[test]
fn a_short_read_drains_the_socket_until_its_next_readable_event() {
    let server = support::Memcached::start();
    let mut d = Driver::new();
    let (mut tcp, status) = connected(&server, &mut d);
    assert_eq!(status, Status::Ready);
    tcp.begin(Access::Read, 0).unwrap();
    for round in 0..2 {
        assert!(tcp.send(&[b"version\r\n"], Instant::now()).unwrap().done);
        let reply = receive(&mut d, &mut tcp);
        assert!(reply.starts_with(b"VERSION "), "round {round}: {reply:?}");
        assert!(tcp.is_drained(), "round {round}");
        let mut buf = [0u8; 64];
        assert_eq!(tcp.recv(&mut buf, Instant::now()).unwrap(), None);
    }
    // The readable event of the next reply ends it.
    assert!(tcp.send(&[b"version\r\n"], Instant::now()).unwrap().done);
    d.until(&mut tcp, "the socket no longer drained", |t| {
        !t.is_drained()
    });
    assert!(receive(&mut d, &mut tcp).starts_with(b"VERSION "));
    // With no request in progress there is no socket to say it of.
    tcp.finish();
    assert!(!tcp.is_drained());
    assert!(d.reported.is_empty(), "{:?}", d.reported);
}
