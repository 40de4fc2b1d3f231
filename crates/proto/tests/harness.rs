//! The test harness itself: memcached starts, answers and stops.
#![allow(clippy::unwrap_used, clippy::indexing_slicing)]

mod support;

use std::io::{Read, Write};

#[test]
fn memcached_starts_answers_and_stops() {
    let server = support::Memcached::start();
    let mut conn = server.connect();
    conn.write_all(b"version\r\n").unwrap();
    let mut reply = [0u8; 64];
    let n = conn.read(&mut reply).unwrap();
    assert!(reply[..n].starts_with(b"VERSION "), "{:?}", &reply[..n]);
    let addr = server.addr();
    drop(server);
    assert!(std::net::TcpStream::connect(addr).is_err());
}

#[test]
fn a_port_held_by_another_process_is_told_apart_from_memcacheds_own() {
    let server = support::Memcached::start();
    let mine = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = mine.local_addr().unwrap().port();
    assert!(support::listens(server.pid(), server.port()));
    assert!(support::listens(std::process::id(), port));
    assert!(!support::listens(server.pid(), port));
    assert!(!support::listens(std::process::id(), server.port()));
}
