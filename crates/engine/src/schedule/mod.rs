//! When a connection may send: the one place that decides it.
//!
//! A [`Schedule`] combines how many requests a connection keeps in flight
//! (`--depth`; 1 is memaslap's closed loop) with when the next one is due:
//! at once, at even gaps for `-P` ([`Pacer`]), or when its thread's open
//! loop ([`OpenLoop`]) hands it a request that fell due. The connection
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
pub use wakeup::WakeMargin;

use std::time::Instant;

/// When requests are due, apart from how many may be in flight.
#[derive(Debug, Clone)]
pub enum Pace {
    /// As soon as the depth allows.
    Unpaced,
    /// At even gaps, to meet a target rate (`-P`).
    Paced(Pacer),
    /// When the thread's open loop grants a request that fell due at the
    /// time held here (`--rate`).
    Open(Option<Instant>),
}

/// When one connection may send its next request.
#[derive(Debug, Clone)]
pub struct Schedule {
    depth: usize,
    pace: Pace,
}

impl Schedule {
    /// Up to `depth` requests in flight (at least 1), due as `pace` says.
    pub fn new(depth: usize, pace: Pace) -> Schedule {
        Schedule {
            depth: depth.max(1),
            pace,
        }
    }

    /// How many requests may be in flight.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// Whether a new write should be gathered with `outstanding` requests
    /// in flight: at most half the depth (none at depth 1), so that
    /// requests go out, and are answered, several at a time rather than
    /// one per reply.
    pub fn gathers(&self, outstanding: usize) -> bool {
        match self.pace {
            // A request that fell due goes out at once.
            Pace::Open(_) => outstanding < self.depth,
            _ => outstanding <= self.depth / 2,
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
    /// flight.
    pub fn may_begin(&self, outstanding: usize, now: Instant) -> bool {
        outstanding < self.depth
            && match &self.pace {
                Pace::Unpaced => true,
                Pace::Paced(pacer) => pacer.ready(now),
                Pace::Open(granted) => granted.is_some(),
            }
    }

    /// When the next request falls due, if it waits for its time rather
    /// than for replies (`outstanding` in flight).
    pub fn next_due(&self, outstanding: usize) -> Option<Instant> {
        match &self.pace {
            Pace::Paced(pacer) if self.gathers(outstanding) => Some(pacer.next_send()),
            _ => None,
        }
    }

    /// A request began at `now`; returns when it was meant to (`now`,
    /// except in the open loop).
    pub fn sent(&mut self, now: Instant) -> Instant {
        match &mut self.pace {
            Pace::Unpaced => now,
            Pace::Paced(pacer) => {
                pacer.sent(now);
                now
            }
            Pace::Open(granted) => granted.take().unwrap_or(now),
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
        assert!(s.gathers(0) && s.may_begin(0, now));
        assert!(!s.gathers(1) && !s.may_begin(1, now));
        assert_eq!(s.next_due(0), None);
    }

    #[test]
    fn depth_refills_at_half_and_bounds_what_begins() {
        let s = Schedule::new(6, Pace::Unpaced);
        let now = Instant::now();
        assert!((0..=3).all(|n| s.gathers(n)));
        assert!((4..=6).all(|n| !s.gathers(n)));
        assert!(s.may_begin(5, now) && !s.may_begin(6, now));
        assert_eq!(Schedule::new(0, Pace::Unpaced).depth(), 1);
    }

    #[test]
    fn pacing_decides_when_and_says_when_next() {
        let t0 = Instant::now();
        let pacer = Pacer::new(100, 1, 0, t0).unwrap();
        let mut s = Schedule::new(1, Pace::Paced(pacer));
        assert!(s.may_begin(0, t0));
        s.sent(t0);
        let next = t0 + Duration::from_millis(10);
        assert!(!s.may_begin(0, t0 + Duration::from_millis(9)));
        assert_eq!(s.next_due(0), Some(next));
        // Waiting for a reply, not for its time: no wake-up.
        assert_eq!(s.next_due(1), None);
        assert!(s.may_begin(0, next));
    }

    #[test]
    fn the_open_loop_sends_what_it_is_granted_at_once() {
        let t0 = Instant::now();
        let mut s = Schedule::new(4, Pace::Open(None));
        assert!(!s.may_begin(0, t0));
        assert!(s.gathers(3) && !s.gathers(4));
        s.grant(t0);
        assert!(s.may_begin(3, t0) && !s.may_begin(4, t0));
        let later = t0 + Duration::from_millis(3);
        assert_eq!(s.sent(later), t0);
        assert!(!s.may_begin(0, later));
        s.grant(later);
        assert_eq!(s.revoke(), Some(later));
        assert_eq!(s.next_due(0), None);
        assert_eq!(Schedule::new(1, Pace::Unpaced).sent(later), later);
    }
}
