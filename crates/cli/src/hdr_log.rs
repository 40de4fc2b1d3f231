//! `--hdr-log FILE`: the run's intervals in HdrHistogram's interval log
//! format, which `HistogramLogProcessor`, HdrHistogram's plotters and the
//! `hdrhistogram` crate's reader take: one line per interval per kind
//! (`get`, `set`) and per command of `--mix` (`command.NAME`), the last
//! line of each a partial interval that holds the drain, so that the
//! intervals add up to the run.

use crate::provenance::rfc3339;
use memaslap_engine::{Latency, Outcome};
use std::fmt::Write;
use std::path::Path;
use std::time::UNIX_EPOCH;

/// Writes the log of `outcome` to `path`.
///
/// # Errors
/// A message naming the file when it cannot be written.
pub fn write(path: &Path, outcome: &Outcome) -> Result<(), String> {
    std::fs::write(path, text(outcome))
        .map_err(|e| format!("cannot write --hdr-log {}: {e}", path.display()))
}

/// The log of `outcome`.
pub fn text(outcome: &Outcome) -> String {
    let start = outcome
        .started_at
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs_f64();
    let mut out = String::new();
    let _ = writeln!(out, "#[Histogram log format version 1.3]");
    let _ = writeln!(
        out,
        "#[StartTime: {start:.3} (seconds since epoch), {}]",
        rfc3339(outcome.started_at)
    );
    let _ = writeln!(
        out,
        "#[memaslap {}: tags get, set and command.NAME; values in ns; Interval_Max in ms]",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        out,
        "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\""
    );
    let mut from = 0.0;
    for interval in &outcome.series {
        let to = interval.elapsed.as_secs_f64();
        let Some(saved) = interval.saved.as_deref() else {
            continue;
        };
        let tagged = [("get", &saved.get), ("set", &saved.set)]
            .into_iter()
            .map(|(tag, hdr)| (tag.to_string(), hdr))
            .chain(
                saved
                    .commands
                    .iter()
                    .map(|(name, hdr)| (format!("command.{name}"), hdr)),
            );
        for (tag, hdr) in tagged {
            let max_ms = Latency::from_histogram(hdr)
                .map(|l| l.max().as_secs_f64() * 1e3)
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "Tag={tag},{from:.3},{:.3},{max_ms:.3},{hdr}",
                (to - from).max(0.0)
            );
        }
        from = to;
    }
    out
}
