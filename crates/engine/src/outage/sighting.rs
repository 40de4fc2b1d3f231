//! One worker's view of server outages: from the loss of its first socket
//! to a server until the last of them is back, what its requests looked
//! like. The reporter adds the sightings of every worker to the outage they
//! belong to.
//!
//! Counters come from copies of the worker's counters taken when a sighting
//! opens, at every interval's end and when it closes, so nothing is added
//! per request but the latency of the requests completed while a sighting is
//! open.

use crate::latency::Latency;
use crate::stats::Counters;
use memaslap_transport::{Server, TransportError, TransportEvent};
use std::time::Instant;

/// What one worker saw during one outage of one server.
#[derive(Debug)]
pub struct Sighting {
    /// The server.
    pub server: Server,
    /// When the worker lost its first socket to it.
    pub begin: Instant,
    /// When its last lost socket came back (`None`: not by the end).
    pub end: Option<Instant>,
    /// What the worker counted meanwhile, on every server.
    pub counters: Counters,
    /// Latencies of the requests it completed meanwhile.
    pub latency: Box<Latency>,
}

/// A sighting still open.
#[derive(Debug)]
struct Open {
    sighting: Sighting,
    /// When each socket still down was lost.
    down: Vec<Instant>,
    /// The worker's counters when the sighting opened or when its interval
    /// last ended.
    mark: Counters,
}

/// The sightings of one worker: those open, and those closed and not yet
/// handed to the reporter.
#[derive(Debug, Default)]
pub(crate) struct Sightings {
    open: Vec<Open>,
    closed: Vec<Sighting>,
}

impl Sightings {
    /// A socket to a server was lost (`event` is `Disconnected`); `counters`
    /// are the worker's now, and `failed_by_it` the requests that failed
    /// with the socket, already in `counters`, which belong to the outage.
    /// Sockets this side reset (protocol error, timeout) open no sighting.
    pub(crate) fn lost(&mut self, event: &TransportEvent, counters: &Counters, failed_by_it: u64) {
        let TransportEvent::Disconnected {
            server, at, error, ..
        } = event
        else {
            return;
        };
        if matches!(error, TransportError::Reset { .. }) {
            return;
        }
        if let Some(open) = self.open.iter_mut().find(|o| o.sighting.server == *server) {
            open.down.push(*at);
            return;
        }
        let mut mark = *counters;
        mark.requests_failed = mark.requests_failed.saturating_sub(failed_by_it);
        self.open.push(Open {
            sighting: Sighting {
                server: server.clone(),
                begin: *at,
                end: None,
                counters: Counters::default(),
                latency: Box::default(),
            },
            down: vec![*at],
            mark,
        });
    }

    /// A lost socket came back (`event` is `Reconnected`); `counters` are
    /// the worker's now. The sighting closes with its last socket.
    pub(crate) fn back(&mut self, event: &TransportEvent, counters: &Counters) {
        let TransportEvent::Reconnected {
            server,
            down_since,
            at,
            ..
        } = event
        else {
            return;
        };
        let Some(k) = self.open.iter().position(|o| o.sighting.server == *server) else {
            return;
        };
        let Some(open) = self.open.get_mut(k) else {
            return;
        };
        let Some(i) = open.down.iter().position(|d| d == down_since) else {
            return;
        };
        open.down.swap_remove(i);
        if open.down.is_empty() {
            let mut open = self.open.swap_remove(k);
            open.sighting.counters.merge(&counters.since(&open.mark));
            open.sighting.end = Some(*at);
            self.closed.push(open.sighting);
        }
    }

    /// Records the latency of a request completed now.
    pub(crate) fn record(&mut self, latency: std::time::Duration) {
        for open in &mut self.open {
            open.sighting.latency.record(latency);
        }
    }

    /// The worker's interval ends with `counters`, which it then resets.
    pub(crate) fn interval_end(&mut self, counters: &Counters) {
        for open in &mut self.open {
            open.sighting.counters.merge(&counters.since(&open.mark));
            open.mark = Counters::default();
        }
    }

    /// The sightings closed since the last call.
    pub(crate) fn take_closed(&mut self) -> Vec<Sighting> {
        std::mem::take(&mut self.closed)
    }

    /// Whether a sighting closed since the last [`Sightings::take_closed`].
    pub(crate) fn has_closed(&self) -> bool {
        !self.closed.is_empty()
    }

    /// The run ends with `counters`: every sighting still open is closed
    /// without an end, to be handed out with the others.
    pub(crate) fn close_all(&mut self, counters: &Counters) {
        for mut open in self.open.drain(..) {
            open.sighting.counters.merge(&counters.since(&open.mark));
            self.closed.push(open.sighting);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_events::{back, lost, server};
    use super::*;
    use memaslap_transport::ResetReason;
    use std::time::Duration;

    #[test]
    fn a_window_counts_from_the_first_loss_to_the_last_return() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut w = Sightings::default();
        let mut c = Counters {
            requests_completed: 100,
            requests_failed: 3,
            ..Counters::default()
        };
        // Two requests failed with the first socket: they are the outage's.
        w.lost(&lost(1, ms(10)), &c, 2);
        w.lost(&lost(1, ms(20)), &c, 0);
        c.requests_failed += 1;
        w.record(Duration::from_micros(700));
        w.interval_end(&c);
        // The interval's counters are reset.
        c = Counters {
            requests_completed: 5,
            ..Counters::default()
        };
        w.back(&back(1, ms(10), ms(30)), &c);
        assert!(!w.has_closed());
        c.requests_completed = 7;
        w.back(&back(1, ms(20), ms(40)), &c);
        c.requests_completed = 50;
        let closed = w.take_closed();
        assert_eq!(closed.len(), 1);
        let win = &closed[0];
        assert_eq!((win.begin, win.end), (ms(10), Some(ms(40))));
        assert_eq!(win.counters.requests_failed, 2 + 1);
        assert_eq!(win.counters.requests_completed, 7);
        assert_eq!(win.latency.count(), 1);
        assert_eq!(win.latency.max(), Duration::from_micros(700));
        // Nothing is recorded once closed.
        w.record(Duration::from_micros(900));
        w.close_all(&c);
        assert!(w.take_closed().is_empty());
    }

    #[test]
    fn resets_open_no_window_and_open_ones_end_with_the_run() {
        let t0 = Instant::now();
        let mut w = Sightings::default();
        let c = Counters::default();
        w.lost(
            &TransportEvent::Disconnected {
                socket: 0,
                server: server(1),
                at: t0,
                error: TransportError::Reset {
                    server: server(1),
                    reason: ResetReason::Timeout,
                },
                retry_at: None,
            },
            &c,
            1,
        );
        w.back(&back(1, t0, t0), &c);
        w.close_all(&c);
        assert!(w.take_closed().is_empty());
        w.lost(&lost(2, t0), &c, 0);
        w.lost(&lost(3, t0), &c, 0);
        let mut end = c;
        end.requests_timed_out = 4;
        w.close_all(&end);
        let left = w.take_closed();
        assert_eq!(left.len(), 2);
        assert!(left.iter().all(|x| x.end.is_none()));
        assert!(left.iter().all(|x| x.counters.requests_timed_out == 4));
    }
}
