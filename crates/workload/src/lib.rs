//! memaslap's workload model: what to send and what to expect back.
//!
//! - [`WorkloadConfig`]: memaslap's flags (`-w`, `-X`, `-v`, `-e`, `-o`,
//!   `-d`, `-a`) and `-F` file, with [`WorkloadConfig::validate`] and typed
//!   [`ConfigError`]s naming file, line and what was expected.
//! - [`Workload`]: built once from a configuration and a master seed
//!   ([`random_seed`] draws one): a shared block of random printable bytes
//!   that keys and values are sliced from, and shuffled tables of 1,024 key
//!   and value lengths in the configured proportions. Shared read-only by all
//!   threads.
//! - [`Source`]: the one API of a workload source, by task id: issue a
//!   task, then complete it — a set's outcome, or a check of each key of a
//!   get and its end. Tasks and results ([`Task`], [`SetTask`],
//!   [`GetKeys`], [`Verdict`], …) are the types at the bottom of the crate,
//!   shared by every source.
//! - [`Generator`]: memaslap's window model as a source, one per
//!   connection, with its own `rand_xoshiro` stream derived from the master
//!   seed, its window of `-w` items, memaslap's deterministic set/get mix,
//!   overwrites, multi-get batches and verification plan. It borrows keys
//!   and values from the block and allocates nothing per task.
//! - [`Popularity`]: which key of a keyspace of `N` keys a request picks,
//!   as a [`KeyDist`] says (uniform, zipf, gaussian, sequential, hotspot),
//!   drawn in O(1) without allocation, the hot keys scattered over the ids
//!   by a fixed permutation; [`KeyNames`] names key id `i` of such a
//!   keyspace with the same printable key in every run and on every
//!   machine, whatever the seed.
//! - [`Keyspace`] and [`KeyspaceSource`]: the keyspace model (`--keys`), a
//!   second source: `N` keys picked by a [`Popularity`], every item's key,
//!   value size and value bytes a function of its id, so that any run or
//!   machine verifies what any other stored.
//! - [`SizeDist`]: key and value sizes as a fixed size, a uniform range,
//!   the `-F` ranges or a named distribution (GEV, generalized Pareto; the
//!   ETC pool's fits), with the share clamped to memcached's limits.
//! - [`Command`] and [`Mix`] (`--mix`): every memcached command and its
//!   share; tasks are sets ([`Store`]), gets ([`Retrieve`]) or single-key
//!   commands ([`KeyTask`]).
//! - Trace replay ([`TraceReader`], [`TraceFeed`], [`TraceSource`]): the
//!   open Twitter trace format and libCacheSim's `oracleGeneral`, plain or
//!   zstd, streamed; each record handed to its connection's source and
//!   due at its time ([`Source::next_due`]).
//! - [`AnySource`]: every source behind one type, as
//!   [`Workload::source`] makes a connection's (the engine then builds each
//!   worker for the one model a run uses).
//! - [`read_capped`]: a file a user names (`-F`, and the CLI's other
//!   inputs) read whole, never past a bound.
//!
//! Keys are an 8-byte printable prefix, unique across all connections of a
//! run (each connection draws from its own range of the 2^48 prefixes), plus
//! a suffix slice of the block. The same seed and configuration give the same
//! tasks on every connection.
//!
//! It does not know sockets, protocols, clocks or statistics: time is passed
//! in as an [`Instant`](std::time::Instant), a trace's times are offsets on
//! its own clock that the engine's schedule keeps to, and the engine counts
//! what the returned [`Verdict`]s say. It reads files (`-F`, traces), never
//! the network.
//!
//! # Example
//!
//! A closed loop (one task at a time) against a pretend server that stores
//! everything:
//!
//! ```
//! use std::collections::HashMap;
//! use std::time::Instant;
//! use memaslap_workload::{GetKeys, SetOutcome, Source, Task, Verdict, Workload, WorkloadConfig};
//!
//! let config = WorkloadConfig { window: 100, verify: 1.0, division: 4, ..WorkloadConfig::default() };
//! let workload = Workload::new(&config, 42, 1).unwrap();
//! let mut generator = workload.generator(0).unwrap();
//! let mut server: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
//! let (mut request, mut key) = (Vec::new(), Vec::new());
//! let now = Instant::now(); // the engine's clock; here time stands still
//! for _ in 0..1000 {
//!     let (id, task) = generator.issue().expect("a closed loop always has a task");
//!     match task {
//!         Task::Set(set) => {
//!             // `set <key> 0 <exptime> <len>`, then the value straight from the block.
//!             key.clear();
//!             set.key.append_to(&mut key);
//!             server.insert(key.clone(), set.value.to_vec());
//!             generator.complete_set(id, SetOutcome::Stored, now);
//!         }
//!         Task::Get(batch) => {
//!             request.clear();
//!             request.extend_from_slice(b"get");
//!             for entry in batch.iter() {
//!                 request.push(b' ');
//!                 entry.key.append_to(&mut request);
//!             }
//!             // The request goes out; each key comes back with a value or not.
//!             for i in 0..generator.batch(id).len() {
//!                 let Some(entry) = generator.batch(id).get(i) else { continue };
//!                 key.clear();
//!                 entry.key.append_to(&mut key);
//!                 let answer = server.get(&key).map(Vec::as_slice);
//!                 assert_eq!(generator.check_get(id, i, answer, now), Some(Verdict::Ok));
//!             }
//!             generator.finish_get(id);
//!         }
//!         Task::Key(_) => unreachable!("the window model issues only sets and gets"),
//!     }
//! }
//! let counts = generator.counts();
//! assert!(counts.sets > 0 && counts.gets > 0);
//! assert_eq!(counts.data_checks, counts.gets);
//! ```
#![forbid(unsafe_code)]

