//! The reply a meta benchmark reads most, a `VA` line with a length and
//! well-formed flags, read in one pass: each stop below `!` ends the length
//! or a flag (a space) or the line (`\r\n`), so the line's end and its
//! flags are found in the same walk instead of one walk each. Anything
//! else (an incomplete or overlong line, a control byte, an empty or
//! malformed flag) is left to the general parser, which reads it the same
//! way it would have read it without this path.

use super::flags::{Flags, ReturnFlag};
use super::parser::{ParseError, Parser};
use super::response::Response;
use crate::parse_decimal;
use crate::scan::find_below;

impl Parser {
    /// What [`Parser::parse`] returns for `buf` by its general path, when
    /// `buf` starts with a complete, well-formed `VA` line; `None`
    /// otherwise.
    #[inline]
    pub(super) fn quick_value<'a>(
        &self,
        buf: &'a [u8],
    ) -> Option<Result<Option<(Response<'a>, usize)>, ParseError>> {
        let rest = buf.strip_prefix(b"VA ")?;
        let mut at = find_below(rest, b'!')?;
        let len = parse_decimal(rest.get(..at)?)?;
        let mut stop = *rest.get(at)?;
        let flags_start = if stop == b' ' { at + 1 } else { at };
        while stop == b' ' {
            let from = at + 1;
            let token_len = find_below(rest.get(from..)?, b'!')?;
            ReturnFlag::parse(rest.get(from..from + token_len)?)?;
            at = from + token_len;
            stop = *rest.get(at)?;
        }
        if stop != b'\r' || rest.get(at + 1) != Some(&b'\n') {
            return None;
        }
        let data_start = b"VA ".len() + at + 2;
        if data_start > self.limits().max_line {
            return None;
        }
        let flags = Flags::checked(rest.get(flags_start..at)?);
        Some(self.value_data(len, flags, buf, data_start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::Limits;
    use proptest::prelude::*;

    fn parser(max_line: usize) -> Parser {
        Parser::new(Limits {
            max_line,
            max_value: 1 << 20,
        })
    }

    #[test]
    fn common_values_are_read_here() {
        let p = Parser::default();
        for buf in [
            &b"VA 2 kfoo O7\r\nhi\r\n"[..],
            b"VA 0\r\n\r\n",
            b"VA 5 c99 t-1 f3\r\nabcde\r\nEN\r\n",
            b"VA 3 kfoo\r\nab",
        ] {
            let quick = p.quick_value(buf).expect("read on the quick path");
            assert_eq!(quick, p.general(buf), "{buf:?}");
        }
    }

    #[test]
    fn the_rest_is_left_to_the_general_parser() {
        let p = Parser::default();
        for buf in [
            &b"VA 2 kfoo O7\r"[..],
            b"VA 2 kfoo O7",
            b"VA 2  kfoo\r\nhi\r\n",
            b"VA 2 kfoo \r\nhi\r\n",
            b"VA 2 k\r\nhi\r\n",
            b"VA 2 kfoo\tO7\r\nhi\r\n",
            b"VA 2 kfoo\nhi\r\n",
            b"VA x kfoo\r\nhi\r\n",
            b"VA 2 \x01\r\nhi\r\n",
            b"HD O7\r\n",
            b"EN\r\n",
        ] {
            assert_eq!(p.quick_value(buf), None, "{buf:?}");
        }
        // Within the line limit only.
        assert_eq!(parser(10).quick_value(b"VA 2 kfoo\r\nhi\r\n"), None);
        assert!(parser(11).quick_value(b"VA 2 kfoo\r\nhi\r\n").is_some());
    }

    /// Lines near a common `VA` reply: a length, then flags drawn from
    /// letters, digits, spaces, line-end and control bytes, then data.
    fn near_common() -> impl Strategy<Value = Vec<u8>> {
        let field = proptest::collection::vec(
            prop_oneof![
                8 => proptest::sample::select(b"0123456789".to_vec()),
                1 => proptest::sample::select(b" \r\n\t".to_vec()),
            ],
            0..6,
        );
        let flags = proptest::collection::vec(
            prop_oneof![
                16 => proptest::sample::select(b"kOcftbhlsWXZq019-:_".to_vec()),
                3 => Just(b' '),
                1 => proptest::sample::select(b"\r\n\t\x01\x7f\xff".to_vec()),
            ],
            0..120,
        );
        let tail = proptest::collection::vec(any::<u8>(), 0..24);
        (field, flags, tail).prop_map(|(field, flags, tail)| {
            let mut buf = b"VA ".to_vec();
            buf.extend_from_slice(&field);
            buf.extend_from_slice(&flags);
            buf.extend_from_slice(b"\r\n");
            buf.extend_from_slice(&tail);
            buf
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4096))]

        #[test]
        fn quick_agrees_with_general(
            buf in prop_oneof![near_common(), proptest::collection::vec(any::<u8>(), 0..64)],
            max_line in prop_oneof![Just(8192usize), 0usize..140],
        ) {
            let p = parser(max_line);
            if let Some(quick) = p.quick_value(&buf) {
                prop_assert_eq!(quick, p.general(&buf));
            }
        }

        #[test]
        fn well_formed_values_are_read_quickly(
            key in "[a-z0-9:_]{1,250}",
            opaque: u32,
            data in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut buf = format!("VA {} k{key} O{opaque}\r\n", data.len()).into_bytes();
            buf.extend_from_slice(&data);
            buf.extend_from_slice(b"\r\n");
            let p = Parser::default();
            let quick = p.quick_value(&buf);
            prop_assert!(quick.is_some());
            prop_assert_eq!(quick.unwrap(), p.general(&buf));
        }
    }
}
