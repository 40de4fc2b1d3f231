//! Trace replay (`--trace FILE`): the requests of a recorded trace sent
//! again, each to the connection its client (or object) belongs to, in
//! order, at the trace's own times scaled by a speed or as fast as
//! possible.
//!
//! - [`TraceReader`] streams a trace's [`Record`]s from the open Twitter
//!   cache trace CSV (`timestamp,key,key size,value size,client id,
//!   operation,TTL`) or libCacheSim's `oracleGeneral` binary records, plain
//!   or zstd-compressed, through one reused buffer.
//! - [`scan`] reads a trace once before a run: its span, its requests by
//!   command, and the first malformed line (or how many were skipped).
//! - [`Trace`] is the shared part of a replay: the names of its keys (an
//!   object's key is a printable key of the trace's key size, the same on
//!   every run and machine), the block values are sliced from.
//! - [`TraceFeed`] (one per worker thread) reads the trace and hands each
//!   record to the [`TraceSource`] of its connection, a bounded queue per
//!   connection; a source turns records into tasks.
//!
//! `oracleGeneral` records are gets; a get that misses is followed by a
//! set of the object with its size (a demand fill, as a look-aside cache
//! is used), counted apart. `incr` and `decr` act on a counter named apart
//! from the object's key, so that they never meet a value that is not a
//! number.

mod feed;
mod reader;
mod record;
mod source;

use std::fmt;
use std::path::PathBuf;

pub use feed::{Delivery, TraceFeed};
pub use reader::TraceReader;
pub use record::Record;
pub use source::{TraceBatch, TraceSource};

use crate::bytes::{OFFSET_SPAN, printable_block};
use crate::command::{COMMANDS, Command, Mix};
use crate::config::{MAX_KEY_LEN, MAX_VALUE_LEN};
use crate::names::KeyNames;
use crate::seed::{derive_rng, mix64};
use crate::task::Key;

/// The seed of the value block: fixed, so that values do not depend on
/// the run's seed.
const VALUE_SEED: u64 = 0x7472_6163_652d_7631;
/// Mixed into an object to name its counter.
const COUNTER_SALT: u64 = 0x636f_756e_7465_7231;
/// Mixed into an object to place its value in the block.
const VALUE_AT_SALT: u64 = 0x7661_6c61_7400_0004;
/// The 48 bits of an object that name its key.
const NAME_MASK: u64 = (1 << 48) - 1;

/// A trace's file layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    /// The open Twitter cache trace format: CSV lines.
    Csv,
    /// libCacheSim's `oracleGeneral`: 24-byte binary records.
    OracleGeneral,
}

/// `--trace`, `--trace-format` and `--trace-skip-bad`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceConfig {
    /// The file (zstd-compressed when its name ends in `.zst`).
    pub path: PathBuf,
    /// Its layout.
    pub format: TraceFormat,
    /// Skip malformed lines (counting them) instead of refusing the trace.
    pub skip_bad: bool,
}

/// Why a trace cannot be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TraceError {
    /// The file cannot be opened.
    Open {
        /// The file.
        path: String,
        /// Why.
        error: String,
    },
    /// The file cannot be read.
    Read {
        /// The file.
        path: String,
        /// Why.
        error: String,
    },
    /// A malformed line or record.
    Line {
        /// The file.
        path: String,
        /// `line` or `record`.
        unit: &'static str,
        /// Its number, from 1.
        number: u64,
        /// What is wrong.
        what: String,
    },
    /// A trace without a request.
    Empty {
        /// The file.
        path: String,
    },
}

impl fmt::Display for TraceError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceError::Open { path, error } => write!(f, "--trace {path}: cannot open: {error}"),
            TraceError::Read { path, error } => write!(f, "--trace {path}: cannot read: {error}"),
            TraceError::Line {
                path,
                unit,
                number,
                what,
            } => write!(f, "--trace {path} {unit} {number}: {what}"),
            TraceError::Empty { path } => write!(f, "--trace {path}: no request in it"),
        }
    }
}

