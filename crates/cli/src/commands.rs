//! `--mix`: each command's counts and latencies, as a table in the report
//! and an object in the JSON.

use crate::json::LatencyJson;
use memaslap_engine::{CommandCounts, Stats};
use memaslap_workload::Command;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

/// One command's figures in the JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct CommandJson {
    /// Requests whose reply came in without an error.
    pub completed: u64,
    /// Keys asked for (a multi-get of `d` keys counts `d`).
    pub keys: u64,
    /// Found (a value, `STORED`, `DELETED`, `TOUCHED`, a number).
    pub hits: u64,
    /// Not found (`NOT_FOUND`, a retrieval's miss).
    pub misses: u64,
    /// Refused by their condition (`NOT_STORED`, `EXISTS`).
    pub refused: u64,
    /// Requests answered with an error.
    pub errors: u64,
    /// Requests that timed out or whose connection was lost.
    pub lost: u64,
    /// Latency of the requests answered.
    pub latency: Option<LatencyJson>,
}

/// The commands that ran, in their order, with their counts.
fn ran(stats: &Stats) -> impl Iterator<Item = (Command, CommandCounts)> + '_ {
    Command::ALL
        .into_iter()
        .map(|command| (command, stats.counters.of(command)))
        .filter(|(_, counts)| counts.requests() > 0)
}

/// Each command that ran, by name; `None` when the run kept no latencies
/// by command (no `--mix`).
pub fn json(stats: &Stats) -> Option<BTreeMap<&'static str, CommandJson>> {
    let latencies = stats.commands.as_deref()?;
    let by_name = ran(stats)
        .map(|(command, c)| {
            let figures = CommandJson {
                completed: c.completed,
                keys: c.keys,
                hits: c.hits,
                misses: c.misses,
                refused: c.refused,
                errors: c.errors,
                lost: c.lost,
                latency: latencies.of(command).map(LatencyJson::from),
            };
            (command.name(), figures)
        })
        .collect();
    Some(by_name)
}

/// The table of every command that ran: its counts, and its latency at
/// `percentiles` and at most. Nothing when the run kept no latencies by
/// command.
pub fn table(out: &mut String, stats: &Stats, percentiles: &[f64]) {
    let Some(latencies) = stats.commands.as_deref() else {
        return;
    };
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let _ = writeln!(out, "Commands (latency in us)");
    let _ = write!(
        out,
        "{:<8} {:<10} {:<10} {:<10} {:<10} {:<8} {:<7} {:<7}",
        "Command", "Completed", "Keys", "Hits", "Misses", "Refused", "Errors", "Lost"
    );
    for p in percentiles {
        let _ = write!(out, " {:<9}", format!("p{p}"));
    }
    let _ = writeln!(out, " max");
    for (command, c) in ran(stats) {
        let _ = write!(
            out,
            "{:<8} {:<10} {:<10} {:<10} {:<10} {:<8} {:<7} {:<7}",
            command.name(),
            c.completed,
            c.keys,
            c.hits,
            c.misses,
            c.refused,
            c.errors,
            c.lost
        );
        if let Some(latency) = latencies.of(command) {
            for p in percentiles {
                let _ = write!(out, " {:<9.1}", us(latency.quantile(p / 100.0)));
            }
            let _ = write!(out, " {:.1}", us(latency.max()));
        }
        out.push('\n');
    }
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_commands_that_ran_are_shown() {
        let mut stats = Stats::default().by_command(true);
        let delete = stats.counters.command(Command::Delete);
        delete.completed = 3;
        delete.keys = 3;
        delete.hits = 2;
        delete.misses = 1;
        stats.counters.command(Command::Incr).lost = 1;
        if let Some(l) = stats.commands.as_deref_mut() {
            l.record(Command::Delete, Duration::from_micros(40));
        }
        let mut out = String::new();
        table(&mut out, &stats, &[50.0, 99.0]);
        let rows: Vec<&str> = out.lines().skip(2).filter(|l| !l.is_empty()).collect();
        assert_eq!(rows.len(), 2, "{out}");
        assert!(
            rows[0].starts_with("delete   3          3          2          1 "),
            "{out}"
        );
        assert!(rows[1].starts_with("incr     0 "), "{out}");
        let doc = json(&stats).unwrap();
        assert_eq!(doc.keys().copied().collect::<Vec<_>>(), ["delete", "incr"]);
        assert_eq!(doc["incr"].lost, 1);
        let mut none = String::new();
        table(&mut none, &Stats::default(), &[50.0]);
        assert!(none.is_empty());
        assert!(json(&Stats::default()).is_none());
    }
}
