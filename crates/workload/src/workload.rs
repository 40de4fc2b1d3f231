//! The workload built once per run and shared read-only by all connections.

use std::fmt;

use crate::bytes::{OFFSET_SPAN, PREFIX_SPACE, printable_block};
use crate::config::{MAX_KEY_LEN, MAX_VALUE_LEN, MIN_KEY_LEN, WorkloadConfig};
use crate::error::ConfigError;
use crate::seed::{WORKLOAD_STREAM, derive_rng};
use crate::sizes::{TABLE_LEN, dist_table, size_table};
use crate::space::Keyspace;
use crate::trace::Trace;

/// The shared part of a run: validated configuration, the block of printable
/// bytes and the shuffled size tables, all derived from one master seed.
///
/// Build it once, share it (`&Workload` in scoped threads, or an `Arc`), and
/// give every connection its own [`crate::Generator`] (or any source with [`Workload::source`]) with [`Workload::generator`].
pub struct Workload {
    config: WorkloadConfig,
    seed: u64,
    connections: u32,
    prefixes_per_connection: u64,
    block: Box<[u8]>,
    key_lens: Box<[u32]>,
    value_lens: Box<[u32]>,
    space: Option<Keyspace>,
    trace: Option<Trace>,
}

impl Workload {
    /// Validates `config` and builds the workload of `connections`
    /// connections (over all threads) from the master `seed`.
    ///
    /// The prefix space (2^48 names of 8 printable bytes) is split evenly:
    /// connection `i` draws prefixes only from its own range, so keys never
    /// collide across connections and threads and no lock is taken per key.
    ///
    /// # Errors
    /// Any [`WorkloadConfig::validate`] error; [`ConfigError::NoConnections`];
    /// [`ConfigError::PrefixSpace`] when a connection's share of prefixes
    /// cannot even fill its window.
    pub fn new(config: &WorkloadConfig, seed: u64, connections: u32) -> Result<Self, ConfigError> {
        config.validate()?;
        if connections == 0 {
            return Err(ConfigError::NoConnections);
        }
        let instance = config.instance;
        let all =
            connections
                .checked_mul(instance.count)
                .ok_or(ConfigError::TooManyConnections {
                    count: instance.count,
                    connections,
                })?;
        let prefixes_per_connection = PREFIX_SPACE / u64::from(all);
        if prefixes_per_connection < config.window as u64 {
            return Err(ConfigError::PrefixSpace {
                connections,
                window: config.window,
            });
        }
        let space = match config.keyspace {
            Some(space) => Some(Keyspace::new(config, space, all)?),
            None => None,
        };
        let trace = config
            .trace
            .as_ref()
            .map(|plan| Trace::new(&plan.config, &config.key_prefix, plan.first, all));
        let mut rng = derive_rng(seed, WORKLOAD_STREAM);
        let key_room = MAX_KEY_LEN.saturating_sub(config.key_prefix.len() as u32);
        let key_lens = match &config.key_sizes {
            Some(dist) => dist_table(&mut rng, dist, MIN_KEY_LEN, key_room),
            None => size_table(&mut rng, &config.keys),
        };
        let value_lens = match (config.fixed_value_len, &config.value_sizes) {
            (Some(len), _) => vec![len; TABLE_LEN].into_boxed_slice(),
            (None, Some(dist)) => dist_table(&mut rng, dist, 1, MAX_VALUE_LEN),
            (None, None) => size_table(&mut rng, &config.values),
        };
        let longest_value = value_lens.iter().copied().max().unwrap_or(0);
        let longest = longest_value.max(MAX_KEY_LEN) as usize;
        let block = printable_block(&mut rng, OFFSET_SPAN as usize + longest);
        Ok(Self {
            config: config.clone(),
            seed,
            connections,
            prefixes_per_connection,
            block,
            key_lens,
            value_lens,
            space,
            trace,
        })
    }

    /// The trace replayed, when the workload is one (`--trace`).
    pub fn trace(&self) -> Option<&Trace> {
        self.trace.as_ref()
    }

    /// The keyspace, when the workload has one (`--keys`).
    pub fn keyspace(&self) -> Option<&Keyspace> {
        self.space.as_ref()
    }

    /// The validated configuration.
    pub fn config(&self) -> &WorkloadConfig {
        &self.config
    }

