//! The largest requests of a workload as the codecs encode them, to know
//! before a run whether each fits one UDP datagram.

use super::codec::{AnyCodec, Codec};
use super::{KeyList, Protocol, Unencodable};

/// A workload's longest requests, in bytes on the wire (the UDP frame
/// header excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Largest {
    /// The longest set: command, value and what follows it.
    pub set: usize,
    /// The longest get (or multi-get).
    pub get: usize,
}

/// The longest set and get in `protocol` with keys of `key_len` bytes,
/// values of `value_len`, `division` keys per get and sets that expire
/// after `exptime` seconds (0: never).
pub fn largest_requests(
    protocol: Protocol,
    key_len: usize,
    value_len: usize,
    division: usize,
    exptime: u32,
) -> Result<Largest, Unencodable> {
    let codec = AnyCodec::new(protocol, value_len);
    let key = vec![b'k'; key_len];
    let mut out = Vec::new();
    codec.encode_set(&mut out, &key, exptime, value_len, u32::MAX)?;
    let crlf = if codec.value_crlf() { 2 } else { 0 };
    let set = out.len() + value_len + crlf;
    let division = division.max(1);
    let bytes = key.repeat(division);
    let ends: Vec<usize> = (1..=division).map(|i| i * key_len).collect();
    out.clear();
    let keys = KeyList {
        bytes: &bytes,
        ends: &ends,
    };
    codec.encode_get(&mut out, keys, !0xffff)?;
    Ok(Largest {
        set,
        get: out.len(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_lengths_are_those_on_the_wire() {
        // set <64 bytes> 0 0 1310\r\n, the value, \r\n
        let l = largest_requests(Protocol::Ascii, 64, 1310, 1, 0).unwrap();
        assert_eq!(l.set, "set ".len() + 64 + " 0 0 1310\r\n".len() + 1310 + 2);
        assert_eq!(l.set, 1391);
        assert_eq!(l.get, "get ".len() + 64 + 2);
        let l = largest_requests(Protocol::Ascii, 10, 5, 3, 60).unwrap();
        assert_eq!(l.set, "set kkkkkkkkkk 0 60 5\r\n".len() + 5 + 2);
        assert_eq!(l.get, "get".len() + 3 * 11 + 2);
    }

    #[test]
    fn binary_lengths_are_those_on_the_wire() {
        let l = largest_requests(Protocol::Binary, 64, 1310, 1, 0).unwrap();
        assert_eq!(l.set, 24 + 8 + 64 + 1310);
        assert_eq!(l.get, 24 + 64);
        // GETKQ per key, then a NOOP.
        let l = largest_requests(Protocol::Binary, 10, 5, 3, 0).unwrap();
        assert_eq!(l.get, 3 * (24 + 10) + 24);
    }
}
