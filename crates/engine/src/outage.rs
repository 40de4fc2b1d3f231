//! Server outages seen during a run: when a server's sockets were lost,
//! how long until the last of them came back, and what the requests
//! looked like meanwhile.
//!
//! Windows come from the transports' `Disconnected`, `RetryFailed` and
//! `Reconnected` events. Lost sockets that all come back without a failed
//! attempt (the server closed them but still accepts) are no outage; what happened during an outage comes from the reporting
//! intervals that overlap it (the engine keeps no finer record), so the
//! counts and latencies cover somewhat more than the outage itself.

use crate::latency::Latency;
use crate::stats::{Counters, Stats};
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
    /// The span of the reporting intervals overlapping the outage, since
    /// the run started (`None` if none ended while it lasted).
    pub intervals: Option<(Duration, Duration)>,
    /// What happened in those intervals, on every server.
    pub during: During,
}

/// What happened in the intervals overlapping an outage.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct During {
    /// Every counter.
    pub counters: Counters,
    /// 99th percentile latency of the requests completed.
    pub p99: Duration,
    /// The slowest of them.
    pub max: Duration,
}

/// Outages recorded at most; later ones are only counted.
pub const MAX_OUTAGES: usize = 1000;

/// An outage being followed.
#[derive(Debug)]
struct Tracked {
    server: Server,
    begin: Instant,
    end: Option<Instant>,
    /// When each socket still down was lost.
    down: Vec<Instant>,
    sockets: u64,
    /// Whether an attempt to reconnect failed while it lasted.
    refused: bool,
    intervals: Option<(Duration, Duration)>,
    counters: Counters,
    summarised: bool,
    /// Latencies until the outage and the intervals overlapping it are
    /// over; then only `summary` is kept.
    latency: Option<Box<Latency>>,
    summary: (Duration, Duration),
}

impl Tracked {
    fn summarise(&mut self) {
        if let Some(l) = self.latency.take() {
            self.summary = (l.quantile(0.99), l.max());
        }
        self.summarised = true;
    }
}

