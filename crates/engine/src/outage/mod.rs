//! Server outages seen during a run: when a server's sockets were lost,
//! how long until the last of them came back, and what the requests
//! looked like meanwhile.
//!
//! Outages come from the transports' `Disconnected`, `RetryFailed` and
//! `Reconnected` events. Lost sockets that all come back without a failed
//! attempt (the server closed them but still accepts) are no outage. What
//! happened during an outage comes from the workers' [`Sighting`]s: each
//! worker counts from the loss of its first socket to the server until its
//! last one is back, so the counts cover exactly the time that worker's
//! connections were without the server.

mod sighting;

pub use sighting::Sighting;
pub(crate) use sighting::Sightings;

use crate::latency::Latency;
use crate::stats::Counters;
use memaslap_transport::{Server, TransportError, TransportEvent};
use std::time::{Duration, Instant};

/// One outage of one server.
#[derive(Debug, Clone)]
pub struct Outage {
    /// The server.
    pub server: Server,
    /// When its first socket was lost, since the run started.
    pub start: Duration,
    /// Until its last lost socket came back, or until the run ended.
    pub length: Duration,
    /// Whether every lost socket came back before the end.
    pub back: bool,
    /// Sockets lost during the outage.
    pub sockets: u64,
    /// For an outage that ended: from the last refused attempt to reconnect
    /// until the last socket was back. The server came back after that
    /// attempt, so every socket was back within this time of its return.
    pub noticed_within: Option<Duration>,
    /// What the requests of the connections that used the server looked
    /// like while they were without it.
    pub during: During,
}

/// What happened during an outage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct During {
    /// Every counter, on every server, of the threads that lost sockets to
    /// the server, while they had one down.
    pub counters: Counters,
    /// 99th percentile latency of the requests completed meanwhile.
    pub p99: Duration,
    /// The slowest of them.
    pub max: Duration,
}

/// A socket of a server lost again this soon after all had come back
/// without a refused attempt continues the same outage (a reconnect that
/// reached a dying server before its listener closed).
const REJOIN: Duration = Duration::from_secs(1);

/// Outages recorded at most; later ones are only counted.
pub const MAX_OUTAGES: usize = 1000;

/// How long after an outage ended the sightings of slower workers may still
/// come with their latencies; then only a summary of them is kept.
const LATE_WINDOWS: Duration = Duration::from_secs(2);

/// An outage being followed.
#[derive(Debug)]
struct Tracked {
    server: Server,
    begin: Instant,
    end: Option<Instant>,
    /// When each socket still down was lost.
    down: Vec<Instant>,
    sockets: u64,
    /// The last failed attempt to reconnect while it lasted.
    refused: Option<Instant>,
    counters: Counters,
    /// Latencies of the sightings, until the outage has been over for
    /// [`LATE_WINDOWS`]; then only `summary` is kept.
    latency: Option<Box<Latency>>,
    summary: Option<(Duration, Duration)>,
}

impl Tracked {
    fn summarise(&mut self) {
        if self.summary.is_none() {
            let l = self.latency.take();
            self.summary = Some(l.map_or((Duration::ZERO, Duration::ZERO), |l| {
                (l.quantile(0.99), l.max())
            }));
        }
    }

    /// Whether `sighting` lies within this outage of its server.
    fn holds(&self, sighting: &Sighting) -> bool {
        self.server == sighting.server
            && self.begin <= sighting.begin
            && self.end.is_none_or(|e| sighting.begin <= e)
    }
}

/// Follows the outages of every server from socket events and the
/// workers' sightings, in whatever order they arrive.
#[derive(Debug)]
pub(crate) struct Outages {
    start: Instant,
    tracked: Vec<Tracked>,
    /// Outages past [`MAX_OUTAGES`].
    more: u64,
}

impl Outages {
    /// No outage yet in a run started at `start`.
    pub(crate) fn new(start: Instant) -> Outages {
        Outages {
            start,
            tracked: Vec::new(),
            more: 0,
        }
    }

