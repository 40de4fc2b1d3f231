//! What the network can do to a TCP transport, played by scripted peers on
//! loopback: partial writes, end of stream mid-response, resets, refused
//! and hanging connects, unresolvable names, reconnects.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod driver;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use driver::{Driver, GIVE_UP, value};
use memaslap_transport::{
    Access, Operation, Ready, ResetReason, Retry, Server, Status, Tcp, TcpConfig, Transport,
    TransportError, TransportEvent,
};
use socket2::{Domain, SockRef, Socket, Type};

fn connect(d: &Driver, addr: SocketAddr, config: &TcpConfig) -> Tcp {
    Tcp::connect(&Server::from(addr), config, &d.poller, 0, Instant::now()).unwrap()
}

/// A port on which nothing listens (at the time of the call).
fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

#[test]
fn partial_writes_resume_mid_slice() {
    // Small buffers on both sides and a slow reader: a 1 MiB request cannot
    // go out in one write.
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener.set_recv_buffer_size(4096).unwrap();
    listener
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(1).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let header = b"set big 0 0 1048576\r\n".to_vec();
    let data = value(1, 1 << 20);
    let expected = [&header[..], &data, b"\r\n"].concat();
    let total = expected.len();
    let peer = thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut stream: TcpStream = stream.into();
        let mut got = Vec::new();
        let mut chunk = [0u8; 1000];
        while got.len() < total {
            let n = stream.read(&mut chunk).unwrap();
            assert!(n > 0, "client closed early");
            got.extend_from_slice(&chunk[..n]);
            if got.len() % 50 < 10 {
                thread::sleep(Duration::from_millis(1));
            }
        }
        stream.write_all(b"STORED\r\n").unwrap();
        got
    });

    let mut d = Driver::new();
    let config = TcpConfig {
        send_buffer: Some(4096),
        ..TcpConfig::default()
    };
    let mut tcp = connect(&d, addr, &config);
    assert_eq!(d.settle(&mut tcp), Status::Ready);
    tcp.begin(Access::Write, 0).unwrap();
    let bufs: [&[u8]; 3] = [&header, &data, b"\r\n"];
    let (mut written, mut partial) = (0, 0);
    loop {
        let sent = tcp.send(&bufs, Instant::now()).unwrap();
        written += sent.bytes;
        if sent.done {
            break;
        }
        partial += 1;
        d.turn(&mut tcp, Duration::from_millis(50));
    }
    assert_eq!(written, total);
    assert!(partial > 0, "the request went out in one write");
    let mut reply = Vec::new();
    let mut buf = [0u8; 64];
    while reply != b"STORED\r\n" {
        if let Some(n) = tcp.recv(&mut buf, Instant::now()).unwrap() {
            reply.extend_from_slice(&buf[..n]);
        } else {
            d.turn(&mut tcp, Duration::from_millis(50));
        }
    }
    assert!(peer.join().unwrap() == expected, "bytes differ");
}

/// A peer that reads one request line, then does `then` to the stream.
fn one_shot_peer(then: fn(TcpStream)) -> (SocketAddr, thread::JoinHandle<()>) {
    one_shot_peer_with(then)
}

/// As [`one_shot_peer`], for a closure.
fn one_shot_peer_with(
    then: impl FnOnce(TcpStream) + Send + 'static,
) -> (SocketAddr, thread::JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while !line.ends_with(b"\r\n") {
            stream.read_exact(&mut byte).unwrap();
            line.push(byte[0]);
        }
        then(stream);
    });
    (addr, peer)
}

/// A peer that reads one request line, writes `first`, and `second` once
/// told to go on (the sender), then waits to be told once more.
fn two_writes_peer(
    first: &'static [u8],
    second: &'static [u8],
) -> (
    SocketAddr,
    thread::JoinHandle<()>,
    std::sync::mpsc::Sender<()>,
) {
    let (go_on, next) = std::sync::mpsc::channel::<()>();
    let (addr, peer) = one_shot_peer_with(move |mut stream| {
        stream.write_all(first).unwrap();
        next.recv().unwrap();
        stream.write_all(second).unwrap();
        next.recv().unwrap();
    });
    (addr, peer, go_on)
}

/// Waits for `tcp` to be up, then sends `get k`.
fn send_get(d: &mut Driver, tcp: &mut Tcp) {
    assert_eq!(d.settle(tcp), Status::Ready);
    tcp.begin(Access::Read, 0).unwrap();
    assert!(tcp.send(&[b"get k\r\n"], Instant::now()).unwrap().done);
}

