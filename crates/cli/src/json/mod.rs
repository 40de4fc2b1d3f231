//! The whole result as one JSON object (`--json FILE`). Its fields are
//! documented in the README. Numbers are rounded to what they mean:
//! microseconds to 0.1, seconds to the microsecond.

use crate::provenance::Provenance;
use crate::repeat::RunLine;
use crate::scan::StepLine;
use memaslap_engine::Latency;
use memaslap_engine::Outage;
use memaslap_engine::{Counters, Errors, OpenLoopConfig, Stats};
use memaslap_engine::{IntervalSummary, Outcome};
use serde::Serialize;
use std::time::Duration;

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
    /// When the run started (RFC 3339, UTC).
    pub start_time: &'a str,
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
    /// `--trace`: the trace and what its replay did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<crate::replay::ReplayJson>,
    /// `--prefill`: what storing the keyspace before the run did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill: Option<crate::prefill::Prefilled>,
    /// One entry per interval.
    pub series: Vec<IntervalJson>,
    /// Connections that ended dead, and in all.
    pub connections: ConnectionsJson,
    /// Server outages, by start.
    pub outages: Vec<OutageJson>,
    /// Outages past the listed ones.
    pub outages_not_listed: u64,
}

/// One outage of one server, with what the requests of the threads that
/// lost sockets to it looked like while they were without it.
#[derive(Debug, Serialize)]
pub struct OutageJson {
    server: String,
    start_s: f64,
    length_s: f64,
    back: bool,
    sockets_lost: u64,
    noticed_within_s: Option<f64>,
    completed: u64,
    failed: u64,
    timed_out: u64,
    disconnects: u64,
    p99_us: f64,
    max_us: f64,
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
#[derive(Debug, Serialize)]
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

/// Every counter.
#[derive(Debug, Serialize)]
pub struct CountersJson {
    cmd_get: u64,
    cmd_set: u64,
    get_misses: u64,
    verify_misses: u64,
    verify_failed: u64,
    expired_get: u64,
    unexpired_unget: u64,
    written_bytes: u64,
    read_bytes: u64,
    object_bytes: u64,
    packet_disorder: u64,
    packet_drop: u64,
    udp_timeout: u64,
    packet_duplicate: u64,
    packet_foreign: u64,
    requests_sent: u64,
    requests_completed: u64,
    requests_failed: u64,
    requests_timed_out: u64,
    errors: ErrorsJson,
}

/// Errors by kind.
#[derive(Debug, Serialize)]
pub struct ErrorsJson {
    server_error: u64,
    client_error: u64,
    protocol_error: u64,
    timeout: u64,
    disconnect: u64,
}

/// The open loop's figures: due = sent + dropped + backlog_at_end.
#[derive(Debug, Serialize)]
pub struct OpenLoopJson {
    rate: f64,
    arrival: &'static str,
    due: u64,
    sent: u64,
    dropped: u64,
    backlog_at_end: u64,
    client_limited: bool,
}

impl OpenLoopJson {
    /// The figures of a run with `config`.
    pub fn new(config: &OpenLoopConfig, stats: &Stats) -> OpenLoopJson {
        let c = &stats.counters;
        OpenLoopJson {
            rate: config.rate,
            arrival: config.arrival.name(),
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

/// One step of a scan: its row and its latencies.
#[derive(Debug, Serialize)]
pub struct StepJson {
    #[serde(flatten)]
    line: StepLine,
    latency: LatencyByKind,
    service_time: Option<LatencyByKind>,
    send_lag: Option<LatencyByKind>,
}

impl StepJson {
    /// The step whose row is `line` and statistics `stats`.
    pub fn new(line: StepLine, stats: &Stats) -> StepJson {
        let (latency, service_time, send_lag) = latencies(stats);
        StepJson {
            line,
            latency,
            service_time,
            send_lag,
        }
    }
}

/// The response (or only) latency, the service time and the send lag.
fn latencies(stats: &Stats) -> (LatencyByKind, Option<LatencyByKind>, Option<LatencyByKind>) {
    let by_kind = |get: &Latency, set: &Latency, total: &Latency| LatencyByKind {
        get: LatencyJson::from(get),
        set: LatencyJson::from(set),
        total: LatencyJson::from(total),
    };
    let open = stats.open.as_deref();
    (
        by_kind(&stats.get, &stats.set, &stats.total()),
        open.map(|o| by_kind(&o.service_get, &o.service_set, &o.service_total())),
        open.map(|o| by_kind(&o.lag_get, &o.lag_set, &o.lag_total())),
    )
}

/// Latency of gets, sets and both.
#[derive(Debug, Serialize)]
pub struct LatencyByKind {
    get: LatencyJson,
    set: LatencyJson,
    total: LatencyJson,
}

/// One kind's latency in µs.
#[derive(Debug, Serialize)]
pub struct LatencyJson {
    count: u64,
    min_us: f64,
    max_us: f64,
    mean_us: f64,
    std_dev_us: f64,
    geo_mean_us: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    p999_us: f64,
    p9999_us: f64,
    /// Counts per log2 bucket (bucket i: at most 2^i µs), up to the last
    /// non-empty one.
    log2_buckets: Vec<u64>,
    /// Every latency, as HdrHistogram's V2 compressed format in base64
    /// (values in ns): histograms of several instances merge exactly.
    hdr_v2: String,
}

/// One interval.
#[derive(Debug, Serialize)]
pub struct IntervalJson {
    elapsed_s: f64,
    /// The interval's end on the wall clock, Unix seconds to the
    /// millisecond (to line up instances of one run).
    time_unix_s: f64,
    gets: u64,
    sets: u64,
    get_misses: u64,
    net_bytes: u64,
    errors: u64,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
}

/// `d` in microseconds, to 0.1.
fn us(d: Duration) -> f64 {
    round(d.as_secs_f64() * 1e6, 10.0)
}

/// `d` in seconds, to the microsecond.
fn secs(d: Duration) -> f64 {
    round(d.as_secs_f64(), 1e6)
}

/// `x` rounded to a multiple of `1 / per_unit`.
fn round(x: f64, per_unit: f64) -> f64 {
    (x * per_unit).round() / per_unit
}

impl From<&Latency> for LatencyJson {
    fn from(l: &Latency) -> LatencyJson {
        let buckets = l.log2_buckets();
        let last = buckets.iter().rposition(|&n| n != 0).map_or(0, |i| i + 1);
        LatencyJson {
            count: l.count(),
            min_us: us(l.min()),
            max_us: us(l.max()),
            mean_us: round(l.mean_us(), 10.0),
            std_dev_us: round(l.std_dev_us(), 10.0),
            geo_mean_us: round(l.geo_mean_us(), 10.0),
            p50_us: us(l.quantile(0.5)),
            p90_us: us(l.quantile(0.9)),
            p99_us: us(l.quantile(0.99)),
            p999_us: us(l.quantile(0.999)),
            p9999_us: us(l.quantile(0.9999)),
            log2_buckets: buckets.iter().take(last).copied().collect(),
            hdr_v2: l.to_v2_base64(),
        }
    }
}

impl From<&Errors> for ErrorsJson {
    fn from(e: &Errors) -> ErrorsJson {
        ErrorsJson {
            server_error: e.server_error,
            client_error: e.client_error,
            protocol_error: e.protocol_error,
            timeout: e.timeout,
            disconnect: e.disconnect,
        }
    }
}

impl From<&Counters> for CountersJson {
    fn from(c: &Counters) -> CountersJson {
        CountersJson {
            cmd_get: c.cmd_get,
            cmd_set: c.cmd_set,
            get_misses: c.get_misses,
            verify_misses: c.verify_misses,
            verify_failed: c.verify_failed,
            expired_get: c.expired_get,
            unexpired_unget: c.unexpired_unget,
            written_bytes: c.written_bytes,
            read_bytes: c.read_bytes,
            object_bytes: c.object_bytes,
            packet_disorder: c.packet_disorder,
            packet_drop: c.packet_drop,
            udp_timeout: c.udp_timeout,
            packet_duplicate: c.packet_duplicate,
            packet_foreign: c.packet_foreign,
            requests_sent: c.requests_sent,
            requests_completed: c.requests_completed,
            requests_failed: c.requests_failed,
            requests_timed_out: c.requests_timed_out,
            errors: ErrorsJson::from(&c.errors),
        }
    }
}

impl IntervalJson {
    /// Interval `s` of a run that started at `started_at`.
    fn new(s: &IntervalSummary, started_at: std::time::SystemTime) -> IntervalJson {
        let start = started_at
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        IntervalJson {
            elapsed_s: secs(s.elapsed),
            time_unix_s: round((start + s.elapsed).as_secs_f64(), 1e3),
            gets: s.gets,
            sets: s.sets,
            get_misses: s.get_misses,
            net_bytes: s.net_bytes,
            errors: s.errors,
            p50_us: us(s.p50),
            p99_us: us(s.p99),
            max_us: us(s.max),
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
        trace: None,
        series: outcome
            .series
            .iter()
            .map(|s| IntervalJson::new(s, outcome.started_at))
            .collect(),
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
    }
}
