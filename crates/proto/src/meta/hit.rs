//! A one-key `mg <key> v k O<opaque>`'s usual reply read in one pass when
//! the key and the opaque asked for are known: a hit, whole in the buffer,
//! its flags compared where the reply must hold them instead of walked.

use super::parser::Parser;
use crate::MAX_KEY_LEN;
use crate::line::data_block;
use crate::num::leading_decimal;

impl Parser {
    /// Reads the reply to `mg <key> v k O<opaque>` for a key `key_len`
    /// bytes long when it is a hit whole at the start of `buf`, its flags
    /// returned in the order asked: `VA <len> k<key> O<opaque>`, the data
    /// and its `\r\n`. `is_key` is asked whether the `k` flag's `key_len`
    /// bytes are the key asked for; the opaque must be `opaque`, in decimal.
    /// Returns the data and the bytes the reply takes.
    ///
    /// `None` for anything else, including a miss (`EN`), an error, a
    /// reply cut short, other or more flags, and a malformed or over-long
    /// one: [`Parser::parse`] reads it then. When this reads a reply,
    /// `parse` reads the same bytes as a [`Code::Value`] reply with that
    /// data whose `k` flag is the key field and whose `O` flag is
    /// `opaque` in decimal (leading zeros allowed, as `parse` takes them),
    /// provided `is_key` accepts only a key the text protocol
    /// allows (no space or control byte, as [`crate::check_text_key`]
    /// requires).
    ///
    /// [`Code::Value`]: super::Code::Value
    ///
    /// ```
    /// use memaslap_proto::meta::Parser;
    ///
    /// let parser = Parser::default();
    /// let reply = b"VA 2 kfoo O7\r\nhi\r\nEN\r\n";
    /// assert_eq!(parser.read_hit(reply, 3, |k| k == b"foo", 7), Some((&b"hi"[..], 18)));
    /// // Another opaque, another key, or flags in another order are left
    /// // to `parse`.
    /// assert_eq!(parser.read_hit(reply, 3, |k| k == b"foo", 8), None);
    /// assert_eq!(parser.read_hit(reply, 3, |k| k == b"bar", 7), None);
    /// assert_eq!(parser.read_hit(b"VA 2 O7 kfoo\r\nhi\r\n", 3, |k| k == b"foo", 7), None);
    /// ```
    #[inline]
    pub fn read_hit<'a>(
        &self,
        buf: &'a [u8],
        key_len: usize,
        is_key: impl FnOnce(&[u8]) -> bool,
        opaque: u32,
    ) -> Option<(&'a [u8], usize)> {
        let rest = buf.strip_prefix(b"VA ")?;
        let (len, at) = leading_decimal(rest, 0)?;
        let key_at = at.checked_add(2)?;
        if rest.get(at..key_at) != Some(b" k") || key_len == 0 || key_len > MAX_KEY_LEN {
            return None;
        }
        let key_end = key_at + key_len;
        if rest.get(key_end..key_end + 2) != Some(b" O") || !is_key(rest.get(key_at..key_end)?) {
            return None;
        }
        let (returned, at) = leading_decimal(rest, key_end + 2)?;
        if returned != u64::from(opaque) || rest.get(at..at + 2) != Some(b"\r\n") {
            return None;
        }
        let data_start = b"VA ".len() + at + 2;
        let limits = self.limits();
        data_block(
            buf,
            data_start,
            len,
            (limits.max_line, limits.max_value),
            b"\r\n",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{Code, Limits, Response};
    use proptest::prelude::*;

    fn hit(key: &[u8], opaque: u32, data: &[u8]) -> Vec<u8> {
        let mut out = format!("VA {} k", data.len()).into_bytes();
        out.extend_from_slice(key);
        out.extend_from_slice(format!(" O{opaque}\r\n").as_bytes());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    }

    fn read<'a>(p: &Parser, buf: &'a [u8], key: &[u8], opaque: u32) -> Option<(&'a [u8], usize)> {
        p.read_hit(buf, key.len(), |field| field == key, opaque)
    }

    #[test]
    fn a_whole_hit_of_the_key_and_opaque_is_read() {
        let p = Parser::default();
        let mut buf = hit(b"k", u32::MAX, b"a\r\nb");
        let len = buf.len();
        buf.extend_from_slice(b"VA 1 kk O1\r\n");
        assert_eq!(read(&p, &buf, b"k", u32::MAX), Some((&b"a\r\nb"[..], len)));
        let empty = hit(b"key", 0, b"");
        assert_eq!(read(&p, &empty, b"key", 0), Some((&b""[..], empty.len())));
    }

    #[test]
    fn everything_else_is_left_to_parse() {
        let p = Parser::default();
        let cases: [&[u8]; 14] = [
            b"EN\r\n",
            b"SERVER_ERROR busy\r\n",
            b"VA 1 kj O7\r\nx\r\n",
            b"VA 1 kkk O7\r\nx\r\n",
            b"VA 1 kk O8\r\nx\r\n",
            b"VA 1 kk O7 c5\r\nx\r\n",
            b"VA 1 O7 kk\r\nx\r\n",
            b"VA 1 kk O\r\nx\r\n",
            b"VA 1  kk O7\r\nx\r\n",
            b"VA 1 kk O7\nx\r\n",
            b"VA 1 kk O7\r\nxy\r\n",
            b"VA 1 kk O7\r\nx\r",
            b"VA kk O7\r\nx\r\n",
            b"HD kk O7\r\n",
        ];
        for buf in cases {
            assert_eq!(read(&p, buf, b"k", 7), None, "{}", buf.escape_ascii());
        }
        assert_eq!(read(&p, b"VA 1 k O7\r\nx\r\n", b"", 7), None);
        let small = Parser::new(Limits {
            max_line: 12,
            max_value: 1,
        });
        assert_eq!(read(&small, b"VA 2 kk O7\r\nxy\r\n", b"k", 7), None);
        assert_eq!(read(&small, b"VA 1 kkkk O7\r\nx\r\n", b"kkk", 7), None);
        assert!(read(&small, b"VA 1 kk O7\r\nx\r\n", b"k", 7).is_some());
    }

    /// A printable key of one to 250 bytes.
    fn key() -> impl Strategy<Value = Vec<u8>> {
        proptest::collection::vec(b'!'..=b'~', 1..=MAX_KEY_LEN)
    }

    proptest! {
        #[test]
        fn whole_hits_are_read(
            key in key(),
            opaque in any::<u32>(),
            data in proptest::collection::vec(any::<u8>(), 0..300),
            after in proptest::collection::vec(any::<u8>(), 0..20),
        ) {
            let mut buf = hit(&key, opaque, &data);
            let len = buf.len();
            buf.extend_from_slice(&after);
            prop_assert_eq!(read(&Parser::default(), &buf, &key, opaque), Some((&data[..], len)));
        }

        /// Whatever this reads, parse reads as a value with that data, the
        /// key in its `k` flag and the opaque in its `O` flag, the same bytes
        /// long: over hits with one byte changed, cut short or with bytes
        /// inserted, and under small limits.
        #[test]
        fn what_is_read_is_what_parse_reads(
            key in key(),
            opaque in any::<u32>(),
            data in proptest::collection::vec(any::<u8>(), 0..40),
            edit in (any::<usize>(), any::<u8>(), 0u8..3),
            limits in (0usize..120, 0usize..50),
        ) {
            let mut buf = hit(&key, opaque, &data);
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
                let Some((read_data, len)) = read(&parser, &buf, &key, opaque) else {
                    continue;
                };
                let Ok(Some((Response::Meta(reply), used))) = parser.parse(&buf) else {
                    return Err(TestCaseError::fail("parse read no reply"));
                };
                prop_assert_eq!(reply.code, Code::Value);
                prop_assert_eq!(reply.data, Some(read_data));
                let [returned_key, returned_opaque, cas] = reply.flags.tokens_of([b'k', b'O', b'c']);
                prop_assert_eq!(returned_key, Some(&key[..]));
                prop_assert_eq!(returned_opaque.and_then(crate::parse_decimal), Some(u64::from(opaque)));
                prop_assert_eq!(cas, None);
                prop_assert_eq!(used, len);
            }
        }
    }
}
