//! Results of one run's instances made into the result of the whole run:
//! counters summed, latencies merged from their histograms, interval rows
//! merged by wall-clock time, outages and connections put together.

use super::input::Input;
use crate::json::{IntervalJson, OutageJson};
use memaslap_engine::{During, IntervalSummary, Latency, Outage, Outcome};
use memaslap_engine::{Rejections, SavedInterval, Server, Stats};
use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The whole run.
#[derive(Debug)]
pub struct Merged {
    /// Its outcome, as one run's.
    pub outcome: Outcome,
    /// The connections never served, one line per instance and kind.
    pub never_served: Vec<String>,
}

/// Merges `inputs`, already known to be of one run.
///
/// # Errors
/// A message naming the file and field that cannot be read back.
pub fn merge(inputs: &[Input]) -> Result<Merged, String> {
    let start = inputs
        .iter()
        .map(|i| i.run.run_start_unix_s)
        .fold(f64::INFINITY, f64::min);
    let start = if start.is_finite() {
        start.max(0.0)
    } else {
        0.0
    };
    let mut stats = Stats::default();
    let mut outages = Vec::new();
    let (mut outages_more, mut end) = (0, 0.0f64);
    let (mut connections, mut dead) = (0, 0);
    let mut rejections = Rejections::default();
    let mut never_served = Vec::new();
    // Every instance's, added up; none when one could not tell.
    let (mut client_cpu, mut cpu_told) = (None::<memaslap_engine::ClientCpu>, true);
    for input in inputs {
        match &input.run.client_cpu {
            Some(cpu) => {
                let cpu = cpu
                    .restore()
                    .map_err(|e| format!("{}: {e}", input.path.display()))?;
                match &mut client_cpu {
                    Some(all) => all.merge(&cpu),
                    None => client_cpu = Some(cpu),
                }
            }
            None => cpu_told = false,
        }
        let run = &input.run;
        stats.merge(&input.stats()?);
        let offset = run.run_start_unix_s - start;
        end = end.max(offset + run.elapsed_s);
        for o in &run.outages {
            outages.push(outage(o, offset).map_err(|e| format!("{}: {e}", input.path.display()))?);
        }
        outages_more += run.outages_not_listed;
        let c = &run.connections;
        connections += c.total;
        dead += c.dead;
        rejections.refused += c.refused;
        rejections.closed += c.closed_before_reply;
        rejections.rejected += c.rejected;
        let who = match input.instances()?.as_slice() {
            [one] => format!("instance {}/{}: ", one.index, one.count),
            _ => String::new(),
        };
        never_served.extend(c.never_served.iter().map(|l| format!("{who}{l}")));
    }
    outages.sort_by_key(|o| o.start);
    let interval = interval_of(inputs);
    let outcome = Outcome {
        stats,
        elapsed: seconds(end),
        started_at: wall_clock(start),
        waited: Duration::ZERO,
        dead,
        deaths: memaslap_engine::Deaths::default(),
        connections,
        series: series(inputs, start, interval)?,
        outages,
        outages_more,
        rejections,
        client_cpu: client_cpu.filter(|_| cpu_told),
    };
    Ok(Merged {
        outcome,
        never_served,
    })
}

/// The length of the run's intervals (`-S`, or a second).
pub fn interval_of(inputs: &[Input]) -> f64 {
    inputs
        .first()
        .and_then(|i| i.run.config.get("stat_freq_s"))
        .and_then(serde_json::Value::as_f64)
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0)
}

/// An outage of a run that started `offset` seconds after the merged run.
fn outage(o: &OutageJson, offset: f64) -> Result<Outage, String> {
    let server: Server = o
        .server
        .parse()
        .map_err(|e| format!("outage server {:?}: {e}", o.server))?;
    let mut during = During {
        p99: seconds(o.p99_us / 1e6),
        max: seconds(o.max_us / 1e6),
        ..During::default()
    };
    let c = &mut during.counters;
    (c.requests_completed, c.requests_failed) = (o.completed, o.failed);
    (c.requests_timed_out, c.errors.disconnect) = (o.timed_out, o.disconnects);
    Ok(Outage {
        server,
        start: seconds(o.start_s + offset),
        length: seconds(o.length_s),
        back: o.back,
        sockets: o.sockets_lost,
        noticed_within: o.noticed_within_s.map(seconds),
        during,
    })
}

