//! Decimal numbers written and read without allocating.

/// Appends the decimal form of `n` to `out`.
///
/// ```
/// let mut out = Vec::new();
/// memaslap_proto::push_decimal(&mut out, 18446744073709551615);
/// assert_eq!(out, b"18446744073709551615");
/// ```
pub fn push_decimal(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    for slot in digits.iter_mut().rev() {
        // `n % 10` is below 10, so the cast cannot truncate.
        *slot = b'0' + (n % 10) as u8;
        start -= 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(digits.get(start..).unwrap_or_default());
}

/// The most decimal digits that always fit a `u64`.
pub(crate) const SAFE_DIGITS: usize = 19;

/// The number whose digits start at `from` in `buf` (1 to [`SAFE_DIGITS`]
/// of them, so no overflow), and where they end; `None` when there is no
/// digit there, too many, or `buf` ends within them.
#[inline(always)]
pub(crate) fn leading_decimal(buf: &[u8], from: usize) -> Option<(u64, usize)> {
    let mut n = 0u64;
    let mut at = from;
    loop {
        let digit = buf.get(at)?.wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        if at - from == SAFE_DIGITS {
            return None;
        }
        n = n * 10 + u64::from(digit);
        at += 1;
    }
    (at > from).then_some((n, at))
}

/// Reads an unsigned decimal number that fills all of `digits`.
///
/// Returns `None` for an empty input, any byte that is not an ASCII digit,
/// or a value above `u64::MAX`.
///
/// ```
/// assert_eq!(memaslap_proto::parse_decimal(b"1024"), Some(1024));
/// assert_eq!(memaslap_proto::parse_decimal(b"18446744073709551616"), None);
/// assert_eq!(memaslap_proto::parse_decimal(b"-1"), None);
/// ```
#[inline]
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
    }
    if digits.len() <= SAFE_DIGITS {
        let mut n = 0u64;
        for &b in digits {
            let d = b.wrapping_sub(b'0');
            if d > 9 {
                return None;
            }
            // At most 19 digits: below 10^19, so no overflow.
            n = n * 10 + u64::from(d);
        }
        return Some(n);
    }
    digits.iter().try_fold(0u64, |acc, &b| {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        acc.checked_mul(10)?.checked_add(u64::from(d))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn edges() {
        let mut out = Vec::new();
        push_decimal(&mut out, 0);
        assert_eq!(out, b"0");
        assert_eq!(parse_decimal(b"0"), Some(0));
        assert_eq!(parse_decimal(b""), None);
        assert_eq!(parse_decimal(b"12a"), None);
        assert_eq!(parse_decimal(b"+1"), None);
        assert_eq!(parse_decimal(b"18446744073709551615"), Some(u64::MAX));
    }

    proptest! {
        #[test]
        fn round_trip(n in any::<u64>()) {
            let mut out = Vec::new();
            push_decimal(&mut out, n);
            let expected = n.to_string();
            prop_assert_eq!(&out, expected.as_bytes());
            prop_assert_eq!(parse_decimal(&out), Some(n));
        }

        /// Any bytes: a number exactly when the standard library reads
        /// one without a sign, and the same number.
        #[test]
        fn agrees_with_std(text in "[0-9a+ -]{0,22}|[0-9]{17,21}") {
            let std = if text.starts_with('+') { None } else { text.parse::<u64>().ok() };
            prop_assert_eq!(parse_decimal(text.as_bytes()), std);
        }
    }
}
