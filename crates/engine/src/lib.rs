//! The load engine of memaslap-rs: threads, each with a poller and its share
//! of the connections, driving one explicit state machine per connection,
//! pacing, timers, verification and per-thread statistics merged by the
//! reporter.
//!
//! It composes `memaslap-workload` (what to send) and `memaslap-transport`
//! (where to send it). It does not parse flags or print reports.

pub mod config;
pub mod conn;
pub mod exchange;
pub mod failure;
pub mod inbuf;
pub mod latency;
pub mod outage;
pub mod run;
pub mod schedule;
pub mod stats;
pub mod worker;
