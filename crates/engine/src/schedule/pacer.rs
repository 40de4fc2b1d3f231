//! Smooth pacing for `-P`: each connection sends at an even interval so the
//! whole run meets the target rate without bursts.

use std::time::{Duration, Instant};

/// Schedules one connection's requests at a fixed interval.
///
/// A connection that falls behind (a slow reply, a slow connect) does not
/// burst to catch up: at most one interval of lateness is forgiven, so the
/// rate stays at or below the target and the gaps stay even. Slots missed
/// beyond that are skipped whole, so the connection keeps its place on its
/// own grid and connections stay staggered: were it to restart from the
/// late send, connections that all connected late, or all waited out the
/// same stall, would fall into step and send together.
#[derive(Debug, Clone)]
pub struct Pacer {
    interval: Duration,
    next: Instant,
}

impl Pacer {
    /// A pacer for a connection's share of `total_rate` operations per
    /// second spread over `connections` connections, starting at `start`.
    /// Connections are staggered by `index` so they do not send in lockstep.
    /// Returns `None` when `total_rate` is zero.
    pub fn new(total_rate: u64, connections: u32, index: u32, start: Instant) -> Option<Pacer> {
        if total_rate == 0 {
            return None;
        }
        let interval = Duration::from_secs_f64(f64::from(connections.max(1)) / total_rate as f64);
        let offset =
            interval.mul_f64(f64::from(index % connections.max(1)) / f64::from(connections.max(1)));
        Some(Pacer {
            interval,
            next: start + offset,
        })
    }

    /// The time between two requests of this connection.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    /// When the next request may be sent.
    pub fn next_send(&self) -> Instant {
        self.next
    }

    /// Whether a request may be sent at `now`.
    pub fn ready(&self, now: Instant) -> bool {
        now >= self.next
    }

    /// Records that a request was sent at `now` (which must be at or after
    /// [`Pacer::next_send`]) and schedules the next one.
    pub fn sent(&mut self, now: Instant) {
        let floor = now.checked_sub(self.interval).unwrap_or(now);
        if self.next < floor {
            let behind = (floor - self.next).as_nanos();
            let step = self.interval.as_nanos().max(1);
            let skipped = u32::try_from(behind / step).unwrap_or(u32::MAX);
            self.next += self.interval.saturating_mul(skipped);
        }
        self.next += self.interval;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn even_interval() {
        let t0 = Instant::now();
        let mut p = Pacer::new(1000, 10, 0, t0).unwrap();
        assert_eq!(p.interval(), Duration::from_millis(10));
        let mut now = t0;
        let mut sent = 0;
        while now < t0 + Duration::from_secs(1) {
            if p.ready(now) {
                p.sent(now);
                sent += 1;
            }
            now += Duration::from_micros(100);
        }
        assert_eq!(sent, 100);
    }

    #[test]
    fn lateness_is_forgiven_once_not_burst() {
        let t0 = Instant::now();
        let mut p = Pacer::new(100, 1, 0, t0).unwrap();
        p.sent(t0);
        // A reply took half a second: the next send is due at once, but the
        // one after it keeps a full interval from the late send's slot.
        let late = t0 + Duration::from_millis(500);
        assert!(p.ready(late));
        p.sent(late);
        assert!(p.ready(late));
        p.sent(late);
        assert!(!p.ready(late));
        assert_eq!(p.next_send(), late + Duration::from_millis(10));
    }

    #[test]
    fn late_connections_keep_their_stagger() {
        let t0 = Instant::now();
        let mut a = Pacer::new(100, 4, 0, t0).unwrap();
        let mut b = Pacer::new(100, 4, 1, t0).unwrap();
        // Both connected 95 ms late and send at once. One interval of
        // lateness is forgiven (each may send once more at once); after
        // that their slots stay a quarter of the interval (10 ms) apart,
        // each on its own grid.
        let late = t0 + Duration::from_millis(95);
        for p in [&mut a, &mut b] {
            p.sent(late);
            assert!(p.ready(late));
            p.sent(late);
            assert!(!p.ready(late));
        }
        assert_eq!(a.next_send(), t0 + Duration::from_millis(120));
        assert_eq!(b.next_send(), t0 + Duration::from_millis(130));
    }

    #[test]
    fn connections_are_staggered() {
        let t0 = Instant::now();
        let a = Pacer::new(100, 4, 0, t0).unwrap();
        let b = Pacer::new(100, 4, 1, t0).unwrap();
        assert_eq!(a.next_send(), t0);
        assert_eq!(b.next_send(), t0 + Duration::from_millis(10));
        assert!(Pacer::new(0, 4, 0, t0).is_none());
    }
}
