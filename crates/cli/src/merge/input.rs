//! One result file as `memaslap merge` reads it: the parts of the JSON
//! document a merge needs, and the statistics restored from them.

use super::InstanceLine;
use crate::commands::CommandJson;
use crate::instance::YEAR_10000;
use crate::json::{ConnectionsJson, CountersJson, IntervalJson, LatencyByKind};
use crate::json::{OpenLoopJson, OutageJson};
use memaslap_engine::{CommandCounts, CommandLatency, OpenLatency, Stats};
use memaslap_workload::Command;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A result file, read.
#[derive(Debug)]
pub struct Input {
    /// Where it was read from.
    pub path: PathBuf,
    /// What it holds.
    pub run: RunFile,
}

/// The document's fields a merge reads.
#[derive(Debug, Deserialize)]
pub struct RunFile {
    pub(crate) schema: u32,
    pub(crate) version: String,
    pub(crate) start_time: String,
    pub(crate) run_start_unix_s: f64,
    pub(crate) host: String,
    pub(crate) error: Option<String>,
    pub(crate) seed: u64,
    pub(crate) config: serde_json::Value,
    pub(crate) elapsed_s: f64,
    pub(crate) counters: CountersJson,
    pub(crate) latency: LatencyByKind,
    pub(crate) service_time: Option<LatencyByKind>,
    pub(crate) send_lag: Option<LatencyByKind>,
    pub(crate) open_loop: Option<OpenLoopJson>,
    pub(crate) scan: Option<serde_json::Value>,
    pub(crate) commands: Option<BTreeMap<String, CommandJson>>,
    pub(crate) trace: Option<serde_json::Value>,
    pub(crate) tls: Option<crate::tls::TlsJson>,
    #[serde(default)]
    pub(crate) client_cpu: Option<crate::client_cpu::ClientCpuJson>,
    pub(crate) series: Vec<IntervalJson>,
    pub(crate) connections: ConnectionsJson,
    pub(crate) outages: Vec<OutageJson>,
    pub(crate) outages_not_listed: u64,
    #[serde(default)]
    pub(crate) instances: Vec<InstanceLine>,
}

/// The files `paths` name: each file, and every `*.json` file of each
/// directory, in name order.
///
/// # Errors
/// A message naming a directory that cannot be read or holds no result.
pub fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if !path.is_dir() {
            files.push(path.clone());
            continue;
        }
        let name = path.display();
        let entries = std::fs::read_dir(path).map_err(|e| format!("{name}: cannot read: {e}"))?;
        let mut found: Vec<PathBuf> = entries
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .collect();
        if found.is_empty() {
            return Err(format!("{name}: a directory with no *.json result in it"));
        }
        found.sort();
        files.extend(found);
    }
    Ok(files)
}

/// Reads the result file at `path`.
///
/// # Errors
/// A message naming the file and what is wrong with it.
pub fn read(path: &Path) -> Result<Input, String> {
    let name = path.display();
    let bytes = crate::files::read_capped(path, crate::files::MAX_RESULT)
        .map_err(|e| format!("{name}: cannot read: {e}"))?;
    let run: RunFile = serde_json::from_slice(&bytes)
        .map_err(|e| format!("{name}: not a memaslap --json result: {e}"))?;
    if run.schema != crate::json::SCHEMA {
        return Err(format!(
            "{name}: schema {} (this memaslap reads schema {})",
            run.schema,
            crate::json::SCHEMA
        ));
    }
    // Unix seconds and spans from 0 to the year 9999, as --start-at takes
    // them: past that, the sums the merge makes overflow the clock.
    let time = |t: f64| (0.0..YEAR_10000).contains(&t);
    if !time(run.run_start_unix_s) || !time(run.elapsed_s) {
        return Err(format!(
            "{name}: run_start_unix_s or elapsed_s is not a time (seconds, 0 to the year 9999)"
        ));
    }
    if let Some(i) = run
        .series
        .iter()
        .position(|row| !time(row.time_unix_s) || !time(row.elapsed_s))
    {
        return Err(format!(
            "{name}: series[{i}]: time_unix_s or elapsed_s is not a time (seconds, 0 to the year 9999)"
        ));
    }
    Ok(Input {
        path: path.to_path_buf(),
        run,
    })
}

impl Input {
    /// The statistics the file saved, restored exactly.
    ///
    /// # Errors
    /// A message naming the file and the field that cannot be restored.
    pub fn stats(&self) -> Result<Stats, String> {
        let name = self.path.display();
        let run = &self.run;
        let restore = |field: &str, l: &crate::json::LatencyJson| {
            l.restore().map_err(|e| format!("{name}: {field}: {e}"))
        };
        let mut stats = Stats {
            get: restore("latency.get", &run.latency.get)?,
            set: restore("latency.set", &run.latency.set)?,
            counters: run.counters.counters(),
            ..Stats::default()
        };
        if let Some(o) = &run.open_loop {
            let c = &mut stats.counters;
            (c.requests_due, c.requests_dropped, c.backlog_at_end) =
                (o.due, o.dropped, o.backlog_at_end);
        }
        if let (Some(service), Some(lag)) = (&run.service_time, &run.send_lag) {
            stats.open = Some(Box::new(OpenLatency {
                service_get: restore("service_time.get", &service.get)?,
                service_set: restore("service_time.set", &service.set)?,
                lag_get: restore("send_lag.get", &lag.get)?,
                lag_set: restore("send_lag.set", &lag.set)?,
            }));
        }
        if let Some(commands) = &run.commands {
            let mut latencies = CommandLatency::default();
            for (key, figures) in commands {
                let command = Command::ALL
                    .into_iter()
                    .find(|c| c.name() == key)
                    .ok_or_else(|| format!("{name}: commands.{key}: no such command"))?;
                *stats.counters.command(command) = CommandCounts {
                    completed: figures.completed,
                    keys: figures.keys,
                    hits: figures.hits,
                    misses: figures.misses,
                    refused: figures.refused,
                    errors: figures.errors,
                    lost: figures.lost,
                };
                if let Some(l) = &figures.latency {
                    latencies.set(command, restore(&format!("commands.{key}.latency"), l)?);
                }
            }
            stats.commands = Some(Box::new(latencies));
        }
        if let Some(tls) = &run.tls {
            let restored = tls
                .stats()
                .map_err(|e| format!("{name}: tls.handshake_time: {e}"))?;
            stats.tls = Some(Box::new(restored));
        }
        Ok(stats)
    }

    /// The instances the file holds: its own, or those a merge put in it.
    ///
    /// # Errors
    /// A message naming the file when it says neither.
    pub fn instances(&self) -> Result<Vec<InstanceLine>, String> {
        if !self.run.instances.is_empty() {
            return Ok(self.run.instances.clone());
        }
        let pair = self.run.config.get("instance").and_then(|v| {
            let index = v.get(0)?.as_u64()?;
            let count = v.get(1)?.as_u64()?;
            (index < count).then_some((index, count))
        });
        let Some((index, count)) = pair else {
            return Err(format!(
                "{}: config.instance is not [index, count]",
                self.path.display()
            ));
        };
        let c = &self.run.counters.counters();
        Ok(vec![InstanceLine {
            index,
            count,
            host: self.run.host.clone(),
            file: self.path.display().to_string(),
            ops: c.cmd_get + c.cmd_set,
            errors: c.requests_failed + c.requests_timed_out,
            elapsed_s: self.run.elapsed_s,
            p99_us: self.run.latency.total.p99_us(),
            error: self.run.error.clone(),
        }])
    }
}
