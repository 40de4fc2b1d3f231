//! The whole result as one JSON object (`--json FILE`). Its fields are
//! documented in the README. Numbers are rounded to what they mean:
//! microseconds to 0.1, seconds to the microsecond.

use crate::provenance::Provenance;
use crate::repeat::RunLine;
use crate::scan::StepLine;
use memaslap_engine::Outage;
use memaslap_engine::{IntervalSummary, Outcome, SavedInterval};
use memaslap_engine::{OpenLoopConfig, Stats};
use serde::{Deserialize, Serialize};
use std::time::{Duration, SystemTime};

pub mod config;
mod counters;
mod latency;
pub use counters::{CountersJson, ErrorsJson};
pub use latency::{LatencyByKind, LatencyJson};

/// The version of this document's layout: it goes up when a field changes
/// meaning or goes away.
pub const SCHEMA: u32 = 1;

/// The JSON document.
#[derive(Debug, Serialize)]
pub struct Document<'a> {
    /// The layout's version, [`SCHEMA`].
    pub schema: u32,
    /// The tool's version.
    pub version: &'static str,
    /// When the command started (RFC 3339, UTC).
    pub start_time: &'a str,
    /// When the measured run started, after connecting and any wait for
    /// `--start-at`: Unix seconds to the microsecond. The intervals count
    /// from it.
    pub run_start_unix_s: f64,
    /// The host the run ran on.
    pub host: &'a str,
    /// The command line, one element per argument.
    pub command_line: &'a [String],
    /// Why the run failed, when it did (exit status 1).
    pub error: Option<&'a str>,
    /// With `--runs N`, each run's figures (the rest of the document is
    /// the last run's).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub runs: Vec<RunLine>,
    /// The master seed.
    pub seed: u64,
    /// The configuration as the user gave it.
    pub config: &'a serde_json::Value,
    /// Seconds the run took, drain included.
    pub elapsed_s: f64,
    /// Every counter.
    pub counters: CountersJson,
    /// Latency per kind (in the open loop, the response time: from when
    /// each request fell due).
    pub latency: LatencyByKind,
    /// Open loop: from the actual send to the reply.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_time: Option<LatencyByKind>,
    /// Open loop: the actual send time minus the due time.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub send_lag: Option<LatencyByKind>,
    /// Open loop: the rate and what became of the requests that fell due.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_loop: Option<OpenLoopJson>,
    /// `--scan`: every step (the rest of the document is the last step's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scan: Option<ScanJson>,
    /// `--mix`: each command's counts and latency, by name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commands: Option<std::collections::BTreeMap<&'static str, crate::commands::CommandJson>>,
    /// `--tls`: the handshakes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<crate::tls::TlsJson>,
    /// `--trace`: the trace and what its replay did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<crate::replay::ReplayJson>,
    /// `--prefill`: what storing the keyspace before the run did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<crate::prefill::Prefilled>,
    /// The CPU the client's worker threads used (where the system tells
    /// a thread's own).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_cpu: Option<crate::client_cpu::ClientCpuJson>,
    /// One entry per interval.
    pub series: Vec<IntervalJson>,
    /// Connections that ended dead, and in all.
    pub connections: ConnectionsJson,
    /// Server outages, by start.
    pub outages: Vec<OutageJson>,
    /// Outages past the listed ones.
    pub outages_not_listed: u64,
    /// A merged result (`memaslap merge`): each instance's own figures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub instances: Vec<crate::merge::InstanceLine>,
}

/// One outage of one server, with what the requests of the threads that
/// lost sockets to it looked like while they were without it.
#[derive(Debug, Serialize, Deserialize)]
pub struct OutageJson {
    pub(crate) server: String,
    pub(crate) start_s: f64,
    pub(crate) length_s: f64,
    pub(crate) back: bool,
    pub(crate) sockets_lost: u64,
    pub(crate) noticed_within_s: Option<f64>,
    pub(crate) completed: u64,
    pub(crate) failed: u64,
    pub(crate) timed_out: u64,
    pub(crate) disconnects: u64,
    pub(crate) p99_us: f64,
    pub(crate) max_us: f64,
}

