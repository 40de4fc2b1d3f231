//! `--runs N`: the same run repeated against the same servers, one line per
//! run and the best, worst and median of each figure.

use memaslap_engine::Outcome;
use std::fmt::Write;
use std::time::Duration;

/// One run's figures.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RunLine {
    /// Operations per second (a multi-get counts its keys).
    pub ops_per_s: f64,
    /// Median latency, µs.
    pub p50_us: f64,
    /// 99th percentile latency, µs.
    pub p99_us: f64,
    /// 99.9th percentile latency, µs.
    pub p999_us: f64,
    /// Requests failed or timed out.
    pub errors: u64,
    /// µs of client CPU a request sent (where the system tells).
    pub client_us_per_request: Option<f64>,
}

impl RunLine {
    /// The figures of a finished run.
    pub fn of(outcome: &Outcome) -> RunLine {
        let c = &outcome.stats.counters;
        let total = outcome.stats.total();
        // Microseconds to 0.1, rates to 0.01.
        let us = |d: Duration| (d.as_secs_f64() * 1e7).round() / 10.0;
        let secs = outcome.elapsed.as_secs_f64();
        let ops = (c.cmd_get + c.cmd_set) as f64;
        let rate = if secs > 0.0 { ops / secs } else { 0.0 };
        RunLine {
            ops_per_s: (rate * 100.0).round() / 100.0,
            p50_us: us(total.quantile(0.5)),
            p99_us: us(total.quantile(0.99)),
            p999_us: us(total.quantile(0.999)),
            errors: c.requests_failed + c.requests_timed_out,
            client_us_per_request: outcome
                .client_cpu
                .and_then(|cpu| crate::client_cpu::us_per_request(&cpu, c.requests_sent)),
        }
    }
}

/// The table of every run, then the best, worst and median of each column
/// (best is the most operations per second and the lowest latencies).
pub fn summary(out: &mut String, runs: &[RunLine]) {
    let _ = writeln!(
        out,
        "{:<8} {:>12} {:>10} {:>10} {:>10} {:>8} {:>10}",
        "Run", "ops/s", "p50_us", "p99_us", "p99.9_us", "errors", "client_us"
    );
    for (i, run) in runs.iter().enumerate() {
        line(out, &(i + 1).to_string(), run);
    }
    let column = |f: fn(&RunLine) -> f64| {
        let mut values: Vec<f64> = runs.iter().map(f).collect();
        values.sort_by(f64::total_cmp);
        values
    };
    let ops = column(|r| r.ops_per_s);
    let lat = [
        column(|r| r.p50_us),
        column(|r| r.p99_us),
        column(|r| r.p999_us),
    ];
    let errs = column(|r| r.errors as f64);
    // The client's cost: the least is the best; unknown in any run, none.
    let client: Option<Vec<f64>> = runs.iter().map(|r| r.client_us_per_request).collect();
    let client = client.map(|mut values| {
        values.sort_by(f64::total_cmp);
        values
    });
    let pick = |values: &[f64], at: usize| values.get(at).copied().unwrap_or(0.0);
    let (first, last, mid) = (0, runs.len().saturating_sub(1), runs.len() / 2);
    for (name, ops_at, lat_at) in [
        ("best", last, first),
        ("worst", first, last),
        ("median", mid, mid),
    ] {
        let row = RunLine {
            ops_per_s: pick(&ops, ops_at),
            p50_us: pick(&lat[0], lat_at),
            p99_us: pick(&lat[1], lat_at),
            p999_us: pick(&lat[2], lat_at),
            errors: pick(&errs, lat_at) as u64,
            client_us_per_request: client.as_deref().map(|c| pick(c, lat_at)),
        };
        line(out, name, &row);
    }
}

fn line(out: &mut String, name: &str, r: &RunLine) {
    let client = r
        .client_us_per_request
        .map_or_else(|| "-".to_string(), |us| format!("{us:.2}"));
    let _ = writeln!(
        out,
        "{:<8} {:>12.0} {:>10.1} {:>10.1} {:>10.1} {:>8} {client:>10}",
        name, r.ops_per_s, r.p50_us, r.p99_us, r.p999_us, r.errors
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(ops: f64, p50: f64, errors: u64) -> RunLine {
        RunLine {
            ops_per_s: ops,
            p50_us: p50,
            p99_us: p50 * 2.0,
            p999_us: p50 * 3.0,
            errors,
            client_us_per_request: Some(p50 / 10.0),
        }
    }

    #[test]
    fn best_worst_and_median_per_column() {
        let mut out = String::new();
        summary(
            &mut out,
            &[
                run(100.0, 30.0, 0),
                run(300.0, 10.0, 2),
                run(200.0, 20.0, 1),
            ],
        );
        let rows: Vec<Vec<&str>> = out
            .lines()
            .map(|l| l.split_whitespace().collect())
            .collect();
        assert_eq!(rows.len(), 1 + 3 + 3);
        assert_eq!(
            rows[4],
            ["best", "300", "10.0", "20.0", "30.0", "0", "1.00"]
        );
        assert_eq!(
            rows[5],
            ["worst", "100", "30.0", "60.0", "90.0", "2", "3.00"]
        );
        assert_eq!(
            rows[6],
            ["median", "200", "20.0", "40.0", "60.0", "1", "2.00"]
        );
        // A run whose system did not tell: no client column to rank.
        let mut out = String::new();
        let unknown = RunLine {
            client_us_per_request: None,
            ..run(100.0, 30.0, 0)
        };
        summary(&mut out, &[unknown, run(300.0, 10.0, 2)]);
        assert!(
            out.lines()
                .all(|l| !l.starts_with("best") || l.ends_with(" -")),
            "{out}"
        );
    }
}
