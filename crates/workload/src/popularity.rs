//! Which key of a keyspace of `N` keys a request picks: a popularity
//! distribution over key ids `0..N`, drawn in O(1) without allocation.
//!
//! - `uniform`: every id alike.
//! - `zipf:S`: the key of popularity rank `k` (1 the hottest) is drawn with
//!   probability proportional to `1 / k^S` (YCSB's `zipfian`, whose
//!   constant is 0.99; caches measured in production fit `S` between 0.6
//!   and 1.5), by rejection-inversion.
//! - `gaussian:MEAN,STDDEV`: a normal distribution of ranks, `MEAN` and
//!   `STDDEV` in keys (memtier's `G` pattern with `--key-median` and
//!   `--key-stddev`); draws outside `0..N` are drawn again.
//! - `sequential`: ranks `0, 1, …, N − 1` in turn, then again (memtier's
//!   `S`).
//! - `hotspot:KEYS,TRAFFIC`: a hot set of `KEYS × N` keys takes `TRAFFIC` of
//!   the requests, uniformly within it, and the others the rest (YCSB's
//!   `hotspot` with its hot-set and hot-operation fractions).
//!
//! Ranks are then scattered over the ids by a fixed permutation of `0..N`,
//! the same for every run with the same `N`, so that the hot keys are not
//! the lowest ids (and not the ids one client machine's share starts
//! with). `sequential` walks the permuted ids in rank order.

use rand_distr::{Distribution, Normal, Zipf};
use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;
use std::fmt;
use std::str::FromStr;

use crate::seed::{below, mix64};

/// A popularity distribution, as `--key-dist` names it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum KeyDist {
    /// Every key alike.
    Uniform,
    /// Rank `k` with probability proportional to `1 / k^exponent`.
    Zipf {
        /// The exponent, above 0.
        exponent: f64,
    },
    /// Ranks from a normal distribution, in keys.
    Gaussian {
        /// The mean rank.
        mean: f64,
        /// The standard deviation, above 0.
        stddev: f64,
    },
    /// Ranks in turn.
    Sequential,
    /// A hot set of a fraction of the keys taking a fraction of the
    /// requests.
    Hotspot {
        /// The hot set's share of the keys, in (0, 1).
        keys: f64,
        /// The hot set's share of the requests, in [0, 1].
        traffic: f64,
    },
}

/// Why a `--key-dist` text or a distribution over a keyspace is refused.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyDistError(String);

impl fmt::Display for KeyDistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}; use uniform, zipf:S (S > 0), gaussian:MEAN,STDDEV (in keys, STDDEV > 0), \
             sequential or hotspot:KEYS,TRAFFIC (fractions, 0 < KEYS < 1, 0 <= TRAFFIC <= 1)",
            self.0
        )
    }
}

impl std::error::Error for KeyDistError {}

impl FromStr for KeyDist {
    type Err = KeyDistError;

    fn from_str(text: &str) -> Result<KeyDist, KeyDistError> {
        let bad = || KeyDistError(format!("'{text}' is not a key distribution"));
        let (name, args) = text.split_once(':').unwrap_or((text, ""));
        let numbers = args
            .split(',')
            .filter(|a| !a.is_empty())
            .map(|a| a.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
            .collect::<Option<Vec<f64>>>()
            .ok_or_else(bad)?;
        let dist = match (name, numbers.as_slice()) {
            ("uniform", []) => KeyDist::Uniform,
            ("sequential", []) => KeyDist::Sequential,
            ("zipf", [exponent]) if *exponent > 0.0 => KeyDist::Zipf {
                exponent: *exponent,
            },
            ("gaussian", [mean, stddev]) if *stddev > 0.0 => KeyDist::Gaussian {
                mean: *mean,
                stddev: *stddev,
            },
            ("hotspot", [keys, traffic])
                if *keys > 0.0 && *keys < 1.0 && (0.0..=1.0).contains(traffic) =>
            {
                KeyDist::Hotspot {
                    keys: *keys,
                    traffic: *traffic,
                }
            }
            _ => return Err(bad()),
        };
        Ok(dist)
    }
}

impl fmt::Display for KeyDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyDist::Uniform => f.write_str("uniform"),
            KeyDist::Sequential => f.write_str("sequential"),
            KeyDist::Zipf { exponent } => write!(f, "zipf:{exponent}"),
            KeyDist::Gaussian { mean, stddev } => write!(f, "gaussian:{mean},{stddev}"),
            KeyDist::Hotspot { keys, traffic } => write!(f, "hotspot:{keys},{traffic}"),
        }
    }
}

