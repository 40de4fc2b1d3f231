//! The largest requests of a workload as the codecs encode them, to know
//! before a run whether each fits one UDP datagram.

use super::codec::{AnyCodec, Codec};
use super::{KeyList, Protocol, Unencodable};
use memaslap_workload::{Command, Mix, Op};

/// A workload's longest requests, in bytes on the wire (the UDP frame
/// header excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Largest {
    /// The longest update (a storage command with its value and what
    /// follows it, or a delete, incr, decr or touch).
    pub set: usize,
    /// The longest retrieval (or multi-get).
    pub get: usize,
}

/// The longest update and retrieval in `protocol` with keys of `key_len`
/// bytes, values of `value_len`, `division` keys per get and sets (and
/// touches) that expire after `exptime` seconds (0: never), over the
/// commands of `mix` (without one, memaslap's `set` and `get`).
pub fn largest_requests(
    protocol: Protocol,
    (key_len, value_len): (usize, usize),
    division: usize,
    exptime: u32,
    mix: Option<&Mix>,
) -> Result<Largest, Unencodable> {
    let codec = AnyCodec::new(protocol, value_len);
    let key = vec![b'k'; key_len];
    let commands: Vec<Command> = match mix {
        Some(mix) => mix.commands().collect(),
        None => vec![Command::Get, Command::Set],
    };
    let crlf = if codec.value_crlf() { 2 } else { 0 };
    let division = division.max(1);
    let bytes = key.repeat(division);
    let ends: Vec<usize> = (1..=division).map(|i| i * key_len).collect();
    let keys = KeyList {
        bytes: &bytes,
        ends: &ends,
    };
    let tag = !0xffff;
    let mut largest = Largest { set: 0, get: 0 };
    let mut out = Vec::new();
    for command in commands {
        out.clear();
        // The longest parameters: a 20-digit unique and delta.
        match command.op(exptime, u64::MAX, u64::MAX) {
            Op::Set(store) => {
                codec.encode_set(&mut out, &key, exptime, value_len, store, tag)?;
                largest.set = largest.set.max(out.len() + value_len + crlf);
            }
            Op::Get(retrieve) => {
                codec.encode_get(&mut out, keys, retrieve, tag)?;
                largest.get = largest.get.max(out.len());
            }
            Op::Key(op) => {
                codec.encode_key(&mut out, &key, op, tag)?;
                largest.set = largest.set.max(out.len());
            }
        }
    }
    Ok(largest)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lengths_are_those_on_the_wire() {
        // set <64 bytes> 0 0 1310\r\n, the value, \r\n
        let l = largest_requests(Protocol::Ascii, (64, 1310), 1, 0, None).unwrap();
        assert_eq!(l.set, "set ".len() + 64 + " 0 0 1310\r\n".len() + 1310 + 2);
        assert_eq!(l.set, 1391);
        assert_eq!(l.get, "get ".len() + 64 + 2);
        let l = largest_requests(Protocol::Ascii, (10, 5), 3, 60, None).unwrap();
        assert_eq!(l.set, "set kkkkkkkkkk 0 60 5\r\n".len() + 5 + 2);
        assert_eq!(l.get, "get".len() + 3 * 11 + 2);
    }

    #[test]
    fn binary_lengths_are_those_on_the_wire() {
        let l = largest_requests(Protocol::Binary, (64, 1310), 1, 0, None).unwrap();
        assert_eq!(l.set, 24 + 8 + 64 + 1310);
        assert_eq!(l.get, 24 + 64);
        // GETKQ per key, then a NOOP.
        let l = largest_requests(Protocol::Binary, (10, 5), 3, 0, None).unwrap();
        assert_eq!(l.get, 3 * (24 + 10) + 24);
    }

    #[test]
    fn a_mix_takes_its_longest_command() {
        let mix: Mix = "gats=1,cas=1,incr=1".parse().unwrap();
        let l = largest_requests(Protocol::Ascii, (10, 5), 1, 7, Some(&mix)).unwrap();
        let unique = u64::MAX.to_string();
        assert_eq!(
            l.set,
            format!("cas kkkkkkkkkk 0 7 5 {unique}\r\n").len() + 5 + 2
        );
        assert_eq!(l.get, "gats 7 kkkkkkkkkk\r\n".len());
        let counters: Mix = "incr=1".parse().unwrap();
        let l = largest_requests(Protocol::Ascii, (10, 5), 1, 0, Some(&counters)).unwrap();
        assert_eq!(l.set, format!("incr kkkkkkkkkk {unique}\r\n").len());
        assert_eq!(l.get, 0);
    }
}
