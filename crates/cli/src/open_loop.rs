//! The open loop's part of the report (`--rate`): what fell due and what
//! became of it, the service time and send lag beside the response time,
//! and one line when the client, not the server, was the limit.

use crate::report;
use memaslap_engine::{Counters, Latency, OpenLatency, OpenLoopConfig, Stats};
use std::fmt::Write;
use std::time::Duration;

/// The send lag p99 above which the client is said to have fallen behind.
pub const LAG_LIMIT: Duration = Duration::from_millis(1);

/// Whether the client limited the run: it dropped requests, or sent them
/// late (send lag p99 above [`LAG_LIMIT`]).
pub fn client_limited(stats: &Stats) -> bool {
    behind_by(stats).is_some()
}

/// The send lag p99, when the client limited the run.
fn behind_by(stats: &Stats) -> Option<Duration> {
    let lag_p99 = stats
        .open
        .as_deref()
        .map_or(Duration::ZERO, |o| o.lag_total().quantile(0.99));
    (stats.counters.requests_dropped > 0 || lag_p99 > LAG_LIMIT).then_some(lag_p99)
}

/// `n` per second over `elapsed`.
pub fn per_second(n: u64, elapsed: Duration) -> f64 {
    let secs = elapsed.as_secs_f64();
    if secs > 0.0 { n as f64 / secs } else { 0.0 }
}

/// The open loop's lines of the final report: the rates and the
/// accounting of due requests, then the service time and send lag tables.
pub fn summary(
    out: &mut String,
    config: &OpenLoopConfig,
    stats: &Stats,
    elapsed: Duration,
    percentiles: &[f64],
) {
    let c = &stats.counters;
    let _ = writeln!(
        out,
        "Open loop: rate {} per second ({} arrivals, --wake {}); offered {:.1}/s, achieved {:.1}/s",
        config.rate,
        config.arrival.name(),
        config.wake.name(),
        per_second(c.requests_due, elapsed),
        per_second(c.requests_completed, elapsed),
    );
    accounting(out, c);
    let _ = writeln!(
        out,
        "The latency above is the response time: from when each request fell due to its reply."
    );
    out.push('\n');
    if let Some(open) = stats.open.as_deref() {
        tables(out, open, percentiles);
    }
    if let Some(line) = fell_behind(stats) {
        let _ = writeln!(out, "{line}");
    }
}

/// `due … sent … dropped … backlog_at_end …`: due = sent + dropped +
/// backlog at the end.
pub fn accounting(out: &mut String, c: &Counters) {
    let _ = writeln!(
        out,
        "open loop: due {} sent {} dropped {} backlog_at_end {}",
        c.requests_due, c.requests_sent, c.requests_dropped, c.backlog_at_end
    );
}

/// The service time and send lag, in the latency table's layout.
fn tables(out: &mut String, open: &OpenLatency, percentiles: &[f64]) {
    table(
        out,
        "Service time percentiles (us), from the actual send",
        [&open.service_get, &open.service_set, &open.service_total()],
        percentiles,
    );
    table(
        out,
        "Send lag percentiles (us), actual send minus due time",
        [&open.lag_get, &open.lag_set, &open.lag_total()],
        percentiles,
    );
}

/// One table: gets, sets and both.
fn table(out: &mut String, title: &str, rows: [&Latency; 3], percentiles: &[f64]) {
    report::percentile_header_titled(out, title, percentiles);
    for (kind, latency) in ["Get", "Set", "Total"].into_iter().zip(rows) {
        report::percentile_line(out, kind, latency, percentiles);
    }
    out.push('\n');
}

/// The line saying the client fell behind, when it did.
pub fn fell_behind(stats: &Stats) -> Option<String> {
    let lag = behind_by(stats)?;
    Some(format!(
        "the client fell behind: send lag p99 {:.3} ms (limit {} ms), {} dropped; \
         latency above this rate measures the client, not the server",
        lag.as_secs_f64() * 1e3,
        LAG_LIMIT.as_millis(),
        stats.counters.requests_dropped
    ))
}

/// One interval's offered and achieved rates (`-S`).
pub fn interval_rates(out: &mut String, period: &Stats, secs: u64) {
    let c = &period.counters;
    let elapsed = Duration::from_secs(secs.max(1));
    let _ = writeln!(
        out,
        "Rate Period offered {:.1}/s achieved {:.1}/s dropped {}",
        per_second(c.requests_due, elapsed),
        per_second(c.requests_completed, elapsed),
        c.requests_dropped
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use memaslap_engine::ArrivalKind;

    fn open_stats(lag_us: u64, dropped: u64) -> Stats {
        let mut stats = Stats::open_loop();
        let open = stats.open.as_deref_mut().unwrap();
        for _ in 0..100 {
            open.lag_get.record(Duration::from_micros(lag_us));
            open.service_get.record(Duration::from_micros(50));
        }
        stats.counters.requests_due = 100 + dropped;
        stats.counters.requests_sent = 100;
        stats.counters.requests_completed = 100;
        stats.counters.requests_dropped = dropped;
        stats
    }

    #[test]
    fn the_client_is_the_limit_when_it_drops_or_lags() {
        assert!(fell_behind(&open_stats(20, 0)).is_none());
        let line = fell_behind(&open_stats(20, 3)).unwrap();
        assert!(line.contains("3 dropped"), "{line}");
        let line = fell_behind(&open_stats(5000, 0)).unwrap();
        assert!(
            line.starts_with("the client fell behind: send lag p99 5.0"),
            "{line}"
        );
        assert!(
            line.ends_with("measures the client, not the server"),
            "{line}"
        );
    }

    #[test]
    fn summary_names_the_rates_and_the_accounting() {
        let config = OpenLoopConfig {
            rate: 100.0,
            arrival: ArrivalKind::Uniform,
            max_backlog: None,
            wake: memaslap_engine::Wake::Spin,
        };
        let mut out = String::new();
        summary(
            &mut out,
            &config,
            &open_stats(20, 0),
            Duration::from_secs(1),
            &[50.0, 99.0],
        );
        assert!(
            out.contains(
                "rate 100 per second (uniform arrivals, --wake spin); offered 100.0/s, achieved 100.0/s"
            ),
            "{out}"
        );
        assert!(
            out.contains("open loop: due 100 sent 100 dropped 0 backlog_at_end 0"),
            "{out}"
        );
        assert!(out.contains("Service time percentiles (us)"), "{out}");
        assert!(out.contains("Send lag percentiles (us)"), "{out}");
        assert!(!out.contains("fell behind"), "{out}");
    }
}
