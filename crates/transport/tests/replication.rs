//! Replication (`-p`) over two real memcached servers, one of which is
//! killed mid-test and started again on the same port.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod driver;
#[path = "../../proto/tests/support/mod.rs"]
mod support;

use std::time::{Duration, Instant};

use driver::Driver;
use memaslap_transport::{Replicated, Server, Status, TcpConfig, Transport, TransportEvent};
use support::Memcached;

/// Every request the test issued, by outcome and socket.
#[derive(Debug, Default)]
struct Ledger {
    attempts: u64,
    failed: u64,
    sets: [u64; 2],
    gets: [u64; 2],
}

/// A small deterministic generator for keys and choices.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// `ops` requests, a set or a get by turns, each sent to the socket the
/// transport picks; a request that fails is counted and not retried.
/// Returns the sockets of the successful requests.
fn traffic(
    d: &mut Driver,
    rep: &mut Replicated,
    rng: &mut Rng,
    ledger: &mut Ledger,
    ops: u64,
) -> Vec<usize> {
    let mut used = Vec::new();
    for i in 0..ops {
        let key = format!("r{}", rng.next() % 1000);
        ledger.attempts += 1;
        let result = if i % 2 == 0 {
            d.set(rep, rng.next(), &key, b"replicated")
                .map(|s| (s, true))
        } else {
            d.get(rep, rng.next(), &key).map(|(s, _)| (s, false))
        };
        match result {
            Ok((socket, true)) => {
                ledger.sets[socket] += 1;
                used.push(socket);
            }
            Ok((socket, false)) => {
                ledger.gets[socket] += 1;
                used.push(socket);
            }
            Err(_) => ledger.failed += 1,
        }
    }
    used
}

fn seen(d: &Driver, f: impl Fn(&TransportEvent) -> bool) -> bool {
    d.reported.iter().any(f)
}

#[test]
fn replication_fails_over_and_the_dead_socket_comes_back() {
    let a = Memcached::start();
    let b = Memcached::start();
    let port_a = a.port();
    let servers = [Server::from(a.addr()), Server::from(b.addr())];
    let mut d = Driver::new();
    let mut rep = Replicated::connect(
        &servers,
        2,
        Duration::from_millis(100),
        &TcpConfig::default(),
        &d.poller,
        40,
        Instant::now(),
    )
    .unwrap();
    assert_eq!(rep.key_count(), 2);
    d.until(&mut rep, "both sockets", |r| r.connected() == 2);
    let (mut rng, mut ledger) = (Rng(0x5eed), Ledger::default());

    let used = traffic(&mut d, &mut rep, &mut rng, &mut ledger, 200);
    assert!(used.contains(&0) && used.contains(&1), "both servers used");
    assert_eq!(ledger.failed, 0);

    drop(a);
    // The first requests may still pick the dead socket and fail; the
    // socket is then marked dead and skipped.
    let start = Instant::now();
    while !seen(&d, |e| {
        matches!(e, TransportEvent::Disconnected { socket: 0, .. })
    }) {
        assert!(start.elapsed() < driver::GIVE_UP, "no disconnect");
        traffic(&mut d, &mut rep, &mut rng, &mut ledger, 1);
    }
    assert!(ledger.failed <= 1, "{ledger:?}");
    let failed_at_kill = ledger.failed;
    let used = traffic(&mut d, &mut rep, &mut rng, &mut ledger, 200);
    assert_eq!(ledger.failed, failed_at_kill, "no failure after failover");
    assert!(used.iter().all(|s| *s == 1), "only the live server is used");
    assert_eq!(rep.status(), Status::Ready);
    assert!(!rep.is_up(0));

    let a = Memcached::start_on(port_a, &[]);
    let sets_on_a_before = ledger.sets[0];
    d.until(&mut rep, "the reconnect", |r| r.is_up(0));
    assert!(seen(&d, |e| matches!(
        e,
        TransportEvent::Reconnected { socket: 0, .. }
    )));
    let used = traffic(&mut d, &mut rep, &mut rng, &mut ledger, 200);
    assert!(used.contains(&0), "the restarted server is used again");
    assert_eq!(ledger.failed, failed_at_kill);

    // No request is lost from the accounting: every attempt is either a
    // failure or a reply, and each server saw exactly the requests that
    // came back from it.
    let ok: u64 = ledger.sets.iter().chain(&ledger.gets).sum();
    assert_eq!(ledger.attempts, ok + ledger.failed);
    assert_eq!(b.stat("cmd_set"), ledger.sets[1]);
    assert_eq!(b.stat("cmd_get"), ledger.gets[1]);
    assert_eq!(a.stat("cmd_set"), ledger.sets[0] - sets_on_a_before);
}

#[test]
fn writes_go_to_the_first_servers_only() {
    let mut servers: Vec<Memcached> = (0..3).map(|_| Memcached::start()).collect();
    let names: Vec<Server> = servers.iter().map(|s| Server::from(s.addr())).collect();
    let mut d = Driver::new();
    let mut rep = Replicated::connect(
        &names,
        1,
        Duration::from_secs(5),
        &TcpConfig::default(),
        &d.poller,
        0,
        Instant::now(),
    )
    .unwrap();
    d.until(&mut rep, "three sockets", |r| r.connected() == 3);
    let mut rng = Rng(7);
    let mut reads = [0u64; 3];
    for i in 0..60 {
        let key = format!("w{i}");
        assert_eq!(d.set(&mut rep, rng.next(), &key, b"v").unwrap(), 0);
        reads[d.get(&mut rep, rng.next(), &key).unwrap().0] += 1;
    }
    assert!(reads.iter().all(|n| *n > 0), "reads spread: {reads:?}");
    assert_eq!(servers[0].stat("cmd_set"), 60);
    assert_eq!(servers[1].stat("cmd_set"), 0);

    // With the only writable server gone, writes go to any live server.
    drop(servers.remove(0));
    d.until(&mut rep, "the disconnect", |r| !r.is_up(0));
    let mut writes = [0u64; 3];
    for i in 0..40 {
        writes[d.set(&mut rep, rng.next(), &format!("x{i}"), b"v").unwrap()] += 1;
    }
    assert_eq!(writes[0], 0);
    assert!(writes[1] > 0 && writes[2] > 0, "{writes:?}");

    // With every socket dead the transport fails.
    drop(servers);
    d.until(&mut rep, "the failure", |r| r.status() == Status::Failed);
    assert_eq!(rep.poll_deadline(), None, "no retry is left");
}

#[test]
fn with_reconnect_all_dead_waits_for_the_retries() {
    let server = Memcached::start();
    let mut d = Driver::new();
    let config = TcpConfig {
        reconnect: memaslap_transport::Retry::RECONNECT,
        ..TcpConfig::default()
    };
    let mut rep = Replicated::connect(
        &[Server::from(server.addr())],
        1,
        Duration::from_secs(5),
        &config,
        &d.poller,
        0,
        Instant::now(),
    )
    .unwrap();
    d.until(&mut rep, "the socket", |r| r.connected() == 1);
    drop(server);
    d.until(&mut rep, "the disconnect", |r| !r.is_up(0));
    assert_eq!(rep.status(), Status::Connecting);
    let TransportEvent::Disconnected { at, retry_at, .. } = &d.reported[0] else {
        panic!("{:?}", d.reported)
    };
    assert_eq!(*retry_at, Some(*at + Duration::from_secs(5)));
    assert_eq!(rep.poll_deadline(), *retry_at);
}
