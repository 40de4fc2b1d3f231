//! How early an open-loop thread wakes before a request falls due: a timed
//! wait ends late by the time the thread takes to run again (a few µs on a
//! quiet machine, tens on a busy or virtual one), so the thread sleeps
//! until that long before the due time and polls from there. The margin
//! follows the lateness the thread observes, so that it polls no longer
//! than its machine needs.

use std::time::Duration;

/// The margin before any wait was observed.
const INITIAL: Duration = Duration::from_micros(50);
/// The least margin.
const MIN: Duration = Duration::from_micros(10);
/// The most margin: polling longer costs more than the lag it saves.
const MAX: Duration = Duration::from_micros(50);

/// How an open-loop thread waits for its next request (`--wake`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Wake {
    /// Sleep until the due time: no polling, but each request goes out as
    /// late as the thread takes to wake (tens of µs on a virtual machine),
    /// which the send lag shows and the response time includes.
    #[default]
    Sleep,
    /// Sleep until a margin before the due time, then poll: the request
    /// goes out within a µs of its time, for the CPU the polling takes.
    Spin,
    /// Sleep until the due time with the system's timer slack (Linux: 50
    /// µs) instead of 1 ns: a wait may end up to the slack late, where
    /// other wake-ups (a reply, the next due time) join it, so a thread
    /// at a low rate wakes less often and costs less a request. Each
    /// request goes out up to the slack late, which the send lag shows and
    /// the response time includes.
    Slack,
}

impl Wake {
    /// The name `--wake` takes.
    pub fn name(self) -> &'static str {
        match self {
            Wake::Sleep => "sleep",
            Wake::Spin => "spin",
            Wake::Slack => "slack",
        }
    }

    /// Whether a thread waiting this way polls before its due times, and
    /// so is on a core whatever the load.
    pub fn polls(self) -> bool {
        self == Wake::Spin
    }

    /// Whether a thread waiting this way asks for timer precision (a timer
    /// slack of 1 ns, `memaslap_transport::precise_timers`).
    pub fn precise(self) -> bool {
        self != Wake::Slack
    }
}

/// The observed lateness of timed waits, and the margin it calls for.
#[derive(Debug, Clone, Copy)]
pub struct WakeMargin {
    /// Exponentially weighted mean lateness, in ns (weight 1/16).
    mean_ns: f64,
    /// Exponentially weighted mean absolute deviation, in ns.
    dev_ns: f64,
    observed: bool,
    wake: Wake,
}

impl WakeMargin {
    /// The margin of a thread that waits as `wake` says.
    pub fn new(wake: Wake) -> WakeMargin {
        WakeMargin {
            mean_ns: 0.0,
            dev_ns: 0.0,
            observed: false,
            wake,
        }
    }

    /// Whether the thread polls before its due times, and so whether its
    /// waits' lateness is worth observing.
    pub fn polls(&self) -> bool {
        self.wake.polls()
    }

    /// A timed wait ended `late` after the time it was set for.
    pub fn observe(&mut self, late: Duration) {
        let ns = late.as_nanos() as f64;
        if !self.observed {
            (self.mean_ns, self.dev_ns, self.observed) = (ns, ns / 2.0, true);
            return;
        }
        let error = ns - self.mean_ns;
        self.mean_ns += error / 16.0;
        self.dev_ns += (error.abs() - self.dev_ns) / 16.0;
    }

    /// How long before a due time to stop sleeping: the mean lateness and
    /// its deviation, within 10 to 50 µs.
    pub fn margin(&self) -> Duration {
        if !self.polls() {
            return Duration::ZERO;
        }
        if !self.observed {
            return INITIAL;
        }
        let ns = self.mean_ns + self.dev_ns;
        Duration::from_nanos(ns as u64).clamp(MIN, MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_margin_follows_the_lateness_within_bounds() {
        let mut m = WakeMargin::new(Wake::Spin);
        assert_eq!(m.margin(), INITIAL);
        // A quiet machine: waits end 3 µs late.
        for _ in 0..100 {
            m.observe(Duration::from_micros(3));
        }
        assert_eq!(m.margin(), MIN);
        // A busier one: 20 µs, give or take 5.
        for i in 0..400 {
            m.observe(Duration::from_micros(if i % 2 == 0 { 15 } else { 25 }));
        }
        let margin = m.margin();
        assert!(
            margin >= Duration::from_micros(23) && margin <= Duration::from_micros(27),
            "{margin:?}"
        );
        // A virtual machine's 60 µs, or a stall: no more than the bound.
        for _ in 0..50 {
            m.observe(Duration::from_millis(5));
        }
        assert_eq!(m.margin(), MAX);
        // A thread that sleeps never polls.
        assert!(m.polls());
        let mut sleeping = WakeMargin::new(Wake::Sleep);
        assert!(!sleeping.polls());
        assert_eq!(sleeping.margin(), Duration::ZERO);
        sleeping.observe(Duration::from_micros(40));
        assert_eq!(sleeping.margin(), Duration::ZERO);
        let mut slack = WakeMargin::new(Wake::Slack);
        slack.observe(Duration::from_micros(40));
        assert_eq!(slack.margin(), Duration::ZERO);
    }

    #[test]
    fn only_the_slack_wait_keeps_the_system_timer_slack() {
        assert!(Wake::Sleep.precise());
        assert!(Wake::Spin.precise());
        assert!(!Wake::Slack.precise());
    }
}