impl From<&Outage> for OutageJson {
    fn from(o: &Outage) -> OutageJson {
        let c = &o.during.counters;
        OutageJson {
            server: o.server.to_string(),
            start_s: secs(o.start),
            length_s: secs(o.length),
            back: o.back,
            sockets_lost: o.sockets,
            noticed_within_s: o.noticed_within.map(secs),
            completed: c.requests_completed,
            failed: c.requests_failed,
            timed_out: c.requests_timed_out,
            disconnects: c.errors.disconnect,
            p99_us: us(o.during.p99),
            max_us: us(o.during.max),
        }
    }
}

/// Dead and total connections, and those never served.
#[derive(Debug, Serialize, Deserialize)]
pub struct ConnectionsJson {
    /// Connections in all.
    pub total: usize,
    /// Connections that ended dead.
    pub dead: usize,
    /// Connections that never completed a request: refused at connect.
    pub refused: u64,
    /// … closed by the server before any reply.
    pub closed_before_reply: u64,
    /// … rejected by the server with an error line.
    pub rejected: u64,
    /// One line per kind, as in the report.
    pub never_served: Vec<String>,
}

/// The open loop's figures: due = sent + dropped + backlog_at_end.
#[derive(Debug, Serialize, Deserialize)]
pub struct OpenLoopJson {
    pub(crate) rate: f64,
    pub(crate) arrival: String,
    pub(crate) due: u64,
    pub(crate) sent: u64,
    pub(crate) dropped: u64,
    pub(crate) backlog_at_end: u64,
    pub(crate) client_limited: bool,
}

impl OpenLoopJson {
    /// The figures of a run with `config`.
    pub fn new(config: &OpenLoopConfig, stats: &Stats) -> OpenLoopJson {
        let c = &stats.counters;
        OpenLoopJson {
            rate: config.rate,
            arrival: config.arrival.name().to_string(),
            due: c.requests_due,
            sent: c.requests_sent,
            dropped: c.requests_dropped,
            backlog_at_end: c.backlog_at_end,
            client_limited: crate::open_loop::client_limited(stats),
        }
    }
}

/// A scan's steps and its objectives.
#[derive(Debug, Serialize)]
pub struct ScanJson {
    /// `--slo` as given.
    pub slo: Option<String>,
    /// The highest rate whose step met every objective.
    pub highest_met_per_s: Option<f64>,
    /// Every step, in order.
    pub steps: Vec<StepJson>,
}

/// One step of a scan: its row, its latencies, and its intervals and
/// outages over time.
#[derive(Debug, Serialize)]
pub struct StepJson {
    #[serde(flatten)]
    line: StepLine,
    /// When the step's run started, in seconds after the first step's.
    start_s: f64,
    latency: LatencyByKind,
    service_time: Option<LatencyByKind>,
    send_lag: Option<LatencyByKind>,
    /// The step's intervals, `elapsed_s` counted from the step's start.
    series: Vec<IntervalJson>,
    /// The step's outages, `start_s` counted from the step's start.
    outages: Vec<OutageJson>,
}

impl StepJson {
    /// The step whose row is `line`, run as `outcome`, of a scan whose
    /// first step started at `first_start`.
    pub fn new(line: StepLine, outcome: &Outcome, first_start: SystemTime) -> StepJson {
        let (latency, service_time, send_lag) = latencies(&outcome.stats);
        let start = outcome
            .started_at
            .duration_since(first_start)
            .unwrap_or_default();
        StepJson {
            line,
            start_s: secs(start),
            latency,
            service_time,
            send_lag,
            series: series(outcome),
            outages: outcome.outages.iter().map(OutageJson::from).collect(),
        }
    }
}

/// Every interval of `outcome`.
fn series(outcome: &Outcome) -> Vec<IntervalJson> {
    outcome
        .series
        .iter()
        .map(|s| IntervalJson::new(s, outcome.started_at))
        .collect()
}

/// The response (or only) latency, the service time and the send lag.
fn latencies(stats: &Stats) -> (LatencyByKind, Option<LatencyByKind>, Option<LatencyByKind>) {
    let open = stats.open.as_deref();
    (
        LatencyByKind::new(&stats.get, &stats.set, &stats.total()),
        open.map(|o| LatencyByKind::new(&o.service_get, &o.service_set, &o.service_total())),
        open.map(|o| LatencyByKind::new(&o.lag_get, &o.lag_set, &o.lag_total())),
    )
}

