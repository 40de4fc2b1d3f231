//! When a connection may send: the one place that decides it.
//!
//! A [`Schedule`] combines how many requests a connection keeps in flight
//! (`--depth`; 1 is memaslap's closed loop) with when the next one is due:
//! at once, at even gaps for `-P` ([`Pacer`]), or when its thread's open
//! loop ([`OpenLoop`]) hands it a request that fell due, or when its
//! source says its next task is due (a trace replayed at its own times,
//! [`TraceClock`]). The connection
//! asks it whether to gather a write, whether one more request may begin,
//! and when to wake up for the next; it tells it when a request went out.
//! A new way of sending is a new variant of [`Pace`].

mod arrival;
mod open;
mod pacer;
mod wakeup;

pub use arrival::{ArrivalKind, Arrivals};
pub use open::OpenLoop;
pub use pacer::Pacer;
pub use wakeup::{Wake, WakeMargin};

use std::time::{Duration, Instant};

/// When requests are due, apart from how many may be in flight.
///
/// A tag byte of its own (`repr(u8)`): every request asks which pace it
/// is, and a tag hidden in an `Instant`'s spare values costs several
/// instructions to read.
#[derive(Debug, Clone)]
#[repr(u8)]
pub enum Pace {
    /// As soon as the depth allows.
    Unpaced,
    /// At even gaps, to meet a target rate (`-P`).
    Paced(Pacer),
    /// When the thread's open loop grants a request that fell due at the
    /// time held here (`--rate`).
    Open(Option<Instant>),
    /// When the source's next task is due on its own clock, scaled
    /// (`--trace-speed`).
    Timed(TraceClock),
}

/// A source's clock mapped onto the run's: a task due `offset` after the
/// start on the source's clock is due `offset / speed` after `start`.
#[derive(Debug, Clone, Copy)]
pub struct TraceClock {
    /// When the source's clock reads zero.
    pub start: Instant,
    /// How many times faster than recorded (above 0).
    pub speed: f64,
}

/// The latest a task falls due after the start (2^40 s, some 35,000
/// years): a trace and speed whose scaled time is later wait that long.
pub const LATEST_DUE: Duration = Duration::from_secs(1 << 40);

impl TraceClock {
    /// When a task due `offset` after the start on the source's clock is
    /// due: at most [`LATEST_DUE`] after the start, however slow the speed
    /// (no overflow whatever the offset and the speed).
    pub fn due(&self, offset: Duration) -> Instant {
        let scaled = Duration::try_from_secs_f64(offset.as_secs_f64() / self.speed)
            .map_or(LATEST_DUE, |d| d.min(LATEST_DUE));
        self.start.checked_add(scaled).unwrap_or(self.start)
    }
}

/// When one connection may send its next request.
#[derive(Debug, Clone)]
pub struct Schedule {
    depth: usize,
    pace: Pace,
    /// Unpaced or paced, a new write is gathered with at most this many
    /// requests in flight.
    refill: usize,
}

impl Schedule {
    /// Up to `depth` requests in flight (at least 1), due as `pace` says.
    /// Without pacing or with `-P`, a new write is gathered once half the
    /// depth is answered: the other half keeps the server busy while the
    /// replies are read and the next write is made.
    pub fn new(depth: usize, pace: Pace) -> Schedule {
        let depth = depth.max(1);
        Schedule {
            depth,
            pace,
            refill: depth / 2,
        }
    }

    /// Makes an unpaced schedule write whole batches: the next write is
    /// gathered when every reply is in, and carries the whole depth. Right
    /// when other connections share the servers: their requests keep a
    /// server busy while this batch's replies are read, so half the depth
    /// need not be kept in flight for that, and each write (one system
    /// call, and the server's read and reply) serves twice the requests.
    /// Paced and timed schedules are left as they are.
    pub fn in_batches(mut self) -> Schedule {
        if self.is_unpaced() {
            self.refill = 0;
        }
        self
    }

