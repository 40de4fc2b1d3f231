//! The master seed and the generators derived from it.
//!
//! One `u64` seeds a whole run: the workload's own generator (shared bytes,
//! size tables) and every connection's generator are derived from it by
//! mixing in a stream number, so the same seed and configuration give the same
//! bytes and the same task sequence on every connection.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

/// Stream number of the workload's own generator; connections use their index.
pub(crate) const WORKLOAD_STREAM: u64 = u64::MAX;

/// Draws a fresh master seed from the operating system's randomness.
///
/// Use it when the user gives no seed, and print it so the run can be
/// repeated. It reads no clock.
pub fn random_seed() -> u64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(0x6d65_6d61_736c_6170);
    hasher.finish()
}

/// SplitMix64's output function: a bijective, well-mixing map of `u64`.
/// Every seed of a run is derived through it: `mix64(n)` over a counter
/// `n` is SplitMix64's sequence.
pub const fn mix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// The seed of `stream` under the master `seed`. Streams below 2^32 are
/// the connections' generators (by index) and `u64::MAX` the workload's
/// own; other uses take streams from [`OTHER_STREAMS`] on.
pub const fn derive_seed(seed: u64, stream: u64) -> u64 {
    mix64(seed ^ mix64(stream))
}

/// The first stream number that no generator of this crate uses.
pub const OTHER_STREAMS: u64 = 1 << 32;

/// The generator of `stream` under the master `seed`.
pub(crate) fn derive_rng(seed: u64, stream: u64) -> Xoshiro256PlusPlus {
    Xoshiro256PlusPlus::seed_from_u64(derive_seed(seed, stream))
}

/// The point of `[0, 1)` that 53 bits of `bits` name.
pub(crate) fn unit(bits: u64) -> f64 {
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// A uniform draw in `0..n` (0 when `n` is 0), by widening multiplication.
pub(crate) fn below(rng: &mut Xoshiro256PlusPlus, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a: Vec<u64> = (0..4).map(|_| derive_rng(7, 0).next_u64()).collect();
        assert!(a.windows(2).all(|w| w[0] == w[1]));
        let firsts: std::collections::HashSet<u64> =
            (0..1000).map(|s| derive_rng(7, s).next_u64()).collect();
        assert_eq!(firsts.len(), 1000);
        assert_ne!(derive_rng(7, 0).next_u64(), derive_rng(8, 0).next_u64());
        assert_ne!(
            derive_rng(7, WORKLOAD_STREAM).next_u64(),
            derive_rng(7, 0).next_u64()
        );
    }

    #[test]
    fn below_stays_in_range_and_covers_it() {
        let mut rng = derive_rng(1, 1);
        let mut seen = [0u32; 7];
        for _ in 0..7000 {
            let x = below(&mut rng, 7);
            seen[x as usize] += 1;
        }
        assert!(seen.iter().all(|&c| (800..1200).contains(&c)), "{seen:?}");
        assert_eq!(below(&mut rng, 0), 0);
        assert_eq!(below(&mut rng, 1), 0);
    }

    #[test]
    fn random_seeds_differ() {
        assert_ne!(random_seed(), random_seed());
    }
}