    /// Takes a socket event into account. Sockets this side reset (after
    /// a protocol error or a timeout) are not outages of the server.
    pub(crate) fn event(&mut self, event: &TransportEvent) {
        match event {
            TransportEvent::Disconnected {
                error: TransportError::Reset { .. },
                ..
            } => {}
            TransportEvent::Disconnected { server, at, .. } => self.lost(server, *at),
            TransportEvent::Reconnected {
                server,
                down_since,
                at,
                ..
            } => self.back(server, *down_since, *at),
            TransportEvent::RetryFailed { server, at, .. } => {
                if let Some(t) = self.open(server) {
                    t.refused = Some(*at);
                }
            }
            TransportEvent::Secured { .. } => {}
        }
    }

    fn lost(&mut self, server: &Server, at: Instant) {
        let rejoined = self.tracked.iter_mut().rev().find(|t| {
            t.server == *server && t.refused.is_none() && t.end.is_some_and(|e| at <= e + REJOIN)
        });
        if let Some(t) = rejoined {
            t.end = None;
        }
        if let Some(t) = self.open(server) {
            // Threads report in their own time: a loss seen first may be
            // reported second, and the outage begins with the earliest.
            t.begin = t.begin.min(at);
            t.down.push(at);
            t.sockets += 1;
        } else if self.tracked.len() >= MAX_OUTAGES {
            self.more += 1;
        } else {
            self.tracked.push(Tracked {
                server: server.clone(),
                begin: at,
                end: None,
                down: vec![at],
                sockets: 1,
                refused: None,
                counters: Counters::default(),
                latency: None,
                summary: None,
            });
        }
    }

    fn back(&mut self, server: &Server, down_since: Instant, at: Instant) {
        let Some(k) = self.open_index(server) else {
            return;
        };
        let Some(t) = self.tracked.get_mut(k) else {
            return;
        };
        if let Some(i) = t.down.iter().position(|d| *d == down_since) {
            t.down.swap_remove(i);
            if t.down.is_empty() {
                // Without a refused attempt it is no outage, unless a socket
                // is lost again soon (see [`REJOIN`]).
                t.end = Some(at);
            }
        }
    }

    /// Adds what one worker saw to the outage it belongs to (none when the
    /// sockets came back without a refused attempt).
    pub(crate) fn sighting(&mut self, sighting: &Sighting) {
        let Some(t) = self.tracked.iter_mut().find(|t| t.holds(sighting)) else {
            return;
        };
        t.counters.merge(&sighting.counters);
        match (&mut t.latency, t.summary) {
            (Some(l), _) => l.merge(&sighting.latency),
            (None, None) => t.latency = Some(sighting.latency.clone()),
            // Too late for the percentiles: the counters are still exact.
            (None, Some(_)) => {}
        }
    }

    /// Keeps only the latency summary of outages over for a while at `now`,
    /// and forgets sockets that came back at once.
    pub(crate) fn age(&mut self, now: Instant) {
        self.tracked
            .retain(|t| t.refused.is_some() || t.end.is_none_or(|e| now < e + REJOIN));
        for t in &mut self.tracked {
            if t.end.is_some_and(|e| e + LATE_WINDOWS <= now) {
                t.summarise();
            }
        }
    }

    /// The outages of a run that ended at `end`, by start, and how many
    /// more there were past [`MAX_OUTAGES`].
    pub(crate) fn finish(self, end: Instant) -> (Vec<Outage>, u64) {
        let start = self.start;
        let mut outages: Vec<Outage> = self
            .tracked
            .into_iter()
            .filter(|t| t.refused.is_some() || t.end.is_none())
            .map(|mut t| {
                t.summarise();
                let (p99, max) = t.summary.unwrap_or_default();
                Outage {
                    start: t.begin.saturating_duration_since(start),
                    length: t.end.unwrap_or(end).saturating_duration_since(t.begin),
                    back: t.end.is_some(),
                    server: t.server,
                    sockets: t.sockets,
                    noticed_within: t
                        .end
                        .zip(t.refused)
                        .map(|(e, r)| e.saturating_duration_since(r)),
                    during: During {
                        counters: t.counters,
                        p99,
                        max,
                    },
                }
            })
            .collect();
        outages.sort_by_key(|o| o.start);
        (outages, self.more)
    }

    fn open(&mut self, server: &Server) -> Option<&mut Tracked> {
        let k = self.open_index(server)?;
        self.tracked.get_mut(k)
    }

    fn open_index(&self, server: &Server) -> Option<usize> {
        self.tracked
            .iter()
            .position(|t| t.end.is_none() && t.server == *server)
    }
}

#[cfg(test)]
mod test_events;
#[cfg(test)]
mod tests;
