//! When a connection may send: the one place that decides it.
//!
//! A [`Schedule`] combines how many requests a connection keeps in flight
//! (`--depth`; 1 is memaslap's closed loop) with when the next one is due:
//! at once, or at even gaps for `-P` ([`Pacer`]). The connection asks it
//! whether to gather a write, whether one more request may begin, and when
//! to wake up for the next; it tells it when a request went out. A new way
//! of sending (an arrival process, say) is a new variant of [`Pace`].

mod pacer;

pub use pacer::Pacer;

use std::time::Instant;

/// When requests are due, apart from how many may be in flight.
#[derive(Debug, Clone)]
pub enum Pace {
    /// As soon as the depth allows.
    Unpaced,
    /// At even gaps, to meet a target rate (`-P`).
    Paced(Pacer),
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
        outstanding <= self.depth / 2
    }

    /// Whether one more request may begin at `now` with `outstanding` in
    /// flight.
    pub fn may_begin(&self, outstanding: usize, now: Instant) -> bool {
        outstanding < self.depth
            && match &self.pace {
                Pace::Unpaced => true,
                Pace::Paced(pacer) => pacer.ready(now),
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

    /// A request began at `now`.
    pub fn sent(&mut self, now: Instant) {
        if let Pace::Paced(pacer) = &mut self.pace {
            pacer.sent(now);
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
}
