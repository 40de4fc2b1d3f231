//! A one-key `get`'s usual reply read in one pass when the key asked for is
//! known: a hit, whole in the buffer, its key compared where the reply
//! must hold it instead of searched for.

use super::Parser;
use crate::MAX_KEY_LEN;
use crate::line::data_block;
use crate::num::leading_decimal;

/// What ends a `get`'s reply.
const VALUE_END: &[u8; 7] = b"\r\nEND\r\n";

impl Parser {
    /// Reads the reply to a `get` of one key, `key_len` bytes long, when it
    /// is a hit whole at the start of `buf`: `VALUE <key> <flags> <bytes>`
    /// without a cas unique, the data block and `END`. `is_key` is asked
    /// whether the key field, `key_len` bytes after `VALUE `, is the key
    /// asked for. Returns the data and the bytes the reply takes.
    ///
    /// `None` for anything else, including a miss, an error, a reply cut
    /// short and a malformed or over-long one: [`Parser::parse`] reads it
    /// then. When this reads a reply, `parse` reads the same bytes as
    /// [`Response::Value`](crate::ascii::Response::Value) of that key and
    /// data followed by [`Response::End`](crate::ascii::Response::End),
    /// provided `is_key` accepts only a key the text protocol allows (no
    /// space or control byte, as [`crate::check_text_key`] requires).
    ///
    /// ```
    /// use memaslap_proto::ascii::Parser;
    ///
    /// let parser = Parser::default();
    /// let reply = b"VALUE key:1 0 2\r\nhi\r\nEND\r\nSTORED\r\n";
    /// let hit = parser.read_hit(reply, 5, |key| key == b"key:1");
    /// assert_eq!(hit, Some((&b"hi"[..], 26)));
    /// // Another key, or the reply cut short, is left to `parse`.
    /// assert_eq!(parser.read_hit(reply, 5, |key| key == b"key:2"), None);
    /// assert_eq!(parser.read_hit(&reply[..25], 5, |key| key == b"key:1"), None);
    /// ```
    #[inline]
    pub fn read_hit<'a>(
        &self,
        buf: &'a [u8],
        key_len: usize,
        is_key: impl FnOnce(&[u8]) -> bool,
    ) -> Option<(&'a [u8], usize)> {
        let header = buf.strip_prefix(b"VALUE ")?;
        if key_len == 0 || key_len > MAX_KEY_LEN || header.get(key_len) != Some(&b' ') {
            return None;
        }
        if !is_key(header.get(..key_len)?) {
            return None;
        }
        let (flags, flags_end) = leading_decimal(header, key_len + 1)?;
        if flags > u64::from(u32::MAX) || header.get(flags_end) != Some(&b' ') {
            return None;
        }
        let (len, len_end) = leading_decimal(header, flags_end + 1)?;
        if header.get(len_end..len_end + 2) != Some(b"\r\n") {
            return None;
        }
        let data_start = b"VALUE ".len() + len_end + 2;
        let limits = self.limits();
        let bounds = (limits.max_line, limits.max_value);
        data_block(buf, data_start, len, bounds, VALUE_END)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ascii::{Limits, Response, Value};
    use proptest::prelude::*;

    fn hit(key: &[u8], flags: u64, data: &[u8]) -> Vec<u8> {
        let mut out = b"VALUE ".to_vec();
        out.extend_from_slice(key);
        out.extend_from_slice(format!(" {flags} {}\r\n", data.len()).as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(VALUE_END);
        out
    }

    fn read<'a>(parser: &Parser, buf: &'a [u8], key: &[u8]) -> Option<(&'a [u8], usize)> {
        parser.read_hit(buf, key.len(), |field| field == key)
    }

    #[test]
    fn a_whole_hit_of_the_key_is_read() {
        let p = Parser::default();
        let mut buf = hit(b"k", 0, b"a\r\nb");
        let len = buf.len();
        buf.extend_from_slice(b"VALUE k 0 1\r\n");
        assert_eq!(read(&p, &buf, b"k"), Some((&b"a\r\nb"[..], len)));
        let big = hit(b"key", u64::from(u32::MAX), b"");
        assert_eq!(read(&p, &big, b"key"), Some((&b""[..], big.len())));
    }

    #[test]
    fn everything_else_is_left_to_parse() {
        let p = Parser::default();
        let cases: [(&[u8], &[u8]); 13] = [
            (b"END\r\n", b"k"),
            (b"SERVER_ERROR busy\r\n", b"k"),
            (b"VALUE k 0 1\r\nx\r\nEND\r\n", b"j"),
            (b"VALUE k 0 1\r\nx\r\nEND\r\n", b"kk"),
            (b"VALUE kk 0 1\r\nx\r\nEND\r\n", b"k"),
            (b"VALUE k 0 1 5\r\nx\r\nEND\r\n", b"k"),
            (b"VALUE k 4294967296 1\r\nx\r\nEND\r\n", b"k"),
            (b"VALUE k  0 1\r\nx\r\nEND\r\n", b"k"),
            (b"VALUE k 0 1\nx\r\nEND\r\n", b"k"),
            (b"VALUE k 0 1\r\nxy\r\nEND\r\n", b"k"),
            (b"VALUE k 0 1\r\nx\r\nEND\r", b"k"),
            (b"VALUE k 0 1\r\nx\r\nVALUE k 0 1\r\n", b"k"),
            (b"VALUE  0 1\r\nx\r\nEND\r\n", b""),
        ];
        for (buf, key) in cases {
            assert_eq!(read(&p, buf, key), None, "{}", buf.escape_ascii());
        }
        // A value larger than the limit, a line longer than it.
        let small = Parser::new(Limits {
            max_line: 14,
            max_value: 1,
        });
        assert_eq!(read(&small, b"VALUE k 0 2\r\nxy\r\nEND\r\n", b"k"), None);
        assert_eq!(read(&small, b"VALUE kkk 0 1\r\nx\r\nEND\r\n", b"kkk"), None);
        assert!(read(&small, b"VALUE k 0 1\r\nx\r\nEND\r\n", b"k").is_some());
    }

    /// A printable key of one to 250 bytes.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(b'!'..=b'~', 1..=MAX_KEY_LEN)
    }

    proptest! {
        #[test]
        fn whole_hits_are_read(
            key in key(),
            flags in any::<u32>(),
            data in proptest::collection::vec(any::<u8>(), 0..300),
            after in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let mut buf = hit(&key, u64::from(flags), &data);
            let len = buf.len();
            buf.extend_from_slice(&after);
            prop_assert_eq!(read(&Parser::default(), &buf, &key), Some((&data[..], len)));
        }

        /// Whatever this reads, parse reads as the key's value and END, the
        /// same bytes long: over hits with one byte changed, cut short or
        /// with bytes inserted, and under small limits.
        #[test]
        fn what_is_read_is_what_parse_reads(
            key in key(),
            flags in any::<u32>(),
            data in proptest::collection::vec(any::<u8>(), 0..40),
            edit in (any::<usize>(), any::<u8>(), 0u8..3),
            limits in (0usize..120, 0usize..50),
        ) {
            let mut buf = hit(&key, u64::from(flags), &data);
            let (at, byte, how) = edit;
            let at = at % buf.len();
            match how {
                0 => buf[at] = byte,
                1 => buf.truncate(at),
                _ => buf.insert(at, byte),
            }
            for parser in [
                Parser::default(),
                Parser::new(Limits { max_line: limits.0, max_value: limits.1 }),
            ] {
                let Some((read_data, len)) = read(&parser, &buf, &key) else {
                    continue;
                };
                let Ok(Some((response, used))) = parser.parse(&buf) else {
                    return Err(TestCaseError::fail("parse read no response"));
                };
                let want = Response::Value(Value { key: &key, flags: response_flags(&response), cas: None, data: read_data });
                prop_assert_eq!(response, want);
                prop_assert_eq!(parser.parse(&buf[used..]), Ok(Some((Response::End, 5))));
                prop_assert_eq!(used + 5, len);
            }
        }
    }

    /// The flags of a value response (any others: 0).
    fn response_flags(response: &Response<'_>) -> u32 {
        match response {
            Response::Value(value) => value.flags,
            _ => 0,
        }
    }
}
