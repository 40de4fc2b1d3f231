//! What a worker tells the reporter: its statistics at every interval and
//! at the end, and what happens as it happens.

use crate::failure::VerifyFailure;
use crate::outage::Sighting;
use crate::rejection::Rejections;
use crate::stats::Stats;
use memaslap_transport::TransportEvent;

/// What a worker tells the reporter.
#[derive(Debug)]
pub enum Message {
    /// Statistics of one interval, numbered from 1.
    Interval {
        /// The interval's number.
        index: u64,
        /// What happened in it on this thread.
        stats: Box<Stats>,
        /// The CPU the thread used in it, where the system tells.
        cpu: Option<memaslap_transport::CpuTimes>,
    },
    /// Disconnects and reconnects, as they happen.
    Events(Vec<TransportEvent>),
    /// Failed checks in detail (`-b`), as they happen.
    Failures(Vec<VerifyFailure>),
    /// What the worker saw during server outages, as its sightings close
    /// (and those still open at the end).
    Sightings(Vec<Sighting>),
    /// The worker finished; `stats` holds what happened since its last
    /// interval.
    Finished {
        /// What happened since the last interval.
        stats: Box<Stats>,
        /// Connections that ended dead.
        dead: usize,
        /// Of them, by what ended them.
        deaths: crate::death::Deaths,
        /// Connections the worker had.
        connections: usize,
        /// Its connections that never completed a request, by why.
        rejections: Box<Rejections>,
        /// The CPU the thread used since its last interval, where the
        /// system tells (its intervals' and this add up to its run's).
        cpu: Option<memaslap_transport::CpuTimes>,
    },
}
