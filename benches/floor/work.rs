//! `--work`: what a latency benchmark of memaslap's workload cannot leave
//! out, done the plainest way, so that its cost shows beside the bare
//! floor. Each request is made when it is sent (get:set 9:1; a get reads a
//! key drawn at random among the connection's stored keys, a set stores the
//! next key in turn), each is timed from its send to its reply's end into a
//! latency histogram, and each get's reply is read as a hit or a miss.
//! No statistics beyond that, no verification, no per-key state.

use std::collections::VecDeque;
use std::time::Instant;

use hdrhistogram::Histogram;
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

use crate::prepare::{VALUE_LEN, key, push_binary};

/// Where the decimal key number sits in a key (see [`crate::prepare`]).
const NUMBER: std::ops::Range<usize> = 12..20;

/// One connection's requests, made as they are sent.
pub struct Work {
    keys: u64,
    binary: bool,
    rng: Xoshiro256PlusPlus,
    issued: u64,
    next_set: u64,
    key: [u8; crate::prepare::KEY_LEN],
    value: Box<[u8]>,
    /// The bytes of the batch being sent.
    pub out: Vec<u8>,
    /// Send time and kind (a get?) of each request in flight, oldest first.
    flight: VecDeque<(Instant, bool)>,
}

/// The latencies and misses of every connection.
pub struct Timing {
    pub hist: Histogram<u64>,
    pub misses: u64,
}

impl Timing {
    pub fn new() -> Result<Timing, String> {
        let hist =
            Histogram::new_with_bounds(1, 3_600_000_000_000, 3).map_err(|e| e.to_string())?;
        Ok(Timing { hist, misses: 0 })
    }
}

impl Work {
    /// Connection `conn`'s requests over keys `0..keys`, at most `depth`
    /// in flight.
    pub fn new(conn: usize, keys: usize, depth: usize, binary: bool) -> Work {
        Work {
            keys: keys as u64,
            binary,
            rng: Xoshiro256PlusPlus::seed_from_u64(conn as u64),
            issued: 0,
            next_set: 0,
            key: key(conn, 0),
            value: vec![b'v'; VALUE_LEN].into_boxed_slice(),
            out: Vec::with_capacity(depth * (VALUE_LEN + 128)),
            flight: VecDeque::with_capacity(depth),
        }
    }

    /// Makes the next `n` requests into `out`, sent at `now`.
    pub fn fill(&mut self, n: usize, now: Instant) {
        self.out.clear();
        for _ in 0..n {
            self.issued += 1;
            let get = self.issued % 10 != 0;
            let k = if get {
                // Lemire's multiply-shift: uniform enough for a probe.
                ((u128::from(self.rng.next_u64()) * u128::from(self.keys)) >> 64) as u64
            } else {
                self.next_set = (self.next_set + 1) % self.keys;
                self.next_set
            };
            self.write_key(k);
            self.encode(get);
            self.flight.push_back((now, get));
        }
    }

    /// The reply `reply` ended at `now`: its request's latency and, for a
    /// get, whether it hit.
    pub fn reply(&mut self, reply: &[u8], now: Instant, timing: &mut Timing) {
        let Some((sent, get)) = self.flight.pop_front() else {
            return;
        };
        let ns = u64::try_from(now.duration_since(sent).as_nanos()).unwrap_or(u64::MAX);
        timing.hist.saturating_record(ns.max(1));
        let hit = if self.binary {
            reply.get(6..8) == Some(&[0, 0][..])
        } else {
            reply.starts_with(b"VALUE ")
        };
        timing.misses += u64::from(get && !hit);
    }

    fn write_key(&mut self, mut k: u64) {
        if let Some(digits) = self.key.get_mut(NUMBER) {
            for digit in digits.iter_mut().rev() {
                *digit = b'0' + (k % 10) as u8;
                k /= 10;
            }
        }
    }

    fn encode(&mut self, get: bool) {
        let (out, key) = (&mut self.out, &self.key[..]);
        if self.binary {
            push_binary(out, key, (!get).then_some(&self.value[..]));
        } else if get {
            out.extend_from_slice(b"get ");
            out.extend_from_slice(key);
            out.extend_from_slice(b"\r\n");
        } else {
            out.extend_from_slice(b"set ");
            out.extend_from_slice(key);
            out.extend_from_slice(b" 0 0 1024\r\n");
            out.extend_from_slice(&self.value);
            out.extend_from_slice(b"\r\n");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_those_the_prepared_stream_would_send() {
        let mut w = Work::new(3, 1000, 4, false);
        let now = Instant::now();
        w.fill(10, now);
        let text = String::from_utf8_lossy(&w.out).into_owned();
        assert_eq!(text.matches("get floor:00003:").count(), 9);
        assert_eq!(text.matches("set floor:00003:00000001:").count(), 1);
        assert!(text.contains(" 0 0 1024\r\n"));
        let mut timing = Timing::new().unwrap();
        w.reply(b"END\r\n", now, &mut timing);
        w.reply(b"VALUE k 0 1\r\nv\r\nEND\r\n", now, &mut timing);
        assert_eq!((timing.hist.len(), timing.misses), (2, 1));
        assert_eq!(VALUE_LEN, 1024);
    }
}
