//! A minimal event loop that drives one transport the way the engine does:
//! one poller, events dispatched by key, deadlines from `poll_deadline`.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use memaslap_transport::{Access, Ready, Status, Transport, TransportError, TransportEvent};
use polling::Poller;

/// How long a loop may go without reaching its goal before the test fails
/// instead of hanging. Not a performance bound.
pub const GIVE_UP: Duration = Duration::from_secs(60);

/// A poller, its event buffer and the events the transport reported.
pub struct Driver {
    pub poller: Arc<Poller>,
    events: Ready,
    pub reported: Vec<TransportEvent>,
}

impl Driver {
    pub fn new() -> Driver {
        Driver {
            poller: Arc::new(Poller::new().expect("poller")),
            events: Ready::with_capacity(64),
            reported: Vec::new(),
        }
    }

    /// One wait (at most until the transport's deadline or `cap`), then
    /// events and timeouts handed to the transport.
    pub fn turn(&mut self, t: &mut impl Transport, cap: Duration) {
        let now = Instant::now();
        let timeout = t
            .poll_deadline()
            .map_or(cap, |d| d.saturating_duration_since(now).min(cap));
        memaslap_transport::wait(&self.poller, &mut self.events, Some(timeout)).expect("wait");
        let now = Instant::now();
        for event in self.events.iter() {
            t.handle_event(&event, now);
        }
        t.handle_timeout(now);
        while let Some(event) = t.poll_event() {
            self.reported.push(event);
        }
    }

    /// Turns until `goal` holds for the transport.
    pub fn until<T: Transport>(&mut self, t: &mut T, what: &str, goal: impl Fn(&T) -> bool) {
        let start = Instant::now();
        while !goal(t) {
            assert!(start.elapsed() < GIVE_UP, "gave up waiting for {what}");
            self.turn(t, Duration::from_millis(50));
        }
    }

    /// Turns until the transport is no longer connecting.
    pub fn settle(&mut self, t: &mut impl Transport) -> Status {
        self.until(t, "the transport to settle", |t| {
            t.status() != Status::Connecting
        });
        t.status()
    }

    /// Sends one request and reads until `done` says the reply is complete.
    /// Returns the socket used and the reply.
    pub fn request(
        &mut self,
        t: &mut impl Transport,
        access: Access,
        random: u64,
        bufs: &[&[u8]],
        done: impl Fn(&[u8]) -> bool,
    ) -> Result<(usize, Vec<u8>), TransportError> {
        let socket = t.begin(access, random)?;
        let (mut sent, mut reply, mut buf) = (false, Vec::new(), [0u8; 16384]);
        let start = Instant::now();
        loop {
            let now = Instant::now();
            if !sent {
                sent = t.send(bufs, now).map_err(|e| *e)?.done;
            }
            if sent {
                while let Some(n) = t.recv(&mut buf, now).map_err(|e| *e)? {
                    reply.extend_from_slice(&buf[..n]);
                    if done(&reply) {
                        t.finish();
                        return Ok((socket, reply));
                    }
                }
            }
            assert!(start.elapsed() < GIVE_UP, "gave up waiting for a reply");
            self.turn(t, Duration::from_millis(50));
        }
    }

    /// `set key 0 0 <len>` of `value`, expecting `STORED`.
    pub fn set(
        &mut self,
        t: &mut impl Transport,
        random: u64,
        key: &str,
        value: &[u8],
    ) -> Result<usize, TransportError> {
        let header = format!("set {key} 0 0 {}\r\n", value.len());
        let bufs: [&[u8]; 3] = [header.as_bytes(), value, b"\r\n"];
        let (socket, reply) =
            self.request(t, Access::Write, random, &bufs, |r| r.ends_with(b"\r\n"))?;
        assert_eq!(reply, b"STORED\r\n");
        Ok(socket)
    }

    /// `get key`: the value, or `None` on a miss.
    pub fn get(
        &mut self,
        t: &mut impl Transport,
        random: u64,
        key: &str,
    ) -> Result<(usize, Option<Vec<u8>>), TransportError> {
        let request = format!("get {key}\r\n");
        let (socket, reply) =
            self.request(t, Access::Read, random, &[request.as_bytes()], get_done)?;
        Ok((socket, parse_get(key, &reply)))
    }
}

/// Whether a `get` reply is complete.
pub fn get_done(reply: &[u8]) -> bool {
    if reply == b"END\r\n" {
        return true;
    }
    let Some(eol) = reply.windows(2).position(|w| w == b"\r\n") else {
        return false;
    };
    let header = std::str::from_utf8(&reply[..eol]).expect("text header");
    let len: usize = header.rsplit(' ').next().unwrap().parse().expect("length");
    reply.len() >= eol + 2 + len + 2 + 5
}

/// The value of a complete `get` reply for `key`.
pub fn parse_get(key: &str, reply: &[u8]) -> Option<Vec<u8>> {
    if reply == b"END\r\n" {
        return None;
    }
    let eol = reply.windows(2).position(|w| w == b"\r\n").unwrap();
    let header = std::str::from_utf8(&reply[..eol]).unwrap();
    let fields: Vec<&str> = header.split(' ').collect();
    assert_eq!(fields[..3], ["VALUE", key, "0"], "{header}");
    let len: usize = fields[3].parse().unwrap();
    let data = &reply[eol + 2..eol + 2 + len];
    assert_eq!(&reply[eol + 2 + len..], b"\r\nEND\r\n");
    Some(data.to_vec())
}

/// A value of `len` printable bytes that depends on `seed`.
pub fn value(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            b'a' + (x % 26) as u8
        })
        .collect()
}
