//! The bounds of the files the CLI reads whole, read with
//! [`read_capped`] (the workload crate's, which `-F` goes through too).

pub use memaslap_workload::read_capped;

/// The largest `--json` result read by `merge` and `report` (a day of
/// one-second intervals, each with its histogram, is some 200 MB).
pub const MAX_RESULT: u64 = 1 << 30;

/// The largest `--password-file`.
pub const MAX_PASSWORD_FILE: u64 = 64 << 10;
