//! The load engine of memaslap-rs: threads, each with a poller and its share
//! of the connections, driving one explicit state machine per connection,
//! scheduling, timers, verification and per-thread statistics merged by the
//! reporter, with the CPU each worker thread spent ([`ClientCpu`], read at
//! its start, its snapshots and its end, never per request).
//!
//! It composes `memaslap-workload` (what to send) and `memaslap-transport`
//! (where to send it), and re-exports what its callers need of them, so that
//! a caller depends on the engine and the workload only. It does not parse
//! flags or print reports, and it opens no socket itself.
//!
//! Each kind of variation has one seam here:
//! - **transport**: a connection talks to its sockets only
//!   through [`memaslap_transport::Transport`]; it is unit-tested against a
//!   scripted transport;
//! - **protocol**: one codec per wire protocol behind the exchange's
//!   `Codec` trait of the exchange ([`Exchange`]);
//! - **when to send**: one [`Schedule`] per connection (depth and pace);
//! - **what to send**: the workload's generator.
#![forbid(unsafe_code)]

mod config;
mod conn;
mod death;
mod exchange;
mod failure;
mod inbuf;
mod latency;
mod outage;
mod rejection;
mod run;
mod schedule;
mod stats;
mod worker;

pub use config::{
    ConfigError, EngineConfig, MAX_BACKLOG, Mode, OpenLoopConfig, START_SLACK, Stop, longest_value,
};
pub use death::{Death, Deaths};
pub use exchange::{Done, Exchange, Largest, MAX_SLICES, Protocol, largest_requests};
pub use failure::VerifyFailure;
pub use latency::{Latency, Moments, RestoreError};
pub use memaslap_transport::{
    Login, MAX_REQUEST, ParseServerError, Scheme, Server, TlsClient, TlsOptions, TlsSetupError,
    TransportError, TransportEvent, Trust,
};
pub use outage::{During, MAX_OUTAGES, Outage};
pub use rejection::Rejections;
pub use run::{
    BUSY_SHARE, ClientCpu, IntervalSummary, Outcome, Report, RunError, SavedInterval, run,
};
pub use schedule::{
    ArrivalKind, Arrivals, LATEST_DUE, OpenLoop, Pace, Pacer, Schedule, TraceClock, Wake,
};
pub use stats::{CommandCounts, CommandLatency, Counters, Errors, OpenLatency, Stats, TlsStats};