impl std::error::Error for TraceError {}

/// What a trace holds, read once before its replay.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSummary {
    /// Requests.
    pub requests: u64,
    /// Requests by command, in [`Command::index`] order.
    pub by_command: [u64; COMMANDS],
    /// The first request's time, in seconds on the trace's clock.
    pub first: f64,
    /// The last request's time.
    pub last: f64,
    /// Malformed lines skipped (`--trace-skip-bad`).
    pub skipped: u64,
    /// Requests whose key size lay outside 8..=250 or value size outside
    /// 0..=1 MiB, replayed at the nearest size allowed.
    pub clamped: u64,
    /// The longest key replayed (the key prefix excluded), in bytes.
    pub longest_key: usize,
    /// The longest value replayed, in bytes.
    pub longest_value: usize,
    /// The longest TTL, in seconds.
    pub longest_ttl: u32,
}

/// A trace to replay, as a workload configuration holds it: the file and
/// what reading it once found, for the checks made before a run.
#[derive(Debug, Clone, PartialEq)]
pub struct TracePlan {
    /// The file and its options.
    pub config: TraceConfig,
    /// Its first request's time (due at the run's start).
    pub first: f64,
    /// The longest key sent (the key prefix excluded).
    pub longest_key: usize,
    /// The longest value sent.
    pub longest_value: usize,
    /// The longest expiry sent.
    pub longest_ttl: u32,
    /// Its commands, in their shares.
    pub commands: Mix,
}

impl TracePlan {
    /// The plan of `config`, which [`scan`] summarised as `summary`.
    ///
    /// # Errors
    /// [`TraceError::Empty`] when the summary has no request.
    pub fn new(config: TraceConfig, summary: &TraceSummary) -> Result<TracePlan, TraceError> {
        let weights: Vec<(Command, f64)> = Command::ALL
            .iter()
            .zip(summary.by_command)
            .map(|(&c, n)| (c, n as f64))
            .collect();
        let commands = Mix::new(&weights).map_err(|_| TraceError::Empty {
            path: config.path.display().to_string(),
        })?;
        Ok(TracePlan {
            first: summary.first,
            longest_key: summary.longest_key,
            longest_value: summary.longest_value,
            longest_ttl: summary.longest_ttl,
            commands,
            config,
        })
    }
}

impl TraceSummary {
    /// Seconds from the first request to the last.
    pub fn span(&self) -> f64 {
        self.last - self.first
    }
}

/// Reads the whole trace once: its requests by command, span and
/// malformed lines.
///
/// # Errors
/// The reader's errors; [`TraceError::Empty`] for a trace without a
/// request.
pub fn scan(config: &TraceConfig) -> Result<TraceSummary, TraceError> {
    let mut reader = TraceReader::open(config)?;
    let mut summary = TraceSummary {
        requests: 0,
        by_command: [0; COMMANDS],
        first: 0.0,
        last: 0.0,
        skipped: 0,
        clamped: 0,
        longest_key: 0,
        longest_value: 0,
        longest_ttl: 0,
    };
    while let Some(record) = reader.next_record()? {
        if summary.requests == 0 {
            summary.first = record.time;
        }
        summary.requests += 1;
        summary.last = summary.last.max(record.time);
        if let Some(n) = summary.by_command.get_mut(record.command.index()) {
            *n += 1;
        }
        let key_ok = config.format == TraceFormat::OracleGeneral
            || (MIN_TRACE_KEY..=MAX_KEY_LEN).contains(&record.key_size);
        summary.clamped += u64::from(!key_ok || record.value_size > MAX_VALUE_LEN);
        let key = match config.format {
            TraceFormat::Csv => record.key_size.clamp(MIN_TRACE_KEY, MAX_KEY_LEN) as usize,
            TraceFormat::OracleGeneral => ORACLE_KEY,
        };
        summary.longest_key = summary.longest_key.max(key);
        let value = record.value_size.min(MAX_VALUE_LEN) as usize;
        summary.longest_value = summary.longest_value.max(value);
        summary.longest_ttl = summary.longest_ttl.max(record.ttl);
    }
    summary.skipped = reader.skipped();
    if summary.requests == 0 {
        return Err(TraceError::Empty {
            path: config.path.display().to_string(),
        });
    }
    Ok(summary)
}