/// One interval of the merged run, as its rows add up.
#[derive(Default)]
struct Slot {
    gets: u64,
    sets: u64,
    get_misses: u64,
    net_bytes: u64,
    errors: u64,
    max_us: f64,
    get: Latency,
    set: Latency,
    client_cpu_s: Option<f64>,
    client_busy: Option<f64>,
}

/// The interval rows of every input, each in the interval of the merged
/// run (from `start`, `interval` seconds long) its end falls nearest to.
fn series(inputs: &[Input], start: f64, interval: f64) -> Result<Vec<IntervalSummary>, String> {
    let mut slots: BTreeMap<u64, Slot> = BTreeMap::new();
    for input in inputs {
        for (i, row) in input.run.series.iter().enumerate() {
            let end = (row.time_unix_s - start) / interval;
            let index = if end.is_finite() {
                end.round().max(1.0) as u64
            } else {
                1
            };
            let slot = slots.entry(index).or_default();
            add_row(slot, row)
                .map_err(|e| format!("{}: series[{i}]: {e}", input.path.display()))?;
        }
    }
    Ok(slots
        .into_iter()
        .map(|(index, slot)| {
            let mut total = slot.get.clone();
            total.merge(&slot.set);
            IntervalSummary {
                elapsed: seconds(index as f64 * interval),
                gets: slot.gets,
                sets: slot.sets,
                get_misses: slot.get_misses,
                net_bytes: slot.net_bytes,
                p50: total.quantile(0.5),
                p99: total.quantile(0.99),
                max: seconds(slot.max_us / 1e6),
                errors: slot.errors,
                client_cpu: slot.client_cpu_s.map(seconds),
                client_busy: slot.client_busy,
                saved: Some(Box::new(SavedInterval {
                    get: slot.get.to_v2_base64(),
                    set: slot.set.to_v2_base64(),
                    commands: Vec::new(),
                })),
            }
        })
        .collect())
}

/// Adds one interval row into `slot`.
fn add_row(slot: &mut Slot, row: &IntervalJson) -> Result<(), String> {
    let Some(hdr) = &row.hdr_v2 else {
        return Err("no hdr_v2: its histograms were not saved".to_string());
    };
    let get = Latency::from_histogram(&hdr.get).map_err(|e| format!("hdr_v2.get: {e}"))?;
    let set = Latency::from_histogram(&hdr.set).map_err(|e| format!("hdr_v2.set: {e}"))?;
    slot.get.merge(&get);
    slot.set.merge(&set);
    slot.gets += row.gets;
    slot.sets += row.sets;
    slot.get_misses += row.get_misses;
    slot.net_bytes += row.net_bytes;
    slot.errors += row.errors;
    if row.max_us.is_finite() {
        slot.max_us = slot.max_us.max(row.max_us);
    }
    // The instances' CPU adds up; the busiest thread is the busiest of any.
    if let Some(cpu) = row.client_cpu_s.filter(|s| s.is_finite() && *s >= 0.0) {
        slot.client_cpu_s = Some(slot.client_cpu_s.unwrap_or(0.0) + cpu);
    }
    if let Some(busy) = row.client_busy.filter(|b| b.is_finite() && *b >= 0.0) {
        slot.client_busy = Some(slot.client_busy.unwrap_or(0.0).max(busy));
    }
    Ok(())
}

/// `s` seconds; zero for a negative, unbounded or missing number.
fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or_default()
}

/// The wall-clock time `unix_s` seconds after the epoch.
pub fn wall_clock(unix_s: f64) -> SystemTime {
    UNIX_EPOCH
        .checked_add(seconds(unix_s))
        .unwrap_or(UNIX_EPOCH)
}