/// What one read of `tcp` into `buf` brings, turning the driver until it
/// brings something.
fn recv_some(d: &mut Driver, tcp: &mut Tcp, buf: &mut [u8]) -> Vec<u8> {
    let start = Instant::now();
    loop {
        if let Some(n) = tcp.recv(buf, Instant::now()).unwrap() {
            return buf[..n].to_vec();
        }
        assert!(start.elapsed() < GIVE_UP, "nothing came");
        d.turn(tcp, Duration::from_millis(50));
    }
}

/// Sends `get k` and reads until the transport fails; returns what arrived
/// and the error.
fn get_until_error(d: &mut Driver, tcp: &mut Tcp) -> (Vec<u8>, TransportError) {
    send_get(d, tcp);
    let (mut got, mut buf) = (Vec::new(), [0u8; 64]);
    let start = Instant::now();
    loop {
        match tcp.recv(&mut buf, Instant::now()) {
            Ok(Some(n)) => got.extend_from_slice(&buf[..n]),
            Ok(None) => {
                assert!(
                    start.elapsed() < GIVE_UP,
                    "the end of the stream went unseen"
                );
                d.turn(tcp, Duration::from_millis(50));
            }
            Err(e) => return (got, *e),
        }
    }
}

#[test]
fn a_short_read_drains_the_socket_until_its_next_event() {
    let (addr, peer, go_on) = two_writes_peer(b"VALUE", b" k 0 1\r\n");
    let mut d = Driver::new();
    let mut tcp = connect(&d, addr, &TcpConfig::default());
    send_get(&mut d, &mut tcp);
    let mut buf = [0u8; 64];
    assert_eq!(recv_some(&mut d, &mut tcp, &mut buf), b"VALUE");

    // More arrives; until its event is handled, the socket counts as
    // drained and no read is made.
    go_on.send(()).unwrap();
    let mut ready = Ready::with_capacity(4);
    let start = Instant::now();
    let event = loop {
        memaslap_transport::wait(&d.poller, &mut ready, Some(Duration::from_millis(50))).unwrap();
        if let Some(event) = ready.iter().find(|e| e.readable) {
            break event;
        }
        assert!(start.elapsed() < GIVE_UP, "no event for the second write");
    };
    assert_eq!(tcp.recv(&mut buf, Instant::now()).unwrap(), None);
    tcp.handle_event(&event, Instant::now());
    let n = tcp.recv(&mut buf, Instant::now()).unwrap();
    assert_eq!(n.map(|n| &buf[..n]), Some(&b" k 0 1\r\n"[..]));
    go_on.send(()).unwrap();
    peer.join().unwrap();
}

#[test]
fn a_socket_that_is_up_is_watched_for_reading_alone() {
    let (addr, peer, go_on) = two_writes_peer(b"abc", b"def");
    let mut d = Driver::new();
    let mut tcp = connect(&d, addr, &TcpConfig::default());
    send_get(&mut d, &mut tcp);
    // Reads that fill their buffer, so that none counts as draining.
    let mut buf = [0u8; 3];
    assert_eq!(recv_some(&mut d, &mut tcp, &mut buf), b"abc");
    // Data taken by a read before the wait that would have reported it:
    // its wake-up finds nothing to read and no interest in room, so the
    // wait reports nothing (a socket also watched for room would be
    // reported writable).
    go_on.send(()).unwrap();
    let start = Instant::now();
    let got = loop {
        match tcp.recv(&mut buf, Instant::now()).unwrap() {
            Some(n) => break buf[..n].to_vec(),
            None => assert!(start.elapsed() < GIVE_UP, "the second write never came"),
        }
    };
    assert_eq!(got, b"def");
    let mut ready = Ready::with_capacity(4);
    memaslap_transport::wait(&d.poller, &mut ready, Some(Duration::from_millis(20))).unwrap();
    assert_eq!(
        ready.iter().count(),
        0,
        "{:?}",
        ready.iter().collect::<Vec<_>>()
    );
    go_on.send(()).unwrap();
    peer.join().unwrap();
}

