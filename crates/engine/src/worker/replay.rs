//! The worker's side of a trace replay: its feed reads the trace and hands
//! each record to its connection's source; connections that got records
//! are driven again, and a dead connection's records are counted as never
//! sent.

use super::Worker;
use crate::conn::Delivered;
use memaslap_workload::{Source, Trace, TraceFeed};
use std::time::Instant;

/// A worker's trace feed and the trace it reads.
pub(super) struct Replay<'w> {
    pub(super) feed: TraceFeed,
    pub(super) trace: &'w Trace,
    /// Connections handed something since they were last driven.
    pub(super) fed: Vec<bool>,
    /// Records are due at the trace's times.
    pub(super) timed: bool,
}

impl<'w, S: Source<'w>> Worker<'w, S> {
    /// Replays `trace` through `feed` into the connections' sources;
    /// `timed`: at the trace's times, measuring each request's lag behind
    /// them.
    pub fn with_replay(
        mut self,
        replay: Option<(TraceFeed, &'w Trace)>,
        timed: bool,
    ) -> Worker<'w, S> {
        self.replay = replay.map(|(feed, trace)| Replay {
            feed,
            trace,
            fed: vec![false; self.conns.len()],
            timed,
        });
        if timed && self.replay.is_some() {
            self.stats.open = Some(Box::default());
        }
        self
    }

    /// Whether requests fall due at given times (the open loop or a timed
    /// replay), so that the thread keeps precise timers.
    pub(super) fn keeps_time(&self) -> bool {
        self.open.is_some() || self.replay.as_ref().is_some_and(|r| r.timed)
    }

    /// Hands the connections the records their queues have room for and
    /// drives those that got any.
    pub(super) fn feed(&mut self, now: Instant, issuing: bool) {
        let Some(replay) = &mut self.replay else {
            return;
        };
        if replay.feed.ended() || !issuing {
            return;
        }
        let (conns, stats, fed) = (&mut self.conns, &mut self.stats, &mut replay.fed);
        let mut any = false;
        replay.feed.fill(replay.trace, |local, delivery| {
            let Some(conn) = conns.get_mut(local) else {
                return true;
            };
            match conn.deliver(delivery) {
                Delivered::Taken => {
                    if let Some(flag) = fed.get_mut(local) {
                        *flag = true;
                    }
                    any = true;
                    true
                }
                Delivered::Full => false,
                Delivered::Dropped => {
                    stats.counters.requests_dropped += 1;
                    true
                }
            }
        });
        if !any {
            return;
        }
        for i in 0..self.conns.len() {
            let fed = self
                .replay
                .as_mut()
                .and_then(|r| r.fed.get_mut(i))
                .is_some_and(std::mem::take);
            if fed {
                self.with_conn(i, issuing, |conn, ctx| conn.handle_timeout(now, ctx));
            }
        }
        // A connection told the trace ended may have had its last record
        // sent already: count again.
        self.without_work = self.conns.iter().filter(|c| !c.has_work()).count();
    }

    /// The records still queued when issuing stops: never sent.
    pub(super) fn close_queues(&mut self) {
        if self.replay.is_some() {
            let queued: usize = self.conns.iter().map(|c| c.queued()).sum();
            self.stats.counters.backlog_at_end += queued as u64;
        }
    }
}
