//! One thread's open loop: requests fall due at the times its
//! [`Arrivals`] draw, whether or not replies came back, and wait in a
//! bounded backlog until a connection has room for them. Their clock runs
//! from the time they fell due. Past the backlog's bound, due requests are
//! dropped and counted, never sent.

use super::arrival::Arrivals;
use crate::stats::Counters;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Due requests waiting for a connection, oldest first: a ring sized once.
#[derive(Debug, Clone)]
struct Backlog {
    /// Intended send times, in ns since the start.
    ring: VecDeque<u64>,
    capacity: usize,
}

impl Backlog {
    fn new(capacity: usize) -> Backlog {
        let capacity = capacity.max(1);
        Backlog {
            ring: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    /// False, and nothing kept, when full.
    fn push(&mut self, due: u64) -> bool {
        if self.ring.len() >= self.capacity {
            return false;
        }
        self.ring.push_back(due);
        true
    }
}

/// One thread's arrivals and the backlog of requests due but not sent.
#[derive(Debug, Clone)]
pub struct OpenLoop {
    arrivals: Arrivals,
    backlog: Backlog,
    start: Instant,
    /// When the next request falls due: `start` plus its ns, kept so that
    /// each pass of the worker's loop compares times without converting.
    next_at: Instant,
}

impl OpenLoop {
    /// Requests due as `arrivals` draw them from `start` on, at most
    /// `max_backlog` (at least 1) waiting at a time.
    pub fn new(arrivals: Arrivals, max_backlog: usize, start: Instant) -> OpenLoop {
        let mut open = OpenLoop {
            arrivals,
            backlog: Backlog::new(max_backlog),
            start,
            next_at: start,
        };
        open.next_at = open.next_due_at();
        open
    }

    /// Moves the start, and so every arrival, to `start` (the run's clock
    /// starts once the connections are set up).
    pub fn starts_at(&mut self, start: Instant) {
        self.start = start;
        self.next_at = self.next_due_at();
    }

    /// When the next request falls due.
    pub fn next_arrival(&self) -> Instant {
        self.next_at
    }

    /// The next arrival's time, converted from its ns since the start.
    fn next_due_at(&self) -> Instant {
        self.at(self.arrivals.next_due())
    }

    fn at(&self, ns: u64) -> Instant {
        self.start + Duration::from_nanos(ns)
    }

    /// Every request due by `now` joins the backlog, or is dropped when it
    /// is full; both are counted.
    pub fn arrive(&mut self, now: Instant, counters: &mut Counters) {
        while self.next_at <= now {
            let due = self.arrivals.advance();
            self.next_at = self.next_due_at();
            counters.requests_due += 1;
            if !self.backlog.push(due) {
                counters.requests_dropped += 1;
            }
        }
    }

    /// The oldest request waiting: its intended send time.
    pub fn take(&mut self) -> Option<Instant> {
        let due = self.backlog.ring.pop_front()?;
        Some(self.at(due))
    }

    /// Puts back a request [`OpenLoop::take`] gave that no connection took.
    pub fn put_back(&mut self, intended: Instant) {
        let ns = intended.saturating_duration_since(self.start).as_nanos();
        self.backlog
            .ring
            .push_front(u64::try_from(ns).unwrap_or(u64::MAX));
    }

    /// Requests waiting.
    pub fn waiting(&self) -> usize {
        self.backlog.ring.len()
    }

    /// Whether requests are waiting.
    pub fn has_waiting(&self) -> bool {
        !self.backlog.ring.is_empty()
    }

    /// The run stopped issuing: what is still waiting is counted as the
    /// backlog at the end.
    pub fn finish(&mut self, counters: &mut Counters) {
        counters.backlog_at_end += self.backlog.ring.len() as u64;
        self.backlog.ring.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::super::arrival::ArrivalKind;
    use super::*;

    fn uniform(rate: f64, max_backlog: usize, t0: Instant) -> OpenLoop {
        let arrivals = Arrivals::new(ArrivalKind::Uniform, rate, 0, 0.0).unwrap();
        OpenLoop::new(arrivals, max_backlog, t0)
    }

    #[test]
    fn requests_fall_due_on_time_whatever_was_sent() {
        let t0 = Instant::now();
        let mut open = uniform(1000.0, 100, t0);
        let mut c = Counters::default();
        open.arrive(t0 + Duration::from_micros(4_500), &mut c);
        // Due at 0, 1, 2, 3 and 4 ms.
        assert_eq!((c.requests_due, open.waiting()), (5, 5));
        assert_eq!(open.take(), Some(t0));
        assert_eq!(open.take(), Some(t0 + Duration::from_millis(1)));
        open.put_back(t0 + Duration::from_millis(1));
        assert_eq!(open.take(), Some(t0 + Duration::from_millis(1)));
        assert_eq!(open.next_arrival(), t0 + Duration::from_millis(5));
        open.finish(&mut c);
        assert_eq!(c.backlog_at_end, 3);
        assert!(!open.has_waiting());
    }

    #[test]
    fn a_full_backlog_drops_and_counts_without_growing() {
        let t0 = Instant::now();
        let mut open = uniform(1000.0, 10, t0);
        let mut c = Counters::default();
        let capacity = open.backlog.ring.capacity();
        open.arrive(t0 + Duration::from_secs(2), &mut c);
        assert_eq!(c.requests_due, 2001);
        assert_eq!(c.requests_dropped, 1991);
        assert_eq!(open.waiting(), 10);
        assert_eq!(open.backlog.ring.capacity(), capacity);
        // due = sent + dropped + backlog at the end.
        let sent = (0..4).filter_map(|_| open.take()).count() as u64;
        open.finish(&mut c);
        assert_eq!(c.requests_due, sent + c.requests_dropped + c.backlog_at_end);
    }
}
