//! The shared block of printable bytes and the printable key prefixes.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;

use crate::config::PREFIX_LEN;

/// The 64 characters of the shared block and of key prefixes (memaslap's
/// alphabet): `[0-9A-Za-z.-]`.
pub const ALPHABET: &[u8; 64] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-";

/// How many distinct prefixes 8 characters of a 64-letter alphabet name: 2^48.
pub const PREFIX_SPACE: u64 = 1 << 48;

/// Key suffixes and values start at an offset below this many bytes into the
/// block, so every key or value is a slice of it whatever its offset.
pub(crate) const OFFSET_SPAN: u32 = 1 << 20;

/// `len` random characters of [`ALPHABET`], 6 bits of the generator each.
pub(crate) fn printable_block(rng: &mut Xoshiro256PlusPlus, len: usize) -> Box<[u8]> {
    let mut block = vec![0u8; len].into_boxed_slice();
    for chunk in block.chunks_mut(10) {
        let mut bits = rng.next_u64();
        for byte in chunk {
            *byte = letter(bits);
            bits >>= 6;
        }
    }
    block
}

fn letter(bits: u64) -> u8 {
    ALPHABET.get((bits & 63) as usize).copied().unwrap_or(b'0')
}

/// The two letters of every pair of 6-bit digits (12 bits), most
/// significant first: 8 KiB, read two digits at a time.
static PAIRS: [[u8; 2]; 4096] = pairs();

const fn pairs() -> [[u8; 2]; 4096] {
    let mut table = [[0u8; 2]; 4096];
    let mut rest: &mut [[u8; 2]] = &mut table;
    // Row after row of the alphabet's letters, in the order of the
    // 12-bit numbers they name.
    let mut high: &[u8] = ALPHABET;
    while let Some((first, highs)) = high.split_first() {
        let mut low: &[u8] = ALPHABET;
        while let Some((second, lows)) = low.split_first() {
            rest = match rest {
                [pair, tail @ ..] => {
                    *pair = [*first, *second];
                    tail
                }
                full => full,
            };
            low = lows;
        }
        high = highs;
    }
    table
}

/// The 8 printable characters naming prefix number `n` (`n` < 2^48; higher
/// bits are ignored), most significant first: four lookups of two
/// digits each in [`PAIRS`].
pub(crate) fn encode_prefix(n: u64) -> [u8; PREFIX_LEN] {
    // Masked to 12 bits, each index is within the table.
    let pair = |shift: u32| {
        PAIRS
            .get(((n >> shift) & 0xFFF) as usize)
            .copied()
            .unwrap_or_default()
    };
    let [a, b, c, d] = [pair(36), pair(24), pair(12), pair(0)];
    [a[0], a[1], b[0], b[1], c[0], c[1], d[0], d[1]]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::derive_rng;

    fn decode(prefix: [u8; 8]) -> u64 {
        prefix.iter().fold(0, |n, b| {
            n << 6 | ALPHABET.iter().position(|a| a == b).unwrap() as u64
        })
    }

    #[test]
    fn prefixes_are_printable_and_distinct() {
        assert_eq!(&encode_prefix(0), b"00000000");
        assert_eq!(&encode_prefix(PREFIX_SPACE - 1), b"--------");
        assert_eq!(&encode_prefix(64), b"00000010");
        for n in [
            0,
            1,
            63,
            64,
            4095,
            1 << 30,
            PREFIX_SPACE / 3,
            PREFIX_SPACE - 1,
        ] {
            assert_eq!(decode(encode_prefix(n)), n);
        }
    }

    /// The prefix by table lookups, one digit at a time.
    fn by_table(n: u64) -> [u8; 8] {
        let mut out = [0u8; 8];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = letter(n >> (6 * (7 - i)));
        }
        out
    }

    #[test]
    fn every_digit_in_every_place_maps_as_the_table_does() {
        for place in 0..8 {
            for digit in 0..64u64 {
                for background in [0, 9, 10, 35, 36, 61, 62, 63] {
                    let mut n = 0;
                    for p in 0..8 {
                        n |= if p == place { digit } else { background } << (6 * p);
                    }
                    assert_eq!(encode_prefix(n), by_table(n), "{n:#x}");
                }
            }
        }
        let mut x = 1u64;
        for _ in 0..100_000 {
            x = crate::seed::mix64(x);
            assert_eq!(encode_prefix(x), by_table(x), "{x:#x}");
        }
    }

    #[test]
    fn block_is_printable_reproducible_and_varied() {
        let a = printable_block(&mut derive_rng(3, 0), 100_003);
        let b = printable_block(&mut derive_rng(3, 0), 100_003);
        let c = printable_block(&mut derive_rng(4, 0), 100_003);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|x| ALPHABET.contains(x)));
        let mut counts = [0usize; 256];
        for &x in a.iter() {
            counts[x as usize] += 1;
        }
        for &x in ALPHABET {
            let c = counts[x as usize];
            assert!((1300..1850).contains(&c), "{} appears {c} times", x as char);
        }
    }
}
