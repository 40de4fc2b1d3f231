//! The keyspace model (`--keys N`): a fixed set of `N` keys, each request
//! picking one by a popularity distribution ([`crate::KeyDist`]), beside
//! memaslap's window model.
//!
//! Everything about an item is a function of its key id, the same on every
//! run and client machine with the same `--keys`, sizes and prefix,
//! whatever the seed: its key ([`KeyNames`]), its value's length (the
//! value-size distribution's quantile at a point derived from the id) and
//! its bytes (a slice of a block drawn from a fixed seed, at an offset
//! derived from the id). So any client may store any key and any other
//! verify it (`-v`): a hit must hold exactly the key's value.
//!
//! The seed decides only which keys are asked for and in which order.

mod batch;
mod source;

use std::fmt;

use crate::bytes::{OFFSET_SPAN, printable_block};
use crate::config::{MAX_VALUE_LEN, WorkloadConfig};
use crate::error::ConfigError;
use crate::names::KeyNames;
use crate::popularity::{KeyDist, Popularity};
use crate::seed::{derive_rng, mix64, unit};
use crate::size_dist::SizeDist;
use crate::task::Key;

pub use batch::KeyspaceBatch;
pub use source::KeyspaceSource;

/// The seed of the value block: fixed, so that values do not depend on
/// the run's seed.
const VALUE_SEED: u64 = 0x7661_6c75_652d_626c;
/// Mixed into an id to draw its value's length.
const VALUE_LEN_SALT: u64 = 0x7661_6c6c_656e_0002;
/// Mixed into an id to place its value in the block.
const VALUE_AT_SALT: u64 = 0x7661_6c61_7400_0003;

/// `--keys` and `--key-dist`: how many keys, and how requests pick them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeyspaceConfig {
    /// Key ids `0..keys`.
    pub keys: u64,
    /// How a request picks its key.
    pub dist: KeyDist,
    /// `--prefill`: instead of the mix, every connection stores its share
    /// of the keys once, in order (connection `c` of `C` the ids `c`,
    /// `c + C`, …), and then has nothing more to issue. Give connection
    /// `c` exactly its share as a budget: `keys / C`, one more when
    /// `c < keys % C`.
    pub prefill: bool,
}

/// The shared part of a keyspace run, built once and read by every
/// connection's [`KeyspaceSource`].
pub struct Keyspace {
    config: KeyspaceConfig,
    popularity: Popularity,
    names: KeyNames,
    values: SizeDist,
    block: Box<[u8]>,
    /// The share of requests that are sets.
    set_share: f64,
    verify: f64,
    division: usize,
    connections: u32,
}

impl Keyspace {
    /// The keyspace of `space` with the sizes, prefix, mix, `-v` and `-d`
    /// of `config`, for `connections` connections.
    ///
    /// # Errors
    /// [`ConfigError::Keyspace`] when the keyspace is empty or larger than
    /// 2^48 keys, the key prefix leaves no room, or the distribution does
    /// not fit the keyspace.
    pub fn new(
        config: &WorkloadConfig,
        space: KeyspaceConfig,
        connections: u32,
    ) -> Result<Keyspace, ConfigError> {
        let refuse = |e: &dyn fmt::Display| ConfigError::Keyspace(e.to_string());
        let key_lens = config
            .key_sizes
            .clone()
            .unwrap_or_else(|| SizeDist::from_ranges(&config.keys));
        let names =
            KeyNames::new(space.keys, key_lens, &config.key_prefix).map_err(|e| refuse(&e))?;
        let popularity = Popularity::new(space.dist, space.keys, 0).map_err(|e| refuse(&e))?;
        let values = value_sizes(config);
        let longest = values.largest(1, MAX_VALUE_LEN) as usize;
        let block = printable_block(
            &mut derive_rng(VALUE_SEED, 0),
            OFFSET_SPAN as usize + longest,
        );
        let total = config.mix.set + config.mix.get;
        Ok(Keyspace {
            config: space,
            popularity,
            names,
            values,
            block,
            set_share: if total > 0.0 {
                config.mix.set / total
            } else {
                0.0
            },
            verify: config.verify,
            division: config.division.max(1),
            connections: connections.max(1),
        })
    }

    /// `--keys` and `--key-dist`.
    pub fn config(&self) -> KeyspaceConfig {
        self.config
    }

    /// How many keys there are.
    pub fn keys(&self) -> u64 {
        self.config.keys
    }

    /// The names of the keys.
    pub fn names(&self) -> &KeyNames {
        &self.names
    }

    /// The value sizes, before clamping to 1..=1 MiB.
    pub fn value_sizes(&self) -> &SizeDist {
        &self.values
    }

    /// The key of id `id` (taken modulo the number of keys).
    pub fn key(&self, id: u64) -> Key<'_> {
        self.names.key(id)
    }

    /// The length of the value of key `id`.
    pub fn value_len(&self, id: u64) -> usize {
        let u = unit(mix64(id ^ VALUE_LEN_SALT));
        self.values.size(u, 1, MAX_VALUE_LEN) as usize
    }

    /// The value of key `id`: every client stores the same bytes under it.
    pub fn value(&self, id: u64) -> &[u8] {
        let at = (mix64(id ^ VALUE_AT_SALT) % u64::from(OFFSET_SPAN)) as usize;
        self.block
            .get(at..at + self.value_len(id))
            .unwrap_or_default()
    }

    /// The popularity of connection `connection`'s requests: a sequential
    /// walk starts at the connection's share of the keyspace.
    pub(crate) fn popularity(&self, connection: u32) -> Popularity {
        let share = u128::from(self.keys()) * u128::from(connection) / u128::from(self.connections);
        let start = u64::try_from(share).unwrap_or(0);
        self.popularity.clone().starting_at(start)
    }
}

/// The value sizes a workload configures: `-X`, a named distribution, or
/// the `value` ranges.
pub(crate) fn value_sizes(config: &WorkloadConfig) -> SizeDist {
    match (&config.value_sizes, config.fixed_value_len) {
        (_, Some(len)) => SizeDist::Fixed(len),
        (Some(dist), None) => dist.clone(),
        (None, None) => SizeDist::from_ranges(&config.values),
    }
}

impl fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyspace")
            .field("keys", &self.config.keys)
            .field("dist", &self.config.dist)
            .field("key_sizes", self.names.lens())
            .field("value_sizes", &self.values)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