    /// How many requests may be in flight.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether a new write should be gathered with `outstanding` requests
    /// in flight: at most half the depth, or none in batches (none at
    /// depth 1), so that requests go out, and are answered, several at a
    /// time rather than one per reply.
    pub fn gathers(&self, outstanding: usize) -> bool {
        match self.pace {
            // A request that fell due goes out at once.
            Pace::Open(_) | Pace::Timed(_) => outstanding < self.depth,
            _ => outstanding <= self.refill,
        }
    }

    /// Whether requests wait for nothing but replies (no pacing, no grants,
    /// no trace clock): such a schedule sets no time of its own.
    pub fn is_unpaced(&self) -> bool {
        matches!(self.pace, Pace::Unpaced)
    }

    /// A timed schedule's clock reads zero at `start`.
    pub fn start_clock(&mut self, start: Instant) {
        if let Pace::Timed(clock) = &mut self.pace {
            clock.start = start;
        }
    }

    /// The open loop grants one request that fell due at `intended`.
    pub fn grant(&mut self, intended: Instant) {
        if let Pace::Open(granted) = &mut self.pace {
            *granted = Some(intended);
        }
    }

    /// Takes back a grant no request used.
    pub fn revoke(&mut self) -> Option<Instant> {
        match &mut self.pace {
            Pace::Open(granted) => granted.take(),
            _ => None,
        }
    }

    /// Whether one more request may begin at `now` with `outstanding` in
    /// flight; `source_due` is when the source says its next task is due
    /// ([`Pace::Timed`] keeps to it).
    pub fn may_begin(
        &self,
        outstanding: usize,
        now: Instant,
        source_due: Option<Duration>,
    ) -> bool {
        outstanding < self.depth
            && match &self.pace {
                Pace::Unpaced => true,
                Pace::Paced(pacer) => pacer.ready(now),
                Pace::Open(granted) => granted.is_some(),
                Pace::Timed(clock) => source_due.is_some_and(|d| now >= clock.due(d)),
            }
    }

    /// When the next request falls due, if it waits for its time rather
    /// than for replies (`outstanding` in flight).
    pub fn next_due(&self, outstanding: usize, source_due: Option<Duration>) -> Option<Instant> {
        match &self.pace {
            Pace::Paced(pacer) if self.gathers(outstanding) => Some(pacer.next_send()),
            Pace::Timed(clock) if self.gathers(outstanding) => source_due.map(|d| clock.due(d)),
            _ => None,
        }
    }

