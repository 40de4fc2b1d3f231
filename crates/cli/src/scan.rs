//! `--scan FROM:TO:STEP`: the latency–throughput curve. Successive
//! open-loop steps of `--time` each against the same servers, the first
//! tenth of each a settling time whose latencies are not recorded; one row
//! per step, and with `--slo` the highest step that met every objective.

use crate::units::parse_rate;
use memaslap_engine::{BUSY_SHARE, Latency, Outcome};
use std::fmt::Write;
use std::time::Duration;

/// The most steps one scan takes.
pub const MAX_STEPS: usize = 1000;

/// The rates of a scan, in requests per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scan {
    /// The first step's rate.
    pub from: f64,
    /// The last step's rate is at most this.
    pub to: f64,
    /// From one step to the next.
    pub step: f64,
}

impl Scan {
    /// Every step's rate, in order.
    pub fn rates(&self) -> Vec<f64> {
        (0..MAX_STEPS)
            .map(|i| self.from + self.step * i as f64)
            .take_while(|r| *r <= self.to * (1.0 + 1e-9))
            .collect()
    }
}

/// Parses `FROM:TO:STEP`, rates as `--rate` takes them.
pub fn parse_scan(text: &str) -> Result<Scan, String> {
    let error = |why: &str| {
        format!(
            "'{text}' is not a scan ({why}); use FROM:TO:STEP in requests per second with FROM <= TO, e.g. 1000:5000:2000 or 10k:100k:10k"
        )
    };
    let mut parts = text.split(':');
    let (Some(from), Some(to), Some(step), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(error("three rates are needed"));
    };
    let rate = |s: &str| parse_rate(s).map_err(|e| error(&e));
    let scan = Scan {
        from: rate(from)?,
        to: rate(to)?,
        step: rate(step)?,
    };
    if scan.from > scan.to {
        return Err(error("FROM is above TO"));
    }
    if (scan.to - scan.from) / scan.step >= MAX_STEPS as f64 {
        return Err(error(&format!("more than {MAX_STEPS} steps")));
    }
    Ok(scan)
}

/// A latency objective: a percentile at most a time (`p99=1ms`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Objective {
    /// The percentile, one of the scan table's.
    pub percentile: f64,
    /// The most it may be.
    pub limit: Duration,
}

/// The percentiles of the scan table's response-time columns.
pub const PERCENTILES: [f64; 4] = [50.0, 90.0, 99.0, 99.9];

/// Parses `pNN=TIME[,pNN=TIME…]`, the percentiles among the table's and
/// the times in `us`, `ms` or `s`.
pub fn parse_slo(text: &str) -> Result<Vec<Objective>, String> {
    let error = || {
        format!(
            "'{text}' is not a latency objective; use pNN=TIME with pNN one of p50, p90, p99, p99.9 and TIME in us, ms or s, comma-separated (e.g. p99=1ms)"
        )
    };
    let objectives = text
        .split(',')
        .map(|part| {
            let (name, time) = part.trim().split_once('=').ok_or_else(error)?;
            let percentile = name
                .strip_prefix('p')
                .and_then(|p| p.parse::<f64>().ok())
                .filter(|p| PERCENTILES.contains(p))
                .ok_or_else(error)?;
            let (number, scale) = if let Some(n) = time.strip_suffix("us") {
                (n, 1e-6)
            } else if let Some(n) = time.strip_suffix("ms") {
                (n, 1e-3)
            } else if let Some(n) = time.strip_suffix('s') {
                (n, 1.0)
            } else {
                return Err(error());
            };
            let limit = number
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v > 0.0)
                .and_then(|v| Duration::try_from_secs_f64(v * scale).ok())
                .ok_or_else(error)?;
            Ok(Objective { percentile, limit })
        })
        .collect::<Result<Vec<_>, String>>()?;
    for (i, o) in objectives.iter().enumerate() {
        if objectives
            .get(..i)
            .unwrap_or_default()
            .iter()
            .any(|e| e.percentile == o.percentile)
        {
            return Err(format!(
                "'{text}': p{} is given twice; give each percentile one objective",
                o.percentile
            ));
        }
    }
    Ok(objectives)
}

/// One step's figures.
#[derive(Debug, Clone, serde::Serialize)]
pub struct StepLine {
    /// The rate asked for.
    pub offered_per_s: f64,
    /// Replies recorded per second after the settling time.
    pub achieved_per_s: f64,
    /// Response time percentiles ([`PERCENTILES`]), µs.
    pub response_us: [f64; 4],
    /// Service time p99, µs.
    pub service_p99_us: f64,
    /// Send lag p99, µs.
    pub send_lag_p99_us: f64,
    /// Requests dropped from the backlog.
    pub dropped: u64,
    /// Requests failed or timed out.
    pub errors: u64,
    /// Whether every objective of `--slo` held (none given: true).
    pub slo_met: bool,
    /// The largest share of the step one worker thread was on a core
    /// (where the system tells): near 1, the client set the pace.
    pub client_busy: Option<f64>,
}

fn us(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}

impl StepLine {
    /// The figures of a step at `rate` that recorded for `recorded`.
    pub fn of(rate: f64, outcome: &Outcome, recorded: Duration, slo: &[Objective]) -> StepLine {
        let stats = &outcome.stats;
        let total = stats.total();
        let open = stats.open.as_deref();
        let p99 = |l: Option<Latency>| l.map_or(0.0, |l| us(l.quantile(0.99)));
        let c = &stats.counters;
        let secs = recorded.as_secs_f64();
        StepLine {
            offered_per_s: rate,
            achieved_per_s: if secs > 0.0 {
                (total.count() as f64 / secs * 10.0).round() / 10.0
            } else {
                0.0
            },
            response_us: PERCENTILES.map(|p| us(total.quantile(p / 100.0))),
            service_p99_us: p99(open.map(|o| o.service_total())),
            send_lag_p99_us: p99(open.map(|o| o.lag_total())),
            dropped: c.requests_dropped,
            errors: c.requests_failed + c.requests_timed_out,
            slo_met: total.count() > 0
                && slo
                    .iter()
                    .all(|o| total.quantile(o.percentile / 100.0) <= o.limit),
            client_busy: outcome
                .client_cpu
                .map(|cpu| crate::json::round(cpu.busiest, 1e3)),
        }
    }
}

