//! memaslap's workload model: what to send and what to expect back.
mod config;
mod config_file;
mod error;

pub use config::{
    CommandMix, DEFAULT_WINDOW, MAX_DIVISION, MAX_KEY_LEN, MAX_VALUE_LEN, MAX_WINDOW, MIN_KEY_LEN,
    PREFIX_LEN, PROPORTION_TOLERANCE, SizeRange, WorkloadConfig,
};
pub use error::{ConfigError, Problem, Section};
