//! `--trace`: the trace read once before the run (its span, requests by
//! command and malformed lines), the workload and engine set to replay it,
//! and what the replay did, in the report and the JSON.

use crate::options::{Options, TraceFormatName};
use crate::setup::SetupError;
use memaslap_engine::{EngineConfig, LATEST_DUE, Latency, Stats, Stop};
use memaslap_workload::{
    Command, TraceConfig, TraceFormat, TracePlan, TraceSummary, WorkloadConfig, scan,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// How fast a trace is replayed, as `--trace-speed` gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Speed {
    /// At the trace's times divided by this factor.
    Times(f64),
    /// As fast as the connections and `--depth` allow.
    Max,
}

/// `--trace-speed`: a positive factor, or `max`.
pub fn parse_speed(text: &str) -> Result<Speed, String> {
    if text == "max" {
        return Ok(Speed::Max);
    }
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Speed::Times)
        .ok_or_else(|| {
            format!("'{text}' is not a speed; use a factor above 0 (1 = as recorded) or max")
        })
}

/// Reads the trace `--trace` names and sets the workload and the engine to
/// replay it; `None` without `--trace`.
pub fn apply(
    options: &Options,
    workload: &mut WorkloadConfig,
    engine: &mut EngineConfig,
) -> Result<Option<TraceSummary>, SetupError> {
    let Some(path) = &options.trace else {
        return Ok(None);
    };
    let config = TraceConfig {
        path: path.clone(),
        format: match options.trace_format {
            TraceFormatName::Csv => TraceFormat::Csv,
            TraceFormatName::OracleGeneral => TraceFormat::OracleGeneral,
        },
        skip_bad: options.trace_skip_bad,
    };
    let summary = scan(&config).map_err(|e| SetupError::Usage(e.to_string()))?;
    workload.trace =
        Some(TracePlan::new(config, &summary).map_err(|e| SetupError::Usage(e.to_string()))?);
    engine.stop = Stop::Operations(u64::MAX);
    engine.replay_speed = match options.trace_speed {
        Speed::Times(speed) => Some(check_speed(speed, summary.span())?),
        Speed::Max => None,
    };
    Ok(Some(summary))
}

/// `--trace-speed speed` for a trace spanning `span` seconds: refused when
/// the replay would outlast [`LATEST_DUE`], past which no request is
/// scheduled.
fn check_speed(speed: f64, span: f64) -> Result<f64, SetupError> {
    let latest = LATEST_DUE.as_secs_f64();
    if span / speed <= latest {
        return Ok(speed);
    }
    Err(SetupError::Usage(format!(
        "--trace-speed {speed:e}: the trace's {span:.3}s span would take {:.3e}s to replay, \
         more than {latest:.0}s (2^40); use a factor of at least {:.3e}, or max",
        span / speed,
        span / latest
    )))
}

/// The requests of each command, by name, those with none left out.
fn by_name(counts: &[u64]) -> BTreeMap<&'static str, u64> {
    Command::ALL
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(c, n)| (c.name(), *n))
        .collect()
}

/// The banner's line: the file, its requests and span, the speed.
pub fn banner(out: &mut String, options: &Options, summary: &TraceSummary) {
    let path = options.trace.as_deref().map(|p| p.display().to_string());
    let commands: Vec<String> = by_name(&summary.by_command)
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let speed = match options.trace_speed {
        Speed::Times(s) => format!("speed {s}"),
        Speed::Max => "speed max".into(),
    };
    let _ = writeln!(
        out,
        "trace: {} {} requests over {:.3}s ({}), {speed}",
        path.unwrap_or_default(),
        summary.requests,
        summary.span(),
        commands.join(", ")
    );
    if summary.skipped > 0 || summary.clamped > 0 {
        let _ = writeln!(
            out,
            "trace: {} malformed lines skipped, {} requests with sizes clamped",
            summary.skipped, summary.clamped
        );
    }
}

/// What the replay did, for the report and the JSON.
#[derive(Debug, Clone, Serialize)]
pub struct ReplayJson {
    /// Requests in the trace.
    pub requests: u64,
    /// Requests in the trace, by command.
    pub by_command: BTreeMap<&'static str, u64>,
    /// Seconds from its first request to its last.
    pub span_s: f64,
    /// Malformed lines skipped.
    pub skipped: u64,
    /// Requests replayed at clamped sizes.
    pub clamped: u64,
    /// Requests sent.
    pub sent: u64,
    /// Demand fills sent after misses (`oracleGeneral`).
    pub fills: u64,
    /// Records never sent: their connection died, or the run stopped first.
    pub unsent: u64,
    /// How far behind the trace's clock requests went out, µs (timed
    /// replays only).
    pub lag_p50_us: Option<f64>,
    /// As above, 99th percentile.
    pub lag_p99_us: Option<f64>,
    /// As above, at most.
    pub lag_max_us: Option<f64>,
}

impl ReplayJson {
    /// The replay of `summary`, with what `stats` counted.
    pub fn new(summary: &TraceSummary, stats: &Stats) -> ReplayJson {
        let c = &stats.counters;
        let lag = stats.open.as_deref().map(|o| o.lag_total());
        let us = |f: fn(&Latency) -> Duration| lag.as_ref().map(|l| us(f(l)));
        ReplayJson {
            requests: summary.requests,
            by_command: by_name(&summary.by_command),
            span_s: summary.span(),
            skipped: summary.skipped,
            clamped: summary.clamped,
            sent: c.requests_sent,
            fills: c.fills,
            unsent: c.requests_dropped + c.backlog_at_end,
            lag_p50_us: us(|l| l.quantile(0.5)),
            lag_p99_us: us(|l| l.quantile(0.99)),
            lag_max_us: us(Latency::max),
        }
    }

    /// The report's lines.
    pub fn lines(&self, out: &mut String, elapsed: Duration) {
        let _ = writeln!(
            out,
            "trace: sent {} of {} requests (fills {}, unsent {}), a {:.3}s span replayed in {:.3}s",
            self.sent,
            self.requests,
            self.fills,
            self.unsent,
            self.span_s,
            elapsed.as_secs_f64()
        );
        if let (Some(p50), Some(p99), Some(max)) =
            (self.lag_p50_us, self.lag_p99_us, self.lag_max_us)
        {
            let _ = writeln!(
                out,
                "trace: lag behind the trace clock p50 {p50:.1}us p99 {p99:.1}us max {max:.1}us"
            );
        }
    }
}

fn us(d: Duration) -> f64 {
    (d.as_secs_f64() * 1e7).round() / 10.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speeds() {
        assert_eq!(parse_speed("max"), Ok(Speed::Max));
        assert_eq!(parse_speed("2.5"), Ok(Speed::Times(2.5)));
        for bad in ["0", "-1", "x", "inf", ""] {
            assert!(parse_speed(bad).unwrap_err().contains("max"), "{bad}");
        }
    }

    #[test]
    fn a_speed_that_would_stretch_the_replay_past_the_latest_due_is_refused() {
        assert_eq!(check_speed(1e-6, 3600.0).ok(), Some(1e-6));
        // A span of nothing replays at once at any speed.
        assert_eq!(check_speed(1e-300, 0.0).ok(), Some(1e-300));
        let Err(SetupError::Usage(message)) = check_speed(1e-300, 1.0) else {
            panic!("a one-second span at 1e-300 is refused");
        };
        assert!(message.contains("--trace-speed 1e-300"), "{message}");
        assert!(message.contains("at least"), "{message}");
    }
}
