//! The merged run's report — the figures one run prints, its intervals by
//! wall-clock time, and a table of the instances so that an outlier
//! machine shows — and its JSON document.

use super::InstanceLine;
use super::combine::Merged;
use super::input::Input;
use crate::provenance::{Provenance, rfc3339};
use memaslap_engine::{ArrivalKind, OpenLoopConfig, Wake};
use serde_json::Value;
use std::fmt::Write;
use std::path::Path;

/// The percentiles shown when neither the run nor the merge names any.
const DEFAULT_PERCENTILES: [f64; 5] = [50.0, 90.0, 99.0, 99.9, 99.99];

/// Everything the merged report is drawn from.
#[derive(Debug, Clone, Copy)]
pub struct Whole<'a> {
    /// The files, as read.
    pub inputs: &'a [Input],
    /// Their instances, by index.
    pub instances: &'a [InstanceLine],
    /// The whole run.
    pub merged: &'a Merged,
    /// `--percentiles` of the merge, if given.
    pub percentiles: Option<&'a [f64]>,
}

impl Whole<'_> {
    /// The configuration every input shares.
    fn config(&self) -> &Value {
        self.inputs.first().map_or(&Value::Null, |i| &i.run.config)
    }

    /// The percentiles to show: the merge's, else the run's.
    fn percentiles(&self) -> Vec<f64> {
        if let Some(p) = self.percentiles {
            return p.to_vec();
        }
        let run: Option<Vec<f64>> = self.config().get("percentiles").and_then(|v| {
            v.as_array()?
                .iter()
                .map(Value::as_f64)
                .collect::<Option<Vec<f64>>>()
        });
        run.filter(|p| !p.is_empty() && p.iter().all(|q| *q > 0.0 && *q < 100.0))
            .unwrap_or_else(|| DEFAULT_PERCENTILES.to_vec())
    }

    /// The open loop of the instances merged: their share of the run's
    /// whole rate.
    fn open_loop(&self) -> Option<OpenLoopConfig> {
        let config = self.config();
        let rate = config.get("rate")?.as_f64()?;
        let arrival = match config.get("arrival").and_then(Value::as_str) {
            Some("uniform") => ArrivalKind::Uniform,
            _ => ArrivalKind::Poisson,
        };
        let merged = self.instances.len() as f64;
        let count = self.instances.first().map_or(1, |i| i.count.max(1)) as f64;
        Some(OpenLoopConfig {
            rate: rate * merged / count,
            arrival,
            max_backlog: None,
            wake: Wake::default(),
        })
    }
}

/// Appends the merged run's report to `out`.
pub fn print(out: &mut String, whole: &Whole<'_>) {
    heading(out, whole);
    let outcome = &whole.merged.outcome;
    let config = whole.config();
    let flag = |key: &str| config.get(key).and_then(Value::as_f64).unwrap_or(0.0) > 0.0;
    let percentiles = whole.percentiles();
    let view = crate::closing::View {
        shown: crate::report::Shown {
            verify: flag("verify"),
            expire: flag("exp_verify"),
            udp: config
                .get("mode")
                .and_then(Value::as_str)
                .is_some_and(|m| m != "tcp"),
        },
        percentiles: &percentiles,
        open: whole.open_loop(),
        trace: None,
    };
    crate::closing::figures(out, &outcome.stats, outcome.elapsed, &view);
    if let Some(cpu) = &outcome.client_cpu {
        let polls = config.get("wake").and_then(Value::as_str) == Some(Wake::Spin.name());
        crate::client_cpu::lines(out, cpu, outcome.stats.counters.requests_sent, polls);
    }
    if config.get("stat_freq_s").is_some_and(|v| !v.is_null()) {
        intervals(out, outcome);
    }
    crate::outages::outages(out, &outcome.outages, outcome.outages_more);
    for line in &whole.merged.never_served {
        let _ = writeln!(out, "{line}");
    }
    instance_table(out, whole.instances);
}

/// Which instances were merged, and when the run started.
fn heading(out: &mut String, whole: &Whole<'_>) {
    let count = whole.instances.first().map_or(0, |i| i.count);
    let indices: Vec<String> = whole
        .instances
        .iter()
        .map(|i| i.index.to_string())
        .collect();
    let missing = count.saturating_sub(whole.instances.len() as u64);
    let all = if missing == 0 {
        "all".to_string()
    } else {
        format!("{missing} missing")
    };
    let _ = writeln!(
        out,
        "merged {} results of one run: instances {} of {count} ({all})",
        whole.inputs.len(),
        indices.join(", ")
    );
    let _ = writeln!(
        out,
        "started at {}",
        rfc3339(whole.merged.outcome.started_at)
    );
}

