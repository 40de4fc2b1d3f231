//! The final report's figures — latency blocks, counters, the run line,
//! the percentile table, the commands' table, the trace's and the open
//! loop's lines and the request accounting — for one run and for runs
//! merged by `memaslap merge`, which print them alike.

use crate::report;
use memaslap_engine::{OpenLoopConfig, Stats};
use memaslap_workload::TraceSummary;
use std::time::Duration;

/// What each count of operations in the report counts, printed under the
/// percentile table (the README and the JSON's field docs use the same
/// words).
pub const LEGEND: &str = "\
Ops on the Run time line: keys of gets, and sets, the server answered, server errors included (memaslap's count).
Ops in this table: requests answered, by any reply, errors included (a multi-get is one request).
The requests line: every request sent, by how it ended (completed: answered without an error).
";

/// What shapes the figures besides the statistics.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// Which optional counter lines to show.
    pub shown: report::Shown,
    /// The percentiles of the latency tables.
    pub percentiles: &'a [f64],
    /// The open loop as the figures' run had it (its whole rate).
    pub open: Option<OpenLoopConfig>,
    /// The trace a replay ran.
    pub trace: Option<&'a TraceSummary>,
}

/// Appends the figures of `stats`, over `elapsed`, to `out`.
pub fn figures(out: &mut String, stats: &Stats, elapsed: Duration, view: &View<'_>) {
    let total = stats.total();
    report::latency_block(out, "Get", &stats.get);
    report::latency_block(out, "Set", &stats.set);
    report::latency_block(out, "Total", &total);
    report::counters(out, &stats.counters, view.shown);
    let c = &stats.counters;
    report::run_line(
        out,
        elapsed,
        c.cmd_get + c.cmd_set,
        c.written_bytes + c.read_bytes,
    );
    out.push('\n');
    let shown = view.percentiles;
    report::percentile_header(out, shown);
    report::percentile_line(out, "Get", &stats.get, shown);
    report::percentile_line(out, "Set", &stats.set, shown);
    report::percentile_line(out, "Total", &total, shown);
    out.push_str(LEGEND);
    out.push('\n');
    crate::commands::table(out, stats, shown);
    if let Some(summary) = view.trace {
        crate::replay::ReplayJson::new(summary, stats).lines(out, elapsed);
    }
    if let Some(open) = &view.open {
        crate::open_loop::summary(out, open, stats, elapsed, shown);
    }
    report::accounting(out, c);
    if let Some(tls) = stats.tls.as_deref() {
        crate::tls::report(out, tls);
    }
}
