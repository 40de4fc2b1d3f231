//! The live progress line: on a terminal, without `-S` or `--quiet`, one
//! line rewritten in place after every second of the run — how far it is,
//! its rate and p99 in that second, its errors so far, and the busiest
//! worker thread's share of that second on a core. Nothing of it goes to a
//! file or a pipe.

use memaslap_engine::Stats;
use std::fmt::Write;
use std::time::Duration;

/// Back to the start of the line, and the line cleared.
pub const CLEAR: &str = "\r\x1b[K";

/// How far a run goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Goal {
    /// `-t`: this long.
    Time(Duration),
    /// `-x`: this many operations.
    Operations(u64),
}

/// The interval just ended.
#[derive(Debug, Clone, Copy)]
pub struct Second<'a> {
    /// How long it was, in seconds.
    pub secs: f64,
    /// What happened in it.
    pub period: &'a Stats,
    /// The busiest worker thread's share of it on a core, if known.
    pub client_busy: Option<f64>,
}

/// The progress line after the interval `second`, ending `elapsed` into
/// the run, with what happened so far (`global`). Starts with [`CLEAR`]
/// and has no line end.
pub fn line(goal: Goal, elapsed: Duration, second: &Second<'_>, global: &Stats) -> String {
    let (period_secs, period) = (second.secs, second.period);
    let mut out = String::from(CLEAR);
    let g = &global.counters;
    match goal {
        Goal::Time(total) => {
            let _ = write!(
                out,
                "{:.0}s / {:.0}s",
                elapsed.as_secs_f64(),
                total.as_secs_f64()
            );
        }
        Goal::Operations(total) => {
            let _ = write!(out, "{} / {total} ops", g.cmd_get + g.cmd_set);
        }
    }
    let total = period.total();
    let rate = if period_secs > 0.0 {
        total.count() as f64 / period_secs
    } else {
        0.0
    };
    let _ = write!(
        out,
        "  {rate:.0} ops/s  p99 {:.1}us  errors {}",
        total.quantile(0.99).as_secs_f64() * 1e6,
        g.requests_failed + g.requests_timed_out
    );
    // Near 100 %, the client may be what sets the pace.
    if let Some(busy) = second.client_busy {
        let _ = write!(out, "  client {}", crate::client_cpu::percent(busy));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_says_how_far_how_fast_and_what_failed() {
        let mut period = Stats::default();
        for us in [100, 200, 300, 400] {
            period.get.record(Duration::from_micros(us));
        }
        let mut global = period.clone();
        global.counters.cmd_get = 10;
        global.counters.requests_timed_out = 2;
        let second = |secs: f64, client_busy: Option<f64>| Second {
            secs,
            period: &period,
            client_busy,
        };
        let timed = line(
            Goal::Time(Duration::from_secs(60)),
            Duration::from_secs(12),
            &second(1.0, Some(0.734)),
            &global,
        );
        assert_eq!(
            timed,
            "\r\x1b[K12s / 60s  4 ops/s  p99 400.0us  errors 2  client 73%"
        );
        let counted = line(
            Goal::Operations(100),
            Duration::from_secs(1),
            &second(2.0, None),
            &global,
        );
        assert_eq!(
            counted,
            "\r\x1b[K10 / 100 ops  2 ops/s  p99 400.0us  errors 2"
        );
    }
}
