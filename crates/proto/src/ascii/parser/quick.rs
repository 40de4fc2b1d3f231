//! The replies a benchmark reads most (`END`, `STORED`, and a `VALUE` line
//! of key, flags and length) read in one pass. Anything else, including
//! every error, is left to the general parser, which reads it the same way
//! it would have read it without this path.

use super::Parser;
use crate::MAX_KEY_LEN;
use crate::ascii::{ParseError, Response};
use crate::num::leading_decimal;

impl Parser {
    /// What [`Parser::general`] returns for `buf`, when `buf` starts with
    /// one of the common replies, complete and well formed up to the end of
    /// its line; `None` otherwise.
    #[inline]
    pub(super) fn quick<'a>(
        &self,
        buf: &'a [u8],
    ) -> Option<Result<Option<(Response<'a>, usize)>, ParseError>> {
        let max = self.limits.max_line;
        if buf.starts_with(b"END\r\n") {
            return (max >= 5).then_some(Ok(Some((Response::End, 5))));
        }
        if buf.starts_with(b"STORED\r\n") {
            return (max >= 8).then_some(Ok(Some((Response::Stored, 8))));
        }
        let header = buf.strip_prefix(b"VALUE ")?;
        // The key ends at its first space or control byte, which must be a
        // space: a line's end there, or a control byte inside the key, is
        // left to the general parser.
        let key_end = first_space_or_control(header)?;
        if key_end == 0 || header.get(key_end) != Some(&b' ') {
            return None;
        }
        let key = header.get(..key_end)?;
        let (flags, flags_end) = leading_decimal(header, key_end + 1)?;
        if header.get(flags_end) != Some(&b' ') {
            return None;
        }
        let (len, len_end) = leading_decimal(header, flags_end + 1)?;
        if header.get(len_end..len_end + 2) != Some(b"\r\n") {
            return None;
        }
        let data_start = b"VALUE ".len() + len_end + 2;
        if data_start > max {
            return None;
        }
        let flags = u32::try_from(flags).ok()?;
        Some(self.value_data(key, flags, len, None, buf, data_start))
    }
}

/// Where the first byte of `buf` below `!` (a space or a control byte) is,
/// looking no further than a key's longest length; `None` when there is
/// none that early.
#[inline(always)]
fn first_space_or_control(buf: &[u8]) -> Option<usize> {
    let window = buf.get(..=MAX_KEY_LEN).unwrap_or(buf);
    crate::scan::find_below(window, b'!')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ascii::Limits;
    use proptest::prelude::*;

    fn parser(max_line: usize) -> Parser {
        Parser::new(Limits {
            max_line,
            max_value: 1 << 20,
        })
    }

    #[test]
    fn common_replies_are_read_here() {
        let p = Parser::default();
        for buf in [
            &b"END\r\n"[..],
            b"STORED\r\n",
            b"VALUE k 0 2\r\nhi\r\n",
            b"VALUE key:1 4294967295 5\r\nabcde\r\nEND\r\n",
        ] {
            let quick = p.quick(buf).expect("read on the quick path");
            assert_eq!(quick, p.general(buf), "{buf:?}");
        }
    }

    #[test]
    fn a_key_ends_at_its_first_space_or_control_byte() {
        for len in 0..=MAX_KEY_LEN + 1 {
            for (at, byte) in [(len, b' '), (len, b'\r'), (len, 0x1f), (len, 0)] {
                let mut buf = vec![b'k'; len];
                buf.push(byte);
                buf.extend_from_slice(b" 0 1\r\n");
                let want = (at <= MAX_KEY_LEN).then_some(at);
                assert_eq!(first_space_or_control(&buf), want, "{len} {byte}");
            }
            // Every byte from `!` up belongs to the key.
            let printable: Vec<u8> = (0..len).map(|i| 0x21 + (i % 0xdf) as u8).collect();
            assert_eq!(first_space_or_control(&printable), None);
        }
    }

    #[test]
    fn the_rest_is_left_to_the_general_parser() {
        let p = Parser::default();
        for buf in [
            &b"END\r"[..],
            b"ENDX\r\n",
            b"VALUE k 0 2 7\r\nhi\r\n",
            b"VALUE k 0 2\n",
            b"VALUE  0 2\r\nhi\r\n",
            b"VALUE k 4294967296 2\r\nhi\r\n",
            b"VALUE k 0 12345678901234567890\r\n",
            b"VALUE k\r\n0 2\r\n",
            b"VALUE k\tk 0 2\r\nhi\r\n",
            b"VALUE k 0 2",
            b"NOT_FOUND\r\n",
        ] {
            assert_eq!(p.quick(buf), None, "{buf:?}");
        }
        // Within the line limit only.
        assert_eq!(parser(4).quick(b"END\r\n"), None);
        assert_eq!(parser(7).quick(b"STORED\r\n"), None);
        assert_eq!(parser(12).quick(b"VALUE k 0 2\r\nhi\r\n"), None);
        assert!(parser(13).quick(b"VALUE k 0 2\r\nhi\r\n").is_some());
    }

    /// Replies near the common ones: a `VALUE` line with its fields drawn
    /// from digits, spaces, line-end bytes and letters, then data.
    fn near_common() -> impl Strategy<Value = Vec<u8>> {
        let field = proptest::collection::vec(
            prop_oneof![
                8 => proptest::sample::select(b"0123456789".to_vec()),
                1 => proptest::sample::select(b" \r\nk-".to_vec()),
            ],
            0..24,
        );
        let key = proptest::collection::vec(
            prop_oneof![
                16 => proptest::sample::select(b"abcxyz:_".to_vec()),
                1 => proptest::sample::select(b" \r\n\t\x01\x7f\xff".to_vec()),
            ],
            0..260,
        );
        let tail = proptest::collection::vec(any::<u8>(), 0..16);
        let prefix =
            proptest::sample::select(vec![&b"VALUE "[..], b"END\r\n", b"STORED\r\n", b"VALUE"]);
        (prefix, key, field, tail).prop_map(|(prefix, key, field, tail)| {
            let mut buf = prefix.to_vec();
            buf.extend_from_slice(&key);
            buf.push(b' ');
            buf.extend_from_slice(&field);
            buf.extend_from_slice(&tail);
            buf
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn quick_agrees_with_general(
            buf in prop_oneof![near_common(), proptest::collection::vec(any::<u8>(), 0..64)],
            max_line in prop_oneof![Just(8192usize), 0usize..300],
        ) {
            let p = parser(max_line);
            if let Some(quick) = p.quick(&buf) {
                prop_assert_eq!(quick, p.general(&buf));
            }
        }

        #[test]
        fn well_formed_values_are_read_quickly(
            key in "[a-z0-9:_]{1,250}",
            flags: u32,
            data in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut buf = format!("VALUE {key} {flags} {}\r\n", data.len()).into_bytes();
            buf.extend_from_slice(&data);
            buf.extend_from_slice(b"\r\nEND\r\n");
            let p = Parser::default();
            let quick = p.quick(&buf);
            prop_assert!(quick.is_some());
            prop_assert_eq!(quick.unwrap_or(Ok(None)), p.general(&buf));
        }
    }
}