/// The table's header.
pub fn header(out: &mut String) {
    let _ = writeln!(
        out,
        "{:>12} {:>12} {:>10} {:>10} {:>10} {:>10} {:>12} {:>12} {:>8} {:>7} {:>6}",
        "offered/s",
        "achieved/s",
        "p50_us",
        "p90_us",
        "p99_us",
        "p99.9_us",
        "svc_p99_us",
        "lag_p99_us",
        "dropped",
        "errors",
        "busy"
    );
}

/// One step's row; `mark` is appended (the SLO's verdict).
pub fn row(out: &mut String, step: &StepLine, mark: &str) {
    let [p50, p90, p99, p999] = step.response_us;
    let busy = step
        .client_busy
        .map_or_else(|| "-".to_string(), crate::client_cpu::percent);
    let _ = writeln!(
        out,
        "{:>12.1} {:>12.1} {:>10.1} {:>10.1} {:>10.1} {:>10.1} {:>12.1} {:>12.1} {:>8} {:>7} {busy:>6}{mark}",
        step.offered_per_s,
        step.achieved_per_s,
        p50,
        p90,
        p99,
        p999,
        step.service_p99_us,
        step.send_lag_p99_us,
        step.dropped,
        step.errors
    );
}

/// The line naming the steps in which a worker thread was on a core for
/// most of the step ([`BUSY_SHARE`] or more): there the client, not the
/// server, may have set the pace. `None` when there were none.
pub fn client_bound(steps: &[StepLine]) -> Option<String> {
    let rates: Vec<String> = steps
        .iter()
        .filter(|s| s.client_busy.is_some_and(|b| b >= BUSY_SHARE))
        .map(|s| format!("{:.1}", s.offered_per_s))
        .collect();
    if rates.is_empty() {
        return None;
    }
    Some(format!(
        "a worker thread was on a core {:.0} % of the step or more at {} requests/s: \
         the client may have set the pace there (more threads with -T, or more client machines, would tell)\n",
        BUSY_SHARE * 100.0,
        rates.join(", ")
    ))
}

/// The highest step that met the objectives, by index.
pub fn highest_met(steps: &[StepLine]) -> Option<usize> {
    steps.iter().rposition(|s| s.slo_met)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_parse_and_list_their_rates() {
        let scan = parse_scan("1000:5000:2000").unwrap();
        assert_eq!(scan.rates(), [1000.0, 3000.0, 5000.0]);
        assert_eq!(parse_scan("10k:30k:10k").unwrap().rates(), [1e4, 2e4, 3e4]);
        assert_eq!(parse_scan("5:5:1").unwrap().rates(), [5.0]);
        for bad in [
            "",
            "1000",
            "1000:2000",
            "3000:1000:1000",
            "1:2:0",
            "1:2:x",
            "1:2000:1",
            "1:2:3:4",
        ] {
            let e = parse_scan(bad).unwrap_err();
            assert!(e.contains("FROM:TO:STEP"), "{bad}: {e}");
        }
    }

    #[test]
    fn the_steps_a_busy_client_may_have_paced_are_named() {
        let step = |rate: f64, busy: Option<f64>| StepLine {
            offered_per_s: rate,
            achieved_per_s: rate,
            response_us: [1.0; 4],
            service_p99_us: 1.0,
            send_lag_p99_us: 1.0,
            dropped: 0,
            errors: 0,
            slo_met: true,
            client_busy: busy,
        };
        let steps = [
            step(1000.0, Some(0.2)),
            step(3000.0, Some(0.95)),
            step(5000.0, None),
            step(7000.0, Some(0.9)),
        ];
        let line = client_bound(&steps).unwrap();
        assert!(
            line.starts_with("a worker thread was on a core 90 % of the step or more at 3000.0, 7000.0 requests/s: "),
            "{line}"
        );
        assert_eq!(client_bound(&steps[..1]), None);
        let mut row_text = String::new();
        row(&mut row_text, &steps[1], "  met");
        assert!(
            row_text.ends_with("    0       0    95%  met\n"),
            "{row_text:?}"
        );
        row_text.clear();
        row(&mut row_text, &steps[2], "");
        assert!(row_text.ends_with("      -\n"), "{row_text:?}");
    }

    #[test]
    fn objectives_name_a_printed_percentile_and_a_time() {
        assert_eq!(
            parse_slo("p99=1ms,p50=250us").unwrap(),
            [
                Objective {
                    percentile: 99.0,
                    limit: Duration::from_millis(1)
                },
                Objective {
                    percentile: 50.0,
                    limit: Duration::from_micros(250)
                },
            ]
        );
        assert_eq!(
            parse_slo("p99.9=2s").unwrap()[0].limit,
            Duration::from_secs(2)
        );
        for bad in [
            "", "p99", "p98=1ms", "99=1ms", "p99=1", "p99=-1ms", "p99=fast",
        ] {
            assert!(parse_slo(bad).unwrap_err().contains("pNN=TIME"), "{bad}");
        }
        assert!(
            parse_slo("p99=1ms,p50=1ms,p99=2ms")
                .unwrap_err()
                .contains("p99 is given twice")
        );
    }
}
