//! A thousand TCP transports served by one poller, against memcached.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use memaslap_transport::{Access, Ready, Server, Status, Tcp, TcpConfig, Transport};
use polling::Poller;

const SOCKETS: usize = 1000;

/// Raises the soft limit of open files to at least `needed`, within the
/// hard limit.
fn ensure_open_files(needed: u64) {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: `limit` is a valid rlimit for getrlimit to fill in.
    let got = unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) };
    assert_eq!(got, 0);
    if limit.rlim_cur < needed {
        limit.rlim_cur = needed.min(limit.rlim_max);
        // SAFETY: `limit` is a valid rlimit, read above.
        assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) }, 0);
    }
    assert!(
        limit.rlim_cur >= needed,
        "cannot open {needed} files (hard limit {})",
        limit.rlim_max
    );
}

#[derive(Debug, PartialEq)]
enum Step {
    Connecting,
    Set,
    Get,
    Done,
}

struct Conn {
    tcp: Tcp,
    step: Step,
    sent: bool,
    reply: Vec<u8>,
    request: Vec<u8>,
    expected: Vec<u8>,
}

impl Conn {
    /// Moves the connection on as far as it goes without blocking.
    fn advance(&mut self, i: usize, now: Instant, buf: &mut [u8]) {
        loop {
            match self.step {
                Step::Connecting if self.tcp.status() == Status::Ready => {
                    self.start(Access::Write, format!("set k{i} 0 0 4\r\nv{i:03}\r\n"));
                    self.expected = b"STORED\r\n".to_vec();
                    self.step = Step::Set;
                }
                Step::Connecting | Step::Done => return,
                Step::Set | Step::Get => {
                    if !self.sent {
                        self.sent = self.tcp.send(&[&self.request], now).unwrap().done;
                    }
                    let Some(n) = self.tcp.recv(buf, now).unwrap() else {
                        return;
                    };
                    self.reply.extend_from_slice(&buf[..n]);
                    if self.reply.len() < self.expected.len() {
                        continue;
                    }
                    assert_eq!(self.reply, self.expected, "connection {i}");
                    self.tcp.finish();
                    if self.step == Step::Set {
                        self.start(Access::Read, format!("get k{i}\r\n"));
                        self.expected = format!("VALUE k{i} 0 4\r\nv{i:03}\r\nEND\r\n").into();
                        self.step = Step::Get;
                    } else {
                        self.step = Step::Done;
                    }
                }
            }
        }
    }

    fn start(&mut self, access: Access, request: String) {
        assert_eq!(self.tcp.begin(access, 0).unwrap(), 0);
        self.request = request.into_bytes();
        self.reply.clear();
        self.sent = false;
    }
}

#[test]
fn a_thousand_sockets_on_one_poller() {
    ensure_open_files(SOCKETS as u64 + 200);
    let server = support::Memcached::start_with(&["-c", "2000"]);
    let before = server.stat("total_connections");
    let poller = Arc::new(Poller::new().unwrap());
    let now = Instant::now();
    let mut conns: Vec<Conn> = (0..SOCKETS)
        .map(|key| Conn {
            tcp: Tcp::connect(
                &Server::from(server.addr()),
                &TcpConfig::default(),
                &poller,
                key,
                now,
            )
            .unwrap(),
            step: Step::Connecting,
            sent: false,
            reply: Vec::new(),
            request: Vec::new(),
            expected: Vec::new(),
        })
        .collect();
    let mut events = Ready::with_capacity(1024);
    let mut buf = [0u8; 256];
    let start = Instant::now();
    while conns.iter().any(|c| c.step != Step::Done) {
        assert!(start.elapsed() < Duration::from_secs(120), "gave up");
        memaslap_transport::wait(&poller, &mut events, Some(Duration::from_millis(100))).unwrap();
        let now = Instant::now();
        for event in events.iter() {
            let conn = &mut conns[event.key];
            conn.tcp.handle_event(&event, now);
            conn.advance(event.key, now, &mut buf);
        }
        for conn in &mut conns {
            if conn.tcp.poll_deadline().is_some_and(|d| d <= now) {
                conn.tcp.handle_timeout(now);
            }
            assert_ne!(conn.tcp.status(), Status::Failed);
            assert!(!conn.tcp.has_events() && conn.tcp.poll_event().is_none());
        }
    }
    // Our sockets, and the one more connection `stat` opens.
    assert_eq!(
        server.stat("total_connections") - before,
        SOCKETS as u64 + 1
    );
    assert_eq!(server.stat("curr_items"), SOCKETS as u64);
    assert_eq!(server.stat("get_hits"), SOCKETS as u64);
}
