//! When a failed socket is tried again: a pure schedule driven by the time
//! the caller passes in, so that it can be tested in simulated time.

use std::time::{Duration, Instant};

/// How a socket that failed comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retry {
    /// It does not: a failed socket stays closed.
    Never,
    /// Reconnect with exponential back-off (memaslap `-R`): the first attempt
    /// right away, then after `initial`, `2 × initial`, … up to `max` between
    /// attempts, for as long as the transport lives.
    Backoff {
        /// The wait after the first failed attempt.
        initial: Duration,
        /// The longest wait between two attempts.
        max: Duration,
    },
    /// Try again every `interval`, the first time `interval` after the
    /// failure (memaslap `-p` retries dead sockets every 5 s).
    Every(Duration),
}

impl Retry {
    /// The back-off used for `-R`: 100 ms doubling up to 500 ms, so that a
    /// server that comes back is tried again within half a second however
    /// long it was away.
    pub const RECONNECT: Retry = Retry::Backoff {
        initial: Duration::from_millis(100),
        max: Duration::from_millis(500),
    };

    /// memaslap's retry of dead replication sockets: every 5 s.
    pub const REPLICATION: Retry = Retry::Every(Duration::from_secs(5));

    /// The wait before attempt number `failures` (0 after the first
    /// failure), or `None` when there is no further attempt.
    fn delay(self, failures: u32) -> Option<Duration> {
        match self {
            Retry::Never => None,
            Retry::Every(interval) => Some(interval),
            Retry::Backoff { initial, max } => Some(match failures {
                0 => Duration::ZERO,
                n => {
                    let factor = 1u32.checked_shl(n - 1).unwrap_or(u32::MAX);
                    initial.saturating_mul(factor).min(max)
                }
            }),
        }
    }
}

/// The retry state of one socket.
#[derive(Debug, Clone)]
pub(crate) struct RetryState {
    retry: Retry,
    /// Failures since the socket was last up.
    failures: u32,
    /// When the socket went down, while it is down.
    down_since: Option<Instant>,
    /// When the next attempt is due, if one is.
    retry_at: Option<Instant>,
}

impl RetryState {
    pub(crate) fn new(retry: Retry) -> RetryState {
        RetryState {
            retry,
            failures: 0,
            down_since: None,
            retry_at: None,
        }
    }

    /// The socket failed, or an attempt to bring it back did, at `now`.
    /// Returns when the next attempt is due (`None`: never).
    pub(crate) fn handle_failure(&mut self, now: Instant) -> Option<Instant> {
        self.down_since.get_or_insert(now);
        let delay = self.retry.delay(self.failures);
        self.failures = self.failures.saturating_add(1);
        self.retry_at = delay.and_then(|d| now.checked_add(d));
        self.retry_at
    }

    /// The socket is up. Returns since when it had been down, if it had
    /// been. The back-off goes on from where it was until the socket serves
    /// a request ([`RetryState::served`]): a server that accepts
    /// connections only to drop them is tried ever later, not at once.
    pub(crate) fn handle_up(&mut self) -> Option<Instant> {
        self.retry_at = None;
        self.down_since.take()
    }

    /// The socket served a request: its next failure is retried at once.
    pub(crate) fn served(&mut self) {
        self.failures = 0;
    }

    /// Whether the socket failed before (this is its first failure if not).
    pub(crate) fn is_down(&self) -> bool {
        self.down_since.is_some()
    }

    /// Cancels every further attempt.
    pub(crate) fn stop(&mut self) {
        self.retry = Retry::Never;
        self.retry_at = None;
    }

    /// When an attempt is due.
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        self.retry_at
    }

    /// Returns true, once, when the attempt due at or before `now` should
    /// start.
    pub(crate) fn handle_timeout(&mut self, now: Instant) -> bool {
        match self.retry_at {
            Some(at) if at <= now => {
                self.retry_at = None;
                true
            }
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn backoff_starts_at_once_then_doubles_up_to_max() {
        let t0 = Instant::now();
        let mut s = RetryState::new(Retry::Backoff {
            initial: ms(100),
            max: ms(350),
        });
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..6 {
            let at = s.handle_failure(now).unwrap();
            waits.push(at - now);
            assert!(!s.handle_timeout(at - ms(1)));
            assert!(s.handle_timeout(at));
            assert!(!s.handle_timeout(at), "an attempt starts once");
            now = at + ms(5);
        }
        assert_eq!(waits, [0, 100, 200, 350, 350, 350].map(ms));
        assert_eq!(s.handle_up(), Some(t0));
        s.served();
        assert_eq!(s.handle_failure(now), Some(now), "back-off restarts");
    }

    #[test]
    fn a_socket_up_but_never_serving_keeps_backing_off() {
        let t0 = Instant::now();
        let mut s = RetryState::new(Retry::RECONNECT);
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let at = s.handle_failure(now).unwrap();
            waits.push(at - now);
            assert!(s.handle_timeout(at));
            // Connected, then dropped before any reply.
            assert!(s.handle_up().is_some());
            now = at + ms(1);
        }
        assert_eq!(waits, [0, 100, 200, 400, 500].map(ms));
    }

    #[test]
    fn a_server_back_at_any_time_is_tried_within_the_longest_wait() {
        let t0 = Instant::now();
        // The server is back at `t0 + back`; attempts before it fail.
        for back in (0..20_000).step_by(37).map(ms) {
            let mut s = RetryState::new(Retry::RECONNECT);
            let mut at = s.handle_failure(t0).unwrap();
            while at < t0 + back {
                assert!(s.handle_timeout(at));
                at = s.handle_failure(at).unwrap();
            }
            assert!(
                at - (t0 + back) <= ms(500),
                "back at {back:?}, tried at {:?}",
                at - t0
            );
        }
    }

    #[test]
    fn every_waits_the_interval_each_time() {
        let t0 = Instant::now();
        let mut s = RetryState::new(Retry::REPLICATION);
        assert_eq!(s.handle_failure(t0), Some(t0 + Duration::from_secs(5)));
        assert_eq!(s.poll_deadline(), Some(t0 + Duration::from_secs(5)));
        assert!(s.handle_timeout(t0 + Duration::from_secs(6)));
        assert_eq!(s.poll_deadline(), None);
        let t1 = t0 + Duration::from_secs(6);
        assert_eq!(s.handle_failure(t1), Some(t1 + Duration::from_secs(5)));
        assert_eq!(s.handle_up(), Some(t0), "down since the first failure");
        assert_eq!(s.handle_up(), None);
    }

    #[test]
    fn never_and_stop_schedule_nothing() {
        let t0 = Instant::now();
        let mut s = RetryState::new(Retry::Never);
        assert_eq!(s.handle_failure(t0), None);
        assert!(s.is_down());
        assert!(!s.handle_timeout(t0 + Duration::from_secs(3600)));

        let mut s = RetryState::new(Retry::RECONNECT);
        assert!(s.handle_failure(t0).is_some());
        s.stop();
        assert_eq!(s.poll_deadline(), None);
        assert_eq!(s.handle_failure(t0), None);
    }

    #[test]
    fn huge_failure_counts_saturate() {
        let retry = Retry::Backoff {
            initial: ms(1),
            max: Duration::from_secs(60),
        };
        assert_eq!(retry.delay(40), Some(Duration::from_secs(60)));
        assert_eq!(retry.delay(u32::MAX), Some(Duration::from_secs(60)));
    }
}
