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

/// Each byte of a `u64` set to `b`.
const fn lanes(b: u8) -> u64 {
    u64::from_ne_bytes([b; 8])
}

/// The 8 printable characters naming prefix number `n` (`n` < 2^48; higher
/// bits are ignored), most significant first.
///
/// The 6-bit digits are spread one per byte and mapped to [`ALPHABET`] by
/// arithmetic on all eight bytes at once: `'0' + d`, plus 7 from digit 10
/// (`A`), 6 more from 36 (`a`), and the last two letters moved down to
/// `.` and `-`. No byte ever carries into the next.
pub(crate) fn encode_prefix(n: u64) -> [u8; PREFIX_LEN] {
    let n = n & (PREFIX_SPACE - 1);
    // 24-bit halves in 32-bit lanes, 12-bit quarters in 16-bit lanes, then
    // 6-bit digits in bytes, the least significant digit in the low byte.
    let d = ((n & 0xFFFF_FF00_0000) << 8) | (n & 0xFF_FFFF);
    let d = ((d & 0x00FF_F000_00FF_F000) << 4) | (d & 0x0000_0FFF_0000_0FFF);
    let d = ((d & 0x0FC0_0FC0_0FC0_0FC0) << 2) | (d & 0x003F_003F_003F_003F);
    // The high bit of each byte of `d + (128 - k)` says whether its digit
    // is at least k (digits are below 64: no carry out of a byte).
    let at_least = |k: u8| ((d + lanes(128 - k)) & lanes(0x80)) >> 7;
    let letters = d + lanes(b'0') + 7 * at_least(10) + 6 * at_least(36);
    // Digit 62 was '0' + 62 + 13 = '{': down 77 to '.'; 63 was '|': down 79 to '-'.
    let letters = letters - 77 * at_least(62) - 2 * at_least(63);
    letters.to_be_bytes()
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