#[test]
fn end_of_stream_mid_response_fails_the_socket() {
    let (addr, peer) = one_shot_peer(|mut stream| {
        stream.write_all(b"VALUE k 0 10\r\nhel").unwrap();
    });
    let mut d = Driver::new();
    let mut tcp = connect(&d, addr, &TcpConfig::default());
    let (got, error) = get_until_error(&mut d, &mut tcp);
    peer.join().unwrap();
    assert_eq!(got, b"VALUE k 0 10\r\nhel");
    assert!(matches!(error, TransportError::Closed { .. }), "{error}");
    assert_eq!(error.operation(), Operation::Receive);
    assert_eq!(error.server(), Some(&Server::from(addr)));
    assert_eq!(tcp.status(), Status::Failed);
    assert!(tcp.has_events());
    assert!(matches!(
        tcp.poll_event(),
        Some(TransportEvent::Disconnected {
            socket: 0,
            retry_at: None,
            ..
        })
    ));
    assert!(!tcp.has_events());
    // Nothing more can be sent, and nothing panics.
    assert!(tcp.begin(Access::Read, 0).is_err());
    assert!(tcp.send(&[b"get k\r\n"], Instant::now()).is_err());
    assert!(tcp.recv(&mut [0u8; 8], Instant::now()).is_err());
}

#[test]
fn connection_reset_is_a_receive_error() {
    let (addr, peer) = one_shot_peer(|stream| {
        SockRef::from(&stream)
            .set_linger(Some(Duration::ZERO))
            .unwrap();
        drop(stream);
    });
    let mut d = Driver::new();
    let mut tcp = connect(&d, addr, &TcpConfig::default());
    let (got, error) = get_until_error(&mut d, &mut tcp);
    peer.join().unwrap();
    assert!(got.is_empty());
    assert_eq!(error.operation(), Operation::Receive);
    assert_eq!(
        error.io_kind(),
        Some(std::io::ErrorKind::ConnectionReset),
        "{error}"
    );
    assert_eq!(tcp.status(), Status::Failed);
}

#[test]
fn refused_connect_fails_the_transport() {
    let addr = closed_port();
    let mut d = Driver::new();
    let mut tcp = connect(&d, addr, &TcpConfig::default());
    assert_eq!(d.settle(&mut tcp), Status::Failed);
    assert_eq!(d.reported.len(), 1, "{:?}", d.reported);
    let TransportEvent::Disconnected {
        error, retry_at, ..
    } = &d.reported[0]
    else {
        panic!("{:?}", d.reported)
    };
    assert_eq!(*retry_at, None);
    assert_eq!(error.operation(), Operation::Connect);
    assert_eq!(error.io_kind(), Some(std::io::ErrorKind::ConnectionRefused));
    assert_eq!(tcp.poll_deadline(), None);
}

#[test]
fn unresolvable_host_is_a_resolve_error() {
    let d = Driver::new();
    let server = Server::new("no-such-host.invalid", 11211);
    let error = Tcp::connect(&server, &TcpConfig::default(), &d.poller, 0, Instant::now())
        .expect_err("the name resolved");
    assert_eq!(error.operation(), Operation::Resolve);
    assert_eq!(error.server(), Some(&server));
}

#[test]
fn connect_timeout_to_a_listener_that_never_accepts() {
    // A listener with a backlog of 0 that never accepts: once its queue is
    // full, further handshakes get no answer.
    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener
        .bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    listener.listen(0).unwrap();
    let addr = listener.local_addr().unwrap().as_socket().unwrap();
    let mut queued = Vec::new();
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(stream) => queued.push(stream),
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => break,
            Err(e) => panic!("{e}"),
        }
        assert!(queued.len() < 64, "the listen queue never filled");
    }

    let mut d = Driver::new();
    let config = TcpConfig {
        connect_timeout: Duration::from_millis(100),
        ..TcpConfig::default()
    };
    let mut tcp = connect(&d, addr, &config);
    assert_eq!(d.settle(&mut tcp), Status::Failed);
    let Some(TransportEvent::Disconnected { error, .. }) = d.reported.first() else {
        panic!("{:?}", d.reported)
    };
    assert!(
        matches!(error, TransportError::ConnectTimeout { addr: a, .. } if *a == memaslap_transport::Endpoint::Inet(addr)),
        "{error}"
    );
    assert_eq!(error.operation(), Operation::Timeout);
}