mod any;
mod bytes;
mod command;
mod config;
mod config_file;
mod error;
mod files;
mod flight;
mod generator;
mod item;
mod keyspace;
mod names;
mod popularity;
mod prefetch;
mod seed;
mod size_dist;
mod sizes;
mod slots;
mod source;
mod space;
mod task;
mod trace;
mod uniques;
mod verify;
mod workload;

pub use any::{AnyKeys, AnySource, SourceKind};
pub use bytes::{ALPHABET, PREFIX_SPACE};
pub use command::{COMMANDS, Command, Mix, MixError};
pub use config::{
    CommandMix, DEFAULT_WINDOW, Instance, MAX_DIVISION, MAX_KEY_LEN, MAX_KEY_PREFIX, MAX_VALUE_LEN,
    MAX_WINDOW, MIN_KEY_LEN, PREFIX_LEN, PROPORTION_TOLERANCE, SizeRange, WorkloadConfig,
};
pub use error::{ConfigError, Problem, Section};
pub use files::read_capped;
pub use generator::{Counts, Generator, GetBatch};
pub use item::ITEM_BYTES;
pub use names::{KeyNames, NamesError};
pub use popularity::{KeyDist, KeyDistError, Popularity};
pub use seed::{OTHER_STREAMS, derive_seed, mix64, random_seed};
pub use size_dist::{Shape, SizeDist, SizeDistError};
pub use sizes::TABLE_LEN;
pub use source::Source;
pub use space::{Keyspace, KeyspaceBatch, KeyspaceConfig, KeyspaceSource};
pub use task::{
    Check, GetEntry, GetKeys, Key, KeyOp, KeyOutcome, KeyTask, MAX_DEPTH, Op, Retrieve, SetKind,
    SetOutcome, SetTask, Store, Task, TaskId, Verdict,
};
pub use trace::{
    Delivery, Record, Trace, TraceBatch, TraceConfig, TraceError, TraceFeed, TraceFormat,
    TracePlan, TraceReader, TraceSource, TraceSummary, scan,
};
pub use verify::{EXPIRE_MARGIN, EXPIRE_TTL};
pub use workload::Workload;