/// The shortest key a trace's object is named with: its 8 naming
/// characters.
const MIN_TRACE_KEY: u32 = 8;
/// The key size of `oracleGeneral` objects, which have none.
const ORACLE_KEY: usize = 16;

/// The shared part of a replay.
pub struct Trace {
    config: TraceConfig,
    names: KeyNames,
    block: Box<[u8]>,
    /// The first request's time: it is due at the run's start.
    first: f64,
    connections: u32,
}

impl Trace {
    /// The replay of `config` over `connections` connections, its keys
    /// after `prefix`, its first request (at `first` on its clock) due at
    /// the run's start.
    pub fn new(config: &TraceConfig, prefix: &[u8], first: f64, connections: u32) -> Trace {
        Trace {
            config: config.clone(),
            names: KeyNames::for_trace(prefix),
            block: printable_block(
                &mut derive_rng(VALUE_SEED, 0),
                OFFSET_SPAN as usize + MAX_VALUE_LEN as usize,
            ),
            first,
            connections: connections.max(1),
        }
    }

    /// `--trace` and its options.
    pub fn config(&self) -> &TraceConfig {
        &self.config
    }

    /// Connections the records are spread over.
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Whether a get that misses is followed by a demand fill.
    pub fn fills(&self) -> bool {
        self.config.format == TraceFormat::OracleGeneral
    }

    /// When `record` is due, in trace seconds after the run's start.
    pub fn offset(&self, record: &Record) -> f64 {
        (record.time - self.first).max(0.0)
    }

    /// The connection (of all) `record` goes to: by client, so that a
    /// client's requests stay in order on one connection.
    pub fn route(&self, record: &Record) -> u32 {
        (mix64(record.client) % u64::from(self.connections)) as u32
    }

    /// The key of `record`'s object, of the trace's key size.
    pub fn key(&self, record: &Record) -> Key<'_> {
        self.names
            .key_of_len(record.object & NAME_MASK, self.key_len(record))
    }

    /// The key of `record`'s counter (`incr`, `decr`).
    pub fn counter_key(&self, record: &Record) -> Key<'_> {
        let id = mix64(record.object ^ COUNTER_SALT) & NAME_MASK;
        self.names.key_of_len(id, self.key_len(record))
    }

    fn key_len(&self, record: &Record) -> usize {
        match self.config.format {
            TraceFormat::Csv => record.key_size as usize,
            TraceFormat::OracleGeneral => ORACLE_KEY,
        }
    }

    /// A value of `record`'s value size (at most 1 MiB).
    pub fn value(&self, record: &Record) -> &[u8] {
        let len = record.value_size.min(MAX_VALUE_LEN) as usize;
        let at = (mix64(record.object ^ VALUE_AT_SALT) % u64::from(OFFSET_SPAN)) as usize;
        self.block.get(at..at + len).unwrap_or_default()
    }

    /// The feed of the worker thread whose connections are `first` and
    /// the `count` after it.
    ///
    /// # Errors
    /// The reader's [`TraceError::Open`].
    pub fn feed(&self, first: u32, count: u32) -> Result<TraceFeed, TraceError> {
        Ok(TraceFeed::new(
            TraceReader::open(&self.config)?,
            first,
            count,
        ))
    }
}

impl fmt::Debug for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Trace")
            .field("config", &self.config)
            .field("first", &self.first)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