/// One interval.
#[derive(Debug, Serialize, Deserialize)]
pub struct IntervalJson {
    pub(crate) elapsed_s: f64,
    /// The interval's end on the wall clock, Unix seconds to the
    /// millisecond (to line up instances of one run).
    pub(crate) time_unix_s: f64,
    pub(crate) gets: u64,
    pub(crate) sets: u64,
    pub(crate) get_misses: u64,
    pub(crate) net_bytes: u64,
    pub(crate) errors: u64,
    pub(crate) p50_us: f64,
    pub(crate) p99_us: f64,
    pub(crate) max_us: f64,
    /// Seconds of CPU the worker threads used in it, added up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_cpu_s: Option<f64>,
    /// The largest share of it one worker thread was on a core.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_busy: Option<f64>,
    /// The interval's latency histograms (HdrHistogram V2, base64), with
    /// `--json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) hdr_v2: Option<IntervalHdr>,
}

/// One interval's histograms, by kind.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntervalHdr {
    pub(crate) get: String,
    pub(crate) set: String,
    /// `--mix`: each command's histogram, by name.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub(crate) commands: std::collections::BTreeMap<String, String>,
}

/// `d` in microseconds, to 0.1.
pub(crate) fn us(d: Duration) -> f64 {
    round(d.as_secs_f64() * 1e6, 10.0)
}

/// `d` in seconds, to the microsecond.
pub(crate) fn secs(d: Duration) -> f64 {
    round(d.as_secs_f64(), 1e6)
}

/// `x` rounded to a multiple of `1 / per_unit`.
pub(crate) fn round(x: f64, per_unit: f64) -> f64 {
    (x * per_unit).round() / per_unit
}

impl IntervalJson {
    /// Interval `s` of a run that started at `started_at`.
    fn new(s: &IntervalSummary, started_at: SystemTime) -> IntervalJson {
        let start = started_at
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        IntervalJson {
            elapsed_s: secs(s.elapsed),
            time_unix_s: round(start.saturating_add(s.elapsed).as_secs_f64(), 1e3),
            gets: s.gets,
            sets: s.sets,
            get_misses: s.get_misses,
            net_bytes: s.net_bytes,
            errors: s.errors,
            p50_us: us(s.p50),
            p99_us: us(s.p99),
            max_us: us(s.max),
            client_cpu_s: s.client_cpu.map(secs),
            client_busy: s.client_busy.map(|b| round(b, 1e3)),
            hdr_v2: s.saved.as_deref().map(|h: &SavedInterval| IntervalHdr {
                get: h.get.clone(),
                set: h.set.clone(),
                commands: h
                    .commands
                    .iter()
                    .map(|(name, hdr)| ((*name).to_string(), hdr.clone()))
                    .collect(),
            }),
        }
    }
}

/// Builds the document for a finished run.
pub fn document<'a>(
    outcome: &Outcome,
    seed: u64,
    config: &'a serde_json::Value,
    provenance: &'a Provenance,
) -> Document<'a> {
    let stats = &outcome.stats;
    let (latency, service_time, send_lag) = latencies(stats);
    Document {
        schema: SCHEMA,
        version: env!("CARGO_PKG_VERSION"),
        start_time: &provenance.start_time,
        run_start_unix_s: secs(
            outcome
                .started_at
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default(),
        ),
        host: &provenance.host,
        command_line: &provenance.command_line,
        error: None,
        runs: Vec::new(),
        seed,
        config,
        elapsed_s: secs(outcome.elapsed),
        counters: CountersJson::from(&stats.counters),
        latency,
        service_time,
        send_lag,
        open_loop: None,
        scan: None,
        prefill: None,
        commands: None,
        tls: None,
        trace: None,
        client_cpu: outcome
            .client_cpu
            .as_ref()
            .map(|cpu| crate::client_cpu::ClientCpuJson::new(cpu, stats.counters.requests_sent)),
        series: series(outcome),
        connections: ConnectionsJson {
            total: outcome.connections,
            dead: outcome.dead,
            refused: outcome.rejections.refused,
            closed_before_reply: outcome.rejections.closed,
            rejected: outcome.rejections.rejected,
            never_served: crate::rejections::lines(&outcome.rejections, outcome.connections),
        },
        outages: outcome.outages.iter().map(OutageJson::from).collect(),
        outages_not_listed: outcome.outages_more,
        instances: Vec::new(),
    }
}