    /// The master seed every generator derives from.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// The index over all instances of this instance's connection
    /// `connection`: seeds, key prefixes and trace clients follow it, so
    /// that instances of one run behave as one run.
    pub fn global(&self, connection: u32) -> u32 {
        self.config
            .instance
            .index
            .saturating_mul(self.connections)
            .saturating_add(connection)
    }

    /// Connections over all instances.
    pub fn all_connections(&self) -> u32 {
        self.connections.saturating_mul(self.config.instance.count)
    }

    /// Connections the workload was built for (this instance's).
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Distinct key prefixes each connection may draw. A connection that has
    /// used all of them overwrites instead of replacing items with fresh keys.
    pub fn prefixes_per_connection(&self) -> u64 {
        self.prefixes_per_connection
    }

    /// The shared block of printable bytes keys and values are sliced from.
    pub fn block(&self) -> &[u8] {
        &self.block
    }

    /// The shuffled table of key lengths (prefix included) items take in turn.
    pub fn key_lens(&self) -> &[u32] {
        &self.key_lens
    }

    /// The shuffled table of value lengths items take in turn.
    pub fn value_lens(&self) -> &[u32] {
        &self.value_lens
    }

    /// Key and value lengths of table entry `index` (taken modulo its length).
    pub(crate) fn lens(&self, index: usize) -> (u32, u32) {
        let at = |table: &[u32]| table.get(index % TABLE_LEN).copied().unwrap_or(0);
        (at(&self.key_lens), at(&self.value_lens))
    }
}

impl fmt::Debug for Workload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Workload")
            .field("seed", &self.seed)
            .field("connections", &self.connections)
            .field("block_len", &self.block.len())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SizeRange;

    #[test]
    fn builds_tables_and_block_from_the_seed() {
        let config = WorkloadConfig {
            values: vec![SizeRange::new(1, 100, 0.5), SizeRange::new(5000, 6000, 0.5)],
            ..WorkloadConfig::default()
        };
        let a = Workload::new(&config, 11, 4).unwrap();
        let b = Workload::new(&config, 11, 4).unwrap();
        let c = Workload::new(&config, 12, 4).unwrap();
        assert_eq!(a.block(), b.block());
        assert_eq!(a.value_lens(), b.value_lens());
        assert_ne!(a.block(), c.block());
        assert_ne!(a.value_lens(), c.value_lens());
        assert!(a.key_lens().iter().all(|&l| l == 64));
        let longest = *a.value_lens().iter().max().unwrap() as usize;
        assert_eq!(a.block().len(), OFFSET_SPAN as usize + longest);
        assert_eq!(a.prefixes_per_connection(), PREFIX_SPACE / 4);
        let debug = format!("{a:?}");
        assert!(debug.starts_with("Workload { seed: 11, connections: 4, block_len: "));
        assert!(debug.len() < 1000, "{debug}");
    }

    #[test]
    fn fixed_size_overrides_values() {
        let config = WorkloadConfig {
            fixed_value_len: Some(77),
            ..WorkloadConfig::default()
        };
        let w = Workload::new(&config, 1, 1).unwrap();
        assert!(w.value_lens().iter().all(|&l| l == 77));
        assert_eq!(w.block().len(), OFFSET_SPAN as usize + MAX_KEY_LEN as usize);
    }

    #[test]
    fn rejects_bad_connection_counts_and_indexes() {
        let config = WorkloadConfig::default();
        let err = Workload::new(&config, 1, 0).unwrap_err();
        assert_eq!(err.to_string(), "a workload needs at least one connection");
        let w = Workload::new(&config, 1, 2).unwrap();
        assert!(w.generator(1).is_ok());
        let err = w.generator(2).unwrap_err();
        assert_eq!(
            err.to_string(),
            "connection index 2 out of range: the workload has 2 connections"
        );
        let big = WorkloadConfig {
            window: 1 << 26,
            ..WorkloadConfig::default()
        };
        let err = Workload::new(&big, 1, 1 << 23).unwrap_err();
        assert!(matches!(err, ConfigError::PrefixSpace { .. }), "{err}");
        let err = Workload::new(
            &WorkloadConfig {
                window: 0,
                ..config
            },
            1,
            1,
        )
        .unwrap_err();
        assert!(matches!(err, ConfigError::Window { .. }));
    }
}