/// How ranks are drawn, set up once for a keyspace.
#[derive(Debug, Clone)]
enum Ranks {
    Uniform,
    Zipf(Zipf<f64>),
    Gaussian(Normal<f64>),
    Sequential { next: u64 },
    Hotspot { hot: u64, traffic: f64 },
}

/// Draws key ids of a keyspace of `n` keys as a [`KeyDist`] says.
#[derive(Debug, Clone)]
pub struct Popularity {
    n: u64,
    ranks: Ranks,
    scatter: Scatter,
}

impl Popularity {
    /// `dist` over ids `0..n` (`n` at least 1). `start` is where a
    /// sequential walk begins (e.g. a connection's own offset).
    pub fn new(dist: KeyDist, n: u64, start: u64) -> Result<Popularity, KeyDistError> {
        if n == 0 {
            return Err(KeyDistError("a keyspace of 0 keys".into()));
        }
        let refuse = |e: &dyn fmt::Display| KeyDistError(format!("{dist} over {n} keys: {e}"));
        let ranks = match dist {
            KeyDist::Uniform => Ranks::Uniform,
            KeyDist::Sequential => Ranks::Sequential { next: start % n },
            KeyDist::Zipf { exponent } => {
                Ranks::Zipf(Zipf::new(n as f64, exponent).map_err(|e| refuse(&e))?)
            }
            KeyDist::Gaussian { mean, stddev } => {
                Ranks::Gaussian(Normal::new(mean, stddev).map_err(|e| refuse(&e))?)
            }
            KeyDist::Hotspot { keys, traffic } => Ranks::Hotspot {
                hot: ((keys * n as f64).round() as u64).clamp(1, n),
                traffic,
            },
        };
        Ok(Popularity {
            n,
            ranks,
            scatter: Scatter::new(n),
        })
    }

    /// The same distribution, a sequential walk starting at rank `start`
    /// (others are unchanged).
    pub fn starting_at(mut self, start: u64) -> Popularity {
        if let Ranks::Sequential { next } = &mut self.ranks {
            *next = start % self.n;
        }
        self
    }

    /// The number of keys.
    pub fn keys(&self) -> u64 {
        self.n
    }

    /// The next key id, in `0..n`.
    pub fn draw(&mut self, rng: &mut Xoshiro256PlusPlus) -> u64 {
        let rank = self.rank(rng);
        self.scatter.apply(rank)
    }

    /// The next popularity rank, in `0..n` (0 the hottest, where ranks
    /// mean anything).
    fn rank(&mut self, rng: &mut Xoshiro256PlusPlus) -> u64 {
        let n = self.n;
        match &mut self.ranks {
            Ranks::Uniform => below(rng, n),
            Ranks::Zipf(zipf) => (zipf.sample(rng) as u64).clamp(1, n) - 1,
            Ranks::Gaussian(normal) => {
                // Redrawn while outside the keyspace; clamped after many
                // misses (a mean far outside it).
                let mut x = normal.sample(rng);
                for _ in 0..64 {
                    if x >= 0.0 && x < n as f64 {
                        break;
                    }
                    x = normal.sample(rng);
                }
                (x.max(0.0) as u64).min(n - 1)
            }
            Ranks::Sequential { next } => {
                let rank = *next;
                *next = if rank + 1 >= n { 0 } else { rank + 1 };
                rank
            }
            Ranks::Hotspot { hot, traffic } => {
                let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
                if u < *traffic || *hot == n {
                    below(rng, *hot)
                } else {
                    *hot + below(rng, n - *hot)
                }
            }
        }
    }
}

/// A fixed permutation of `0..n`: a four-round Feistel network over the
/// smallest even power of two not below `n`, walked again for values past
/// `n` (fewer than four rounds of walking on average).
#[derive(Debug, Clone, Copy)]
struct Scatter {
    n: u64,
    half_bits: u32,
}

impl Scatter {
    fn new(n: u64) -> Scatter {
        let bits = 64 - n.saturating_sub(1).leading_zeros();
        Scatter {
            n,
            half_bits: bits.div_ceil(2).max(1),
        }
    }

    fn apply(&self, rank: u64) -> u64 {
        let mut x = rank;
        loop {
            x = self.permute(x);
            if x < self.n {
                return x;
            }
        }
    }

    /// One pass of the Feistel network: a bijection of `0..4^half_bits`.
    fn permute(&self, x: u64) -> u64 {
        let mask = (1u64 << self.half_bits) - 1;
        let (mut left, mut right) = (x >> self.half_bits, x & mask);
        for round in 0..4u64 {
            let f = mix64(right ^ (round << 56) ^ self.n) & mask;
            (left, right) = (right, left ^ f);
        }
        (left << self.half_bits) | right
    }
}

#[cfg(test)]
#[path = "popularity_tests.rs"]
mod tests;
