//! The requests, prepared before the run, and the keys stored up front.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

/// Key length, as memaslap's default.
pub const KEY_LEN: usize = 64;
/// Value length, as memaslap's default.
pub const VALUE_LEN: usize = 1024;
/// One request in ten is a set (get:set 9:1).
const SET_EVERY: usize = 10;

/// One connection's requests, back to back in one buffer, sent in a cycle.
pub struct Stream {
    /// The request bytes.
    pub bytes: Vec<u8>,
    /// Where each request ends in `bytes` (they start where the previous ends).
    ends: Vec<usize>,
}

impl Stream {
    /// The requests of connection `conn`: one per key in order, every tenth
    /// a set, each preceded by `header` reserved bytes (UDP's frame header),
    /// in the binary protocol when `binary`.
    pub fn new(conn: usize, keys: usize, header: usize, binary: bool) -> Stream {
        let value = vec![b'v'; VALUE_LEN];
        let mut bytes = Vec::new();
        let mut ends = Vec::with_capacity(keys);
        for k in 0..keys {
            bytes.resize(bytes.len() + header, 0);
            let set = k % SET_EVERY == SET_EVERY - 1;
            if binary {
                push_binary(&mut bytes, &key(conn, k), set.then_some(&value[..]));
            } else if set {
                push_set(&mut bytes, &key(conn, k), &value);
            } else {
                bytes.extend_from_slice(b"get ");
                bytes.extend_from_slice(&key(conn, k));
                bytes.extend_from_slice(b"\r\n");
            }
            ends.push(bytes.len());
        }
        Stream { bytes, ends }
    }