#[test]
fn reconnect_brings_a_refused_socket_back_with_backoff() {
    let addr = closed_port();
    let mut d = Driver::new();
    let config = TcpConfig {
        reconnect: Retry::Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(40),
        },
        ..TcpConfig::default()
    };
    let mut tcp = connect(&d, addr, &config);
    let start = Instant::now();
    while d.reported.len() < 3 {
        assert!(start.elapsed() < GIVE_UP);
        assert_eq!(tcp.status(), Status::Connecting, "retries pending");
        d.turn(&mut tcp, Duration::from_millis(50));
    }
    assert!(matches!(d.reported[0], TransportEvent::Disconnected { .. }));
    assert!(matches!(d.reported[1], TransportEvent::RetryFailed { .. }));

    let listener = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    listener.set_reuse_address(true).unwrap();
    listener.bind(&addr.into()).unwrap();
    listener.listen(8).unwrap();
    d.until(&mut tcp, "the reconnect", |t| t.status() == Status::Ready);
    let Some(TransportEvent::Disconnected { at: down, .. }) = d.reported.first().cloned() else {
        unreachable!()
    };
    let Some(TransportEvent::Reconnected { down_since, at, .. }) = d.reported.last() else {
        panic!("{:?}", d.reported)
    };
    assert_eq!(*down_since, down);
    assert!(*at > down);
    drop(listener);
}

#[test]
fn reconnect_after_the_server_closes_an_idle_socket() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut d = Driver::new();
    let config = TcpConfig {
        reconnect: Retry::RECONNECT,
        ..TcpConfig::default()
    };
    let mut tcp = connect(&d, addr, &config);
    let (first, _) = listener.accept().unwrap();
    assert_eq!(d.settle(&mut tcp), Status::Ready);
    drop(first);
    let start = Instant::now();
    while d.reported.is_empty() {
        assert!(start.elapsed() < GIVE_UP, "no disconnect seen");
        d.turn(&mut tcp, Duration::from_millis(50));
    }
    let (mut second, _) = listener.accept().unwrap();
    d.until(&mut tcp, "the reconnect", |t| t.status() == Status::Ready);
    assert!(matches!(d.reported[0], TransportEvent::Disconnected { .. }));
    let line = d.reported[1].to_string();
    assert!(
        line.starts_with(&format!("Server {addr} reconnect after ")),
        "{line}"
    );

    tcp.begin(Access::Write, 0).unwrap();
    assert!(tcp.send(&[b"ping"], Instant::now()).unwrap().done);
    let mut got = [0u8; 4];
    second.read_exact(&mut got).unwrap();
    assert_eq!(&got, b"ping");
}

#[test]
fn ipv6_literal_round_trip() {
    let listener = TcpListener::bind("[::1]:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let peer = thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 7];
        stream.read_exact(&mut request).unwrap();
        assert_eq!(&request, b"get k\r\n");
        stream.write_all(b"END\r\n").unwrap();
    });
    let mut d = Driver::new();
    let server: Server = format!("[::1]:{}", addr.port()).parse().unwrap();
    let mut tcp =
        Tcp::connect(&server, &TcpConfig::default(), &d.poller, 0, Instant::now()).unwrap();
    assert_eq!(d.settle(&mut tcp), Status::Ready);
    assert_eq!(d.get(&mut tcp, 0, "k").unwrap(), (0, None));
    peer.join().unwrap();
}

#[test]
fn reset_drops_the_socket_and_reconnects_under_its_policy() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let mut d = Driver::new();
    let config = TcpConfig {
        reconnect: Retry::RECONNECT,
        ..TcpConfig::default()
    };
    let mut tcp = connect(&d, addr, &config);
    let (mut first, _) = listener.accept().unwrap();
    assert_eq!(d.settle(&mut tcp), Status::Ready);
    tcp.begin(Access::Read, 0).unwrap();
    tcp.reset(ResetReason::Protocol, Instant::now());
    assert_ne!(tcp.status(), Status::Ready);
    let mut rest = Vec::new();
    match first.read_to_end(&mut rest) {
        Ok(_) => assert!(rest.is_empty(), "the old socket is closed"),
        Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset),
    }
    d.until(&mut tcp, "the reconnect", |t| t.status() == Status::Ready);
    let (_second, _) = listener.accept().unwrap();
    let TransportEvent::Disconnected { error, .. } = &d.reported[0] else {
        panic!("{:?}", d.reported)
    };
    assert!(
        matches!(
            error,
            TransportError::Reset {
                reason: ResetReason::Protocol,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("a reply broke the protocol"));
    assert!(matches!(d.reported[1], TransportEvent::Reconnected { .. }));

    // Without a retry policy the transport fails for good.
    let mut once = connect(&d, addr, &TcpConfig::default());
    let (_third, _) = listener.accept().unwrap();
    assert_eq!(d.settle(&mut once), Status::Ready);
    once.begin(Access::Read, 0).unwrap();
    once.reset(ResetReason::Timeout, Instant::now());
    assert_eq!(once.status(), Status::Failed);
    // Nothing in progress: nothing to reset.
    tcp.reset(ResetReason::Timeout, Instant::now());
    assert_eq!(tcp.status(), Status::Ready);
}