    /// A request began at `now`, due (in a timed schedule) `source_due`;
    /// returns when it was meant to begin (`now`, except in the open loop
    /// and a timed schedule).
    pub fn sent(&mut self, now: Instant, source_due: Option<Duration>) -> Instant {
        match &mut self.pace {
            Pace::Unpaced => now,
            Pace::Paced(pacer) => {
                pacer.sent(now);
                now
            }
            Pace::Open(granted) => granted.take().unwrap_or(now),
            Pace::Timed(clock) => source_due.map_or(now, |d| clock.due(d).min(now)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_closed_loop_sends_one_at_a_time_whenever_idle() {
        let s = Schedule::new(1, Pace::Unpaced);
        let now = Instant::now();
        assert!(s.gathers(0) && s.may_begin(0, now, None));
        assert!(!s.gathers(1) && !s.may_begin(1, now, None));
        assert_eq!(s.next_due(0, None), None);
        assert!(s.is_unpaced());
    }

    #[test]
    fn depth_refills_at_half_and_bounds_what_begins() {
        let s = Schedule::new(6, Pace::Unpaced);
        let now = Instant::now();
        assert!((0..=3).all(|n| s.gathers(n)));
        assert!((4..=6).all(|n| !s.gathers(n)));
        assert!(s.may_begin(5, now, None) && !s.may_begin(6, now, None));
        assert_eq!(Schedule::new(0, Pace::Unpaced).depth(), 1);
    }

    #[test]
    fn in_batches_an_unpaced_depth_refills_when_all_is_answered() {
        let s = Schedule::new(6, Pace::Unpaced).in_batches();
        let now = Instant::now();
        assert!(s.gathers(0) && !s.gathers(1) && !s.gathers(3));
        assert!(s.may_begin(5, now, None) && !s.may_begin(6, now, None));
        // Pacing keeps its refill at half, and the open loop its own rule.
        let pacer = Pacer::new(100, 1, 0, now).unwrap();
        let paced = Schedule::new(6, Pace::Paced(pacer)).in_batches();
        assert!(paced.gathers(3) && !paced.gathers(4));
        let open = Schedule::new(6, Pace::Open(None)).in_batches();
        assert!(open.gathers(5) && !open.gathers(6));
    }

    #[test]
    fn pacing_decides_when_and_says_when_next() {
        let t0 = Instant::now();
        let pacer = Pacer::new(100, 1, 0, t0).unwrap();
        let mut s = Schedule::new(1, Pace::Paced(pacer));
        assert!(!s.is_unpaced());
        assert!(s.may_begin(0, t0, None));
        s.sent(t0, None);
        let next = t0 + Duration::from_millis(10);
        assert!(!s.may_begin(0, t0 + Duration::from_millis(9), None));
        assert_eq!(s.next_due(0, None), Some(next));
        // Waiting for a reply, not for its time: no wake-up.
        assert_eq!(s.next_due(1, None), None);
        assert!(s.may_begin(0, next, None));
    }

    #[test]
    fn the_open_loop_sends_what_it_is_granted_at_once() {
        let t0 = Instant::now();
        let mut s = Schedule::new(4, Pace::Open(None));
        assert!(!s.may_begin(0, t0, None));
        assert!(s.gathers(3) && !s.gathers(4));
        s.grant(t0);
        assert!(s.may_begin(3, t0, None) && !s.may_begin(4, t0, None));
        let later = t0 + Duration::from_millis(3);
        assert_eq!(s.sent(later, None), t0);
        assert!(!s.may_begin(0, later, None));
        s.grant(later);
        assert_eq!(s.revoke(), Some(later));
        assert_eq!(s.next_due(0, None), None);
        assert_eq!(Schedule::new(1, Pace::Unpaced).sent(later, None), later);
    }

    #[test]
    fn a_timed_schedule_keeps_to_the_sources_clock_scaled() {
        let t0 = Instant::now();
        let clock = TraceClock {
            start: t0,
            speed: 2.0,
        };
        let mut s = Schedule::new(2, Pace::Timed(clock));
        let due = Some(Duration::from_secs(4));
        // Four seconds on the trace at twice the speed: two seconds in.
        let at = t0 + Duration::from_secs(2);
        assert_eq!(s.next_due(0, due), Some(at));
        assert!(!s.may_begin(0, at - Duration::from_millis(1), due));
        assert!(s.may_begin(1, at, due) && !s.may_begin(2, at, due));
        // Nothing queued: nothing may begin, nothing to wake for.
        assert!(!s.may_begin(0, at, None));
        assert_eq!(s.next_due(0, None), None);
        // Sent late: meant for when it was due.
        let late = at + Duration::from_millis(3);
        assert_eq!(s.sent(late, due), at);
    }

    #[test]
    fn a_timed_schedule_waits_at_most_the_latest_due_however_slow() {
        let t0 = Instant::now();
        let slow = TraceClock {
            start: t0,
            speed: 1e-300,
        };
        assert_eq!(slow.due(Duration::from_secs(1)), t0 + LATEST_DUE);
        assert_eq!(slow.due(Duration::ZERO), t0);
        let plain = TraceClock {
            start: t0,
            speed: 1.0,
        };
        assert_eq!(plain.due(Duration::MAX), t0 + LATEST_DUE);
        assert_eq!(
            plain.due(Duration::from_secs(3)),
            t0 + Duration::from_secs(3)
        );
    }
}