    /// Byte range of up to `n` requests from request `pos` (not past the end
    /// of the cycle), with the number of requests and the position after.
    pub fn batch(&self, pos: usize, n: usize) -> (std::ops::Range<usize>, usize, usize) {
        let count = n.min(self.ends.len() - pos);
        let start = match pos.checked_sub(1) {
            Some(before) => self.ends.get(before).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(pos + count - 1).copied().unwrap_or(start);
        let next = if pos + count == self.ends.len() {
            0
        } else {
            pos + count
        };
        (start..end, count, next)
    }
}

/// Key `k` of connection `conn`, 64 bytes.
pub fn key(conn: usize, k: usize) -> [u8; KEY_LEN] {
    let mut key = [b'k'; KEY_LEN];
    let name = format!("floor:{conn:05}:{k:08}:");
    for (dst, src) in key.iter_mut().zip(name.bytes()) {
        *dst = src;
    }
    key
}

/// A binary GET of `key`, or a SET of `key` to `value` (flags and
/// expiry 0).
pub fn push_binary(bytes: &mut Vec<u8>, key: &[u8], value: Option<&[u8]>) {
    let (opcode, extras) = if value.is_some() {
        (0x01, 8)
    } else {
        (0x00, 0)
    };
    let body = extras + key.len() + value.map_or(0, <[u8]>::len);
    bytes.extend_from_slice(&[0x80, opcode]);
    bytes.extend_from_slice(&(key.len() as u16).to_be_bytes());
    bytes.extend_from_slice(&[extras as u8, 0, 0, 0]);
    bytes.extend_from_slice(&(body as u32).to_be_bytes());
    bytes.extend_from_slice(&[0; 12]);
    bytes.resize(bytes.len() + extras, 0);
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(value.unwrap_or_default());
}

fn push_set(bytes: &mut Vec<u8>, key: &[u8], value: &[u8]) {
    bytes.extend_from_slice(b"set ");
    bytes.extend_from_slice(key);
    bytes.extend_from_slice(format!(" 0 0 {}\r\n", value.len()).as_bytes());
    bytes.extend_from_slice(value);
    bytes.extend_from_slice(b"\r\n");
}

/// Stores every key of `conns` connections over one pipelined TCP
/// connection, so that gets hit. Returns the number of sets.
pub fn store_keys(server: SocketAddr, conns: usize, keys: usize) -> Result<u64, String> {
    const BATCH: usize = 256;
    let mut stream = TcpStream::connect(server).map_err(|e| format!("connect {server}: {e}"))?;
    let value = vec![b'v'; VALUE_LEN];
    let mut request = Vec::new();
    let mut reply = vec![0u8; BATCH * b"STORED\r\n".len()];
    let mut sets = 0u64;
    let all = (0..conns).flat_map(|c| (0..keys).map(move |k| (c, k)));
    let mut all = all.peekable();
    while all.peek().is_some() {
        request.clear();
        let mut n = 0;
        for (c, k) in all.by_ref().take(BATCH) {
            push_set(&mut request, &key(c, k), &value);
            n += 1;
        }
        stream
            .write_all(&request)
            .map_err(|e| format!("storing keys: {e}"))?;
        let want = reply
            .get_mut(..n * b"STORED\r\n".len())
            .ok_or("reply buffer too small")?;
        stream
            .read_exact(want)
            .map_err(|e| format!("storing keys: {e}"))?;
        if want.chunks(8).any(|r| r != b"STORED\r\n") {
            return Err(format!(
                "storing keys: {:?}",
                String::from_utf8_lossy(want.get(..64).unwrap_or_default())
            ));
        }
        sets += n as u64;
    }
    Ok(sets)
}

/// The CPU memcached has used so far, user and system, in µs: its
/// `rusage_user` and `rusage_system` statistics (seconds, to the µs), read
/// over a connection of its own.
pub fn server_cpu_us(server: SocketAddr) -> Result<u64, String> {
    let mut stream = TcpStream::connect(server).map_err(|e| format!("connect {server}: {e}"))?;
    stream
        .write_all(b"stats\r\n")
        .map_err(|e| format!("stats: {e}"))?;
    let mut text = Vec::new();
    let mut chunk = [0u8; 4096];
    while !text.ends_with(b"END\r\n") {
        let n = stream.read(&mut chunk).map_err(|e| format!("stats: {e}"))?;
        if n == 0 {
            return Err("stats: the server closed the connection".into());
        }
        text.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
    rusage_us(&String::from_utf8_lossy(&text))
}

/// `rusage_user` plus `rusage_system` of a `stats` reply, in µs.
fn rusage_us(stats: &str) -> Result<u64, String> {
    let mut total = None;
    for line in stats.lines() {
        let mut words = line.split_whitespace();
        let (Some("STAT"), Some(name), Some(value)) = (words.next(), words.next(), words.next())
        else {
            continue;
        };
        if name == "rusage_user" || name == "rusage_system" {
            let (secs, micros) = value.split_once('.').unwrap_or((value, "0"));
            let parse = |s: &str| {
                s.parse::<u64>()
                    .map_err(|e| format!("stats {name} {value}: {e}"))
            };
            // memcached prints six decimals: the fraction is whole µs.
            let micros: String = micros
                .chars()
                .chain(std::iter::repeat('0'))
                .take(6)
                .collect();
            let us = parse(secs)? * 1_000_000 + parse(&micros)?;
            total = Some(total.unwrap_or(0) + us);
        }
    }
    total.ok_or_else(|| "stats: no rusage_user or rusage_system".to_string())
}

#[cfg(test)]
mod tests {
    use super::{Stream, rusage_us};

    #[test]
    fn rusage_is_read_in_microseconds() {
        let stats =
            "STAT pid 7\r\nSTAT rusage_user 1.250000\r\nSTAT rusage_system 0.000042\r\nEND\r\n";
        assert_eq!(rusage_us(stats), Ok(1_250_042));
        assert_eq!(rusage_us("STAT rusage_user 2.5\r\nEND\r\n"), Ok(2_500_000));
        assert_eq!(rusage_us("STAT rusage_user 3\r\nEND\r\n"), Ok(3_000_000));
        assert_eq!(
            rusage_us("STAT rusage_user 0.12345678\r\nEND\r\n"),
            Ok(123_456)
        );
        assert!(rusage_us("STAT pid 7\r\nEND\r\n").is_err());
        assert!(rusage_us("STAT rusage_user x.1\r\nEND\r\n").is_err());
    }

    #[test]
    fn batches_stay_within_the_cycle() {
        let s = Stream::new(3, 25, 0, false);
        let (r, n, next) = s.batch(0, 16);
        assert_eq!((r.start, n, next), (0, 16, 16));
        assert!(s.bytes[r.clone()].starts_with(b"get floor:00003:00000000:"));
        let (r2, n, next) = s.batch(next, 16);
        assert_eq!((r2.start, r2.end, n, next), (r.end, s.bytes.len(), 9, 0));
        let text = String::from_utf8_lossy(&s.bytes);
        assert_eq!(text.matches("\r\nget ").count() + 1, 23);
        assert_eq!(text.matches("set ").count(), 2);
        let b = Stream::new(3, 10, 0, true);
        // Nine GETs of 24 + 64 bytes, one SET of 24 + 8 + 64 + 1024.
        assert_eq!(b.bytes.len(), 9 * 88 + 1120);
        assert_eq!(&b.bytes[..2], [0x80, 0x00]);
        assert_eq!(&b.bytes[9 * 88..9 * 88 + 2], [0x80, 0x01]);
    }
}
