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
//! - [`Generator`]: one per connection, with its own `rand_xoshiro` stream
//!   derived from the master seed, its window of `-w` items, memaslap's
//!   deterministic set/get mix, overwrites, multi-get batches and
//!   verification plan. [`Generator::next_task`] borrows keys and values from
//!   the block and allocates nothing; results go back through
//!   [`Generator::complete_set`] and [`Generator::check_get`].
//!
//! Keys are an 8-byte printable prefix, unique across all connections of a
//! run (each connection draws from its own range of the 2^48 prefixes), plus
//! a suffix slice of the block. The same seed and configuration give the same
//! tasks on every connection.
//!
//! It does not know sockets, protocols, clocks or statistics: time is passed
//! in as an [`Instant`](std::time::Instant), and the engine counts what the
//! returned [`Verdict`]s say.
//!
//! # Example
//!
//! A closed loop against a pretend server that stores everything:
//!
//! ```
//! use std::collections::HashMap;
//! use std::time::Instant;
//! use memaslap_workload::{SetOutcome, Task, Verdict, Workload, WorkloadConfig};
//!
//! let config = WorkloadConfig { window: 100, verify: 1.0, division: 4, ..WorkloadConfig::default() };
//! let workload = Workload::new(&config, 42, 1).unwrap();
//! let mut generator = workload.generator(0).unwrap();
//! let mut server: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
//! let (mut request, mut key) = (Vec::new(), Vec::new());
//! let now = Instant::now(); // the engine's clock; here time stands still
//! for _ in 0..1000 {
//!     match generator.next_task() {
//!         Task::Set(set) => {
//!             // `set <key> 0 <exptime> <len>`, then the value straight from the block.
//!             key.clear();
//!             set.key.append_to(&mut key);
//!             server.insert(key.clone(), set.value.to_vec());
//!             generator.complete_set(SetOutcome::Stored, now);
//!         }
//!         Task::Get(batch) => {
//!             request.clear();
//!             request.extend_from_slice(b"get");
//!             for entry in batch.iter() {
//!                 request.push(b' ');
//!                 entry.key.append_to(&mut request);
//!             }
//!             // The request goes out; each key comes back with a value or not.
//!             for i in 0..generator.batch().len() {
//!                 let Some(entry) = generator.batch().get(i) else { continue };
//!                 key.clear();
//!                 entry.key.append_to(&mut key);
//!                 let answer = server.get(&key).map(Vec::as_slice);
//!                 assert_eq!(generator.check_get(i, answer, now), Some(Verdict::Ok));
//!             }
//!         }
//!     }
//! }
//! let counts = generator.counts();
//! assert!(counts.sets > 0 && counts.gets > 0);
//! assert_eq!(counts.data_checks, counts.gets);
//! ```
#![forbid(unsafe_code)]

mod bytes;
mod config;
mod config_file;
mod error;
mod flight;
mod generator;
mod item;
mod keyspace;
mod seed;
mod sizes;
mod task;
mod verify;
mod workload;

pub use bytes::{ALPHABET, PREFIX_SPACE};
pub use config::{
    CommandMix, DEFAULT_WINDOW, MAX_DIVISION, MAX_KEY_LEN, MAX_VALUE_LEN, MAX_WINDOW, MIN_KEY_LEN,
    PREFIX_LEN, PROPORTION_TOLERANCE, SizeRange, WorkloadConfig,
};
pub use error::{ConfigError, Problem, Section};
pub use flight::{MAX_DEPTH, TaskId};
pub use generator::{Counts, Generator};
pub use seed::{OTHER_STREAMS, derive_seed, mix64, random_seed};
pub use sizes::TABLE_LEN;
pub use task::{Check, GetBatch, GetEntry, Key, SetKind, SetOutcome, SetTask, Task, Verdict};
pub use verify::{EXPIRE_MARGIN, EXPIRE_TTL};
pub use workload::Workload;