/// The merged intervals, one row each.
fn intervals(out: &mut String, outcome: &memaslap_engine::Outcome) {
    let _ = writeln!(
        out,
        "\nIntervals (rows of every instance, by wall-clock time):\n{:<24} {:>9} {:>10} {:>10} {:>8} {:>10} {:>10} {:>10}",
        "end (UTC)", "elapsed_s", "gets", "sets", "errors", "p50_us", "p99_us", "max_us"
    );
    for s in &outcome.series {
        let end = outcome
            .started_at
            .checked_add(s.elapsed)
            .unwrap_or(outcome.started_at);
        let _ = writeln!(
            out,
            "{:<24} {:>9.1} {:>10} {:>10} {:>8} {:>10.1} {:>10.1} {:>10.1}",
            rfc3339(end),
            s.elapsed.as_secs_f64(),
            s.gets,
            s.sets,
            s.errors,
            s.p50.as_secs_f64() * 1e6,
            s.p99.as_secs_f64() * 1e6,
            s.max.as_secs_f64() * 1e6
        );
    }
    out.push('\n');
}

/// One row per instance: what it did, so that an outlier shows.
fn instance_table(out: &mut String, instances: &[InstanceLine]) {
    let _ = writeln!(
        out,
        "\nInstances:\n{:<9} {:<20} {:>12} {:>12} {:>8} {:>10}  file",
        "instance", "host", "ops", "ops/s", "errors", "p99_us"
    );
    for i in instances {
        let rate = if i.elapsed_s > 0.0 {
            i.ops as f64 / i.elapsed_s
        } else {
            0.0
        };
        let _ = writeln!(
            out,
            "{:<9} {:<20} {:>12} {:>12.1} {:>8} {:>10.1}  {}{}",
            format!("{}/{}", i.index, i.count),
            i.host,
            i.ops,
            rate,
            i.errors,
            i.p99_us,
            i.file,
            i.error
                .as_ref()
                .map(|e| format!(" (failed: {e})"))
                .unwrap_or_default()
        );
    }
}

/// Writes the merged result in the format of `--json` to `json`, and as
/// an HTML page to `page`, as asked.
///
/// # Errors
/// A message naming the file when it cannot be written.
pub fn write_outputs(
    (json, page): (Option<&Path>, Option<&Path>),
    whole: &Whole<'_>,
    now: &Provenance,
) -> Result<(), String> {
    let outcome = &whole.merged.outcome;
    let mut config = whole.config().clone();
    if let Some(fields) = config.as_object_mut() {
        fields.insert("instance".to_string(), Value::Null);
    }
    let mut hosts: Vec<&str> = whole.instances.iter().map(|i| i.host.as_str()).collect();
    hosts.dedup();
    let provenance = Provenance {
        start_time: whole
            .inputs
            .iter()
            .map(|i| i.run.start_time.clone())
            .min()
            .unwrap_or_default(),
        host: hosts.join(","),
        command_line: now.command_line.clone(),
    };
    let seed = whole.inputs.first().map_or(0, |i| i.run.seed);
    let error = whole.instances.iter().find_map(|i| {
        let e = i.error.as_ref()?;
        Some(format!("instance {}/{}: {e}", i.index, i.count))
    });
    let mut doc = crate::json::document(outcome, seed, &config, &provenance);
    doc.error = error.as_deref();
    doc.open_loop = whole
        .open_loop()
        .map(|open| crate::json::OpenLoopJson::new(&open, &outcome.stats));
    doc.commands = crate::commands::json(&outcome.stats);
    doc.tls = outcome.stats.tls.as_deref().map(crate::tls::TlsJson::new);
    doc.connections.never_served = whole.merged.never_served.clone();
    doc.instances = whole.instances.to_vec();
    if let Some(path) = json {
        serde_json::to_vec_pretty(&doc)
            .map_err(|e| e.to_string())
            .and_then(|bytes| std::fs::write(path, bytes).map_err(|e| e.to_string()))
            .map_err(|e| format!("cannot write --json {}: {e}", path.display()))?;
    }
    if let Some(path) = page {
        let value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
        crate::report_command::write_page(path, &[("merged", &value)])?;
    }
    Ok(())
}
