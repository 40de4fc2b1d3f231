//! Finding a byte in the short runs a reply is split into (a `VALUE`
//! line's key, a meta reply's flags, a length before them): sixteen bytes
//! a step by word arithmetic, without the dispatch and setup a general
//! search pays on every call.

/// Each byte of a `u64` set to `b`.
const fn lanes(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// Where the first `needle` in `haystack` is, as `memchr::memchr` says.
///
/// A byte equal to `needle` is zero in `w ^ needle…`, and in `x - 0x01…01`
/// a zero byte borrows, its high bit set with `!x` marking it.
#[inline]
pub(crate) fn find_byte(haystack: &[u8], needle: u8) -> Option<usize> {
    first_marked(
        haystack,
        |w| {
            let x = w ^ lanes(needle);
            x.wrapping_sub(lanes(1)) & !x & lanes(0x80)
        },
        |b| b == needle,
    )
}

/// Where the first byte of `haystack` below `bound` (at most 128) is.
///
/// In `w - bound…` a byte below `bound` borrows, and with `!w` its high
/// bit set marks it (a byte from 128 up never does).
#[inline(always)]
pub(crate) fn find_below(haystack: &[u8], bound: u8) -> Option<usize> {
    debug_assert!(bound <= 128);
    first_marked(
        haystack,
        |w| w.wrapping_sub(lanes(bound)) & !w & lanes(0x80),
        |b| b < bound,
    )
}

/// Where the first byte `is_match` holds for is: sixteen bytes a step as
/// two words, `marks` setting the high bit of every matching byte of a
/// word. A borrow from a true match may also mark the bytes after it,
/// never one before, so the lowest mark is exact. The last bytes, fewer
/// than sixteen, are tested one by one.
#[inline(always)]
fn first_marked(
    haystack: &[u8],
    marks: impl Fn(u64) -> u64,
    is_match: impl Fn(u8) -> bool,
) -> Option<usize> {
    let mut blocks = haystack.chunks_exact(16);
    let mut at = 0;
    for block in blocks.by_ref() {
        let (low, high) = block.split_first_chunk::<8>()?;
        let low = marks(u64::from_le_bytes(*low));
        let high = marks(u64::from_le_bytes(*high.first_chunk::<8>()?));
        if low | high != 0 {
            let bits = if low != 0 {
                low.trailing_zeros()
            } else {
                64 + high.trailing_zeros()
            };
            return Some(at + (bits / 8) as usize);
        }
        at += 16;
    }
    let tail = blocks.remainder().iter().position(|&b| is_match(b))?;
    Some(at + tail)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn every_position_in_every_length() {
        for len in 0..=80 {
            for at in 0..len {
                for fill in [0u8, b'a', 0x7f, 0x80, 0xff, b' ' ^ 1] {
                    let mut buf = vec![fill; len];
                    buf[at] = b' ';
                    assert_eq!(find_byte(&buf, b' '), Some(at), "{len} {at} {fill}");
                    // Bytes after the first do not change the answer.
                    if at + 1 < len {
                        buf[len - 1] = b' ';
                        assert_eq!(find_byte(&buf, b' '), Some(at));
                    }
                }
            }
            assert_eq!(find_byte(&vec![b'x'; len], b' '), None);
        }
    }

    #[test]
    fn below_finds_every_low_byte_in_every_position() {
        for len in 0..=80 {
            for at in 0..len {
                for low in [0u8, b'\r', 0x1f, b' '] {
                    let mut buf: Vec<u8> = (0..len).map(|i| 0x21 + (i % 0xdf) as u8).collect();
                    buf[at] = low;
                    assert_eq!(find_below(&buf, 0x21), Some(at), "{len} {at} {low}");
                }
            }
        }
    }

    proptest! {
        #[test]
        fn below_agrees_with_a_plain_search(
            haystack in proptest::collection::vec(any::<u8>(), 0..200),
            bound in 0u8..=128,
        ) {
            prop_assert_eq!(
                find_below(&haystack, bound),
                haystack.iter().position(|&b| b < bound),
            );
        }

        #[test]
        fn agrees_with_memchr(
            haystack in proptest::collection::vec(
                prop_oneof![4 => any::<u8>(), 1 => Just(b' '), 1 => Just(0u8)], 0..200),
            needle in prop_oneof![Just(b' '), Just(0u8), Just(0x80u8), any::<u8>()],
        ) {
            prop_assert_eq!(find_byte(&haystack, needle), memchr::memchr(needle, &haystack));
        }
    }
}
