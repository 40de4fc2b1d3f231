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
pub fn parse_decimal(digits: &[u8]) -> Option<u64> {
    if digits.is_empty() {
        return None;
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
    }
}