/// Follows the outages of every server from socket events and interval
/// statistics, in whatever order they arrive.
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
            TransportEvent::Disconnected { server, at, .. } => {
                if let Some(t) = self.open(server) {
                    t.down.push(*at);
                    t.sockets += 1;
                } else if self.tracked.len() >= MAX_OUTAGES {
                    self.more += 1;
                } else {
                    self.tracked.push(Tracked {
                        server: server.clone(),
                        begin: *at,
                        end: None,
                        down: vec![*at],
                        sockets: 1,
                        refused: false,
                        intervals: None,
                        counters: Counters::default(),
                        summarised: false,
                        latency: None,
                        summary: (Duration::ZERO, Duration::ZERO),
                    });
                }
            }
            TransportEvent::Reconnected {
                server,
                down_since,
                at,
                ..
            } => {
                let Some(k) = self.open_index(server) else {
                    return;
                };
                let Some(t) = self.tracked.get_mut(k) else {
                    return;
                };
                if let Some(i) = t.down.iter().position(|d| d == down_since) {
                    t.down.swap_remove(i);
                    if t.down.is_empty() {
                        t.end = Some(*at);
                        if !t.refused {
                            self.tracked.swap_remove(k);
                        }
                    }
                }
            }
            TransportEvent::RetryFailed { server, .. } => {
                if let Some(t) = self.open(server) {
                    t.refused = true;
                }
            }
        }
    }

    /// Adds the statistics of the time from `from` to `to` (since the
    /// start) to every outage that overlaps it. An outage that ended
    /// within it keeps only its latency summary from then on (intervals
    /// come in order).
    pub(crate) fn period(&mut self, from: Duration, to: Duration, stats: &Stats) {
        let start = self.start;
        for t in &mut self.tracked {
            if t.summarised {
                continue;
            }
            let latency = t.latency.get_or_insert_with(Box::default);
            let begin = t.begin.saturating_duration_since(start);
            let end = t.end.map(|e| e.saturating_duration_since(start));
            if begin < to && end.is_none_or(|e| e > from) {
                t.counters.merge(&stats.counters);
                latency.merge(&stats.get);
                latency.merge(&stats.set);
                t.intervals = Some(match t.intervals {
                    Some((a, b)) => (a.min(from), b.max(to)),
                    None => (from, to),
                });
            }
            if end.is_some_and(|e| e <= to) {
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
            .map(|mut t| {
                t.summarise();
                Outage {
                    start: t.begin.saturating_duration_since(start),
                    length: t.end.unwrap_or(end).saturating_duration_since(t.begin),
                    back: t.end.is_some(),
                    server: t.server,
                    sockets: t.sockets,
                    intervals: t.intervals,
                    during: During {
                        counters: t.counters,
                        p99: t.summary.0,
                        max: t.summary.1,
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
mod tests {
    use super::*;
    use memaslap_transport::ResetReason;

    fn server(port: u16) -> Server {
        format!("127.0.0.1:{port}").parse().unwrap()
    }

    fn lost(port: u16, at: Instant) -> TransportEvent {
        TransportEvent::Disconnected {
            socket: 0,
            server: server(port),
            at,
            error: TransportError::NotConnected {
                servers: String::new(),
            },
            retry_at: None,
        }
    }

    fn back(port: u16, down_since: Instant, at: Instant) -> TransportEvent {
        TransportEvent::Reconnected {
            socket: 0,
            server: server(port),
            down_since,
            at,
        }
    }

    fn refused(port: u16, at: Instant) -> TransportEvent {
        TransportEvent::RetryFailed {
            socket: 0,
            server: server(port),
            at,
            error: TransportError::NotConnected {
                servers: String::new(),
            },
            retry_at: None,
        }
    }

    fn with_failures(n: u64) -> Stats {
        let mut s = Stats::default();
        s.counters.requests_failed = n;
        s.get.record(Duration::from_micros(n));
        s
    }

    #[test]
    fn an_outage_lasts_until_its_last_socket_is_back() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut o = Outages::new(t0);
        o.event(&lost(1, ms(1000)));
        o.event(&lost(1, ms(1100)));
        o.event(&refused(1, ms(1200)));
        o.event(&back(1, ms(1000), ms(1500)));
        o.period(Duration::ZERO, Duration::from_secs(1), &with_failures(1));
        o.period(
            Duration::from_secs(1),
            Duration::from_secs(2),
            &with_failures(2),
        );
        o.event(&back(1, ms(1100), ms(2200)));
        o.period(
            Duration::from_secs(2),
            Duration::from_secs(3),
            &with_failures(4),
        );
        o.period(
            Duration::from_secs(3),
            Duration::from_secs(4),
            &with_failures(8),
        );
        let (outages, more) = o.finish(ms(4000));
        assert_eq!((outages.len(), more), (1, 0));
        let a = &outages[0];
        assert_eq!((a.start, a.length), (ms(1000) - t0, ms(1200) - t0));
        assert!(a.back);
        assert_eq!(a.sockets, 2);
        assert_eq!(a.during.counters.requests_failed, 2 + 4);
        // The intervals after the outage's are not in its latency.
        assert_eq!(a.during.max, Duration::from_micros(4));
        assert_eq!(
            a.intervals,
            Some((Duration::from_secs(1), Duration::from_secs(3)))
        );
    }

    #[test]
    fn resets_and_sockets_back_at_once_are_not_outages() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut o = Outages::new(t0);
        o.event(&TransportEvent::Disconnected {
            socket: 0,
            server: server(1),
            at: ms(10),
            error: TransportError::Reset {
                server: server(1),
                reason: ResetReason::Protocol,
            },
            retry_at: None,
        });
        o.event(&back(1, ms(10), ms(20)));
        o.event(&lost(2, ms(500)));
        o.event(&lost(1, ms(600)));
        o.event(&back(1, ms(600), ms(600)));
        o.event(&lost(1, ms(700)));
        o.event(&refused(1, ms(800)));
        o.event(&back(1, ms(700), ms(900)));
        o.event(&lost(1, ms(1500)));
        let (outages, _) = o.finish(ms(2000));
        let view: Vec<_> = outages
            .iter()
            .map(|o| (o.server.to_string(), o.start, o.length, o.back))
            .collect();
        let d = Duration::from_millis;
        assert_eq!(
            view,
            vec![
                ("127.0.0.1:2".into(), d(500), d(1500), false),
                ("127.0.0.1:1".into(), d(700), d(200), true),
                ("127.0.0.1:1".into(), d(1500), d(500), false),
            ]
        );
    }

    #[test]
    fn outages_past_the_limit_are_counted() {
        let t0 = Instant::now();
        let mut o = Outages::new(t0);
        for i in 0..MAX_OUTAGES as u64 + 5 {
            let at = t0 + Duration::from_millis(i);
            o.event(&lost(1, at));
            o.event(&refused(1, at));
            o.event(&back(1, at, at));
            // The interval that ends the outage keeps only its summary.
            let to = Duration::from_millis(i + 1);
            o.period(
                to.saturating_sub(Duration::from_millis(1)),
                to,
                &Stats::default(),
            );
        }
        let (outages, more) = o.finish(t0 + Duration::from_secs(2));
        assert_eq!((outages.len(), more), (MAX_OUTAGES, 5));
    }
}
