//! memaslap's workload model: what to send and what to expect back.
//!
//! It will own key and value size distributions (from flags or a `-F` config
//! file), the shared block of printable bytes that keys and values are sliced
//! from, per-connection item windows, the deterministic set/get mix,
//! multi-get batching, verification and expiry plans, and seeding.
//!
//! It does not know sockets, clocks (time is passed in) or statistics.
