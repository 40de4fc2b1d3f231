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

use crate::bytes::{OFFSET_SPAN, PREFIX_SPACE, printable_block};
use crate::command::{Command, Mix};
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

/// What a counter holds when stored.
const COUNTER_START: &[u8] = b"0";
/// Bytes `append` and `prepend` add.
const CHUNK: usize = 16;

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
    /// Each command's share of the requests.
    mix: Mix,
    /// Counters for `incr` and `decr`: ids `keys..2 × keys`.
    counters: bool,
    /// The expiry `touch`, `gat` and `gats` set.
    touch_exptime: u32,
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
        let mix = match config.commands {
            Some(mix) => mix,
            None => Mix::new(&[
                (Command::Get, config.mix.get),
                (Command::Set, config.mix.set),
            ])
            .map_err(|e| refuse(&e))?,
        };
        let counters = mix.has(Command::Incr) || mix.has(Command::Decr);
        if counters && space.keys > PREFIX_SPACE / 2 {
            return Err(ConfigError::Keyspace(format!(
                "{} keys and their counters (incr/decr) need more than 2^48 key names; \
                 with incr or decr, --keys takes at most 2^47",
                space.keys
            )));
        }
        Ok(Keyspace {
            config: space,
            popularity,
            names,
            values,
            block,
            mix,
            counters,
            touch_exptime: 0,
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

    /// The commands and their shares.
    pub fn mix(&self) -> &Mix {
        &self.mix
    }

    /// Whether the keyspace has counters (`incr` or `decr` in the mix).
    pub fn has_counters(&self) -> bool {
        self.counters
    }

    /// The id of the counter of key `id`: counters are ids `keys..2 ×
    /// keys`, named as keys are, each holding a decimal number.
    pub fn counter(&self, id: u64) -> u64 {
        self.keys() + id % self.keys()
    }

    /// The ids a prefill stores: the keys, then the counters if any.
    pub fn stored_ids(&self) -> u64 {
        if self.counters {
            self.keys() * 2
        } else {
            self.keys()
        }
    }

    /// The key of id `id`: a key below `keys`, a counter above.
    pub fn key(&self, id: u64) -> Key<'_> {
        if id < self.keys() {
            self.names.key(id)
        } else {
            let own = id - self.keys();
            self.names.key_of_len(id, self.names.len_of(own))
        }
    }

    /// What `append` and `prepend` add: a few bytes, the same for every
    /// key.
    pub fn chunk(&self) -> &[u8] {
        self.block.get(..CHUNK).unwrap_or_default()
    }

    /// The length of the value of key `id`.
    pub fn value_len(&self, id: u64) -> usize {
        let u = unit(mix64(id ^ VALUE_LEN_SALT));
        self.values.size(u, 1, MAX_VALUE_LEN) as usize
    }

    /// The value of key `id`: every client stores the same bytes under it
    /// (a counter: `0`).
    pub fn value(&self, id: u64) -> &[u8] {
        if id >= self.keys() {
            return COUNTER_START;
        }
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
