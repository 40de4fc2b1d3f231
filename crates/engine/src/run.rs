//! A whole run: worker threads started with their connections, their
//! snapshots merged into intervals and a global total, reports handed to the
//! caller as they come.

use crate::config::{EngineConfig, Mode, Stop};
use crate::conn::{Conn, ConnSetup, WarmupGate};
use crate::exchange::Exchange;
use crate::failure::VerifyFailure;
use crate::inbuf::RecvArea;
use crate::outage::{Outage, Outages};
use crate::schedule::{Pace, Pacer, Schedule};
use crate::stats::Stats;
use crate::worker::{Message, Timing, Worker};
use memaslap_transport::{
    AnyTransport, MultiSocket, Replicated, RequestIds, Retry, Server, Split, Tcp, TcpConfig,
    TransportError, TransportEvent, Udp, UdpConfig, UdpHub,
};
use memaslap_workload::Workload;
use polling::Poller;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Bytes of the receive buffer a worker's connections share.
const SHARED_RECV: usize = 64 << 10;

/// Bytes a spill starts with: it holds one partial reply.
const SPILL: usize = 16 << 10;

/// Spills a worker makes in advance (at most one per connection).
const READY_SPILLS: usize = 16;

/// How often replication retries a dead socket, as memaslap does.
const DEAD_RETRY: Duration = Duration::from_secs(5);

/// Something to report while the run goes on.
#[derive(Debug)]
pub enum Report<'a> {
    /// An interval ended.
    Interval {
        /// Its number, from 1.
        index: u64,
        /// Time since the run started.
        elapsed: Duration,
        /// What happened in the interval.
        period: &'a Stats,
        /// What happened since the start.
        global: &'a Stats,
    },
    /// A socket was lost or came back.
    Event(&'a TransportEvent),
    /// A get failed its check (only with [`EngineConfig::verbose`]).
    VerifyFailure(&'a VerifyFailure),
}

/// What one interval looked like, for the per-interval series.
#[derive(Debug, Clone, Copy)]
pub struct IntervalSummary {
    /// Time since the start at the interval's end.
    pub elapsed: Duration,
    /// Get requests completed in the interval.
    pub gets: u64,
    /// Set requests completed in the interval.
    pub sets: u64,
    /// Keys that missed.
    pub get_misses: u64,
    /// Bytes written and read.
    pub net_bytes: u64,
    /// Median latency of all requests.
    pub p50: Duration,
    /// 99th percentile latency of all requests.
    pub p99: Duration,
    /// Slowest request.
    pub max: Duration,
    /// Errors and timeouts.
    pub errors: u64,
}

/// The result of a run.
#[derive(Debug)]
pub struct Outcome {
    /// Everything that happened.
    pub stats: Stats,
    /// How long the run took, drain included.
    pub elapsed: Duration,
    /// Connections that ended dead.
    pub dead: usize,
    /// Connections in all.
    pub connections: usize,
    /// Every interval, in order.
    pub series: Vec<IntervalSummary>,
    /// Every server outage, by start (at most [`crate::outage::MAX_OUTAGES`]).
    pub outages: Vec<Outage>,
    /// Outages past that limit, only counted.
    pub outages_more: u64,
}

/// Why a run could not start.
#[derive(Debug)]
pub enum RunError {
    /// The configuration is inconsistent.
    Config(crate::config::ConfigError),
    /// A server name does not resolve, or a socket cannot be made.
    Transport(TransportError),
    /// The operating system refused a poller or a thread.
    System(std::io::Error),
    /// The workload cannot serve this many connections.
    Workload(memaslap_workload::ConfigError),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Config(e) => e.fmt(f),
            RunError::Transport(e) => e.fmt(f),
            RunError::System(e) => write!(f, "system error: {e}"),
            RunError::Workload(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for RunError {}

/// Runs the load described by `config` and `workload` until it ends or
/// `stop` is set, calling `on_report` for every interval and socket event.
pub fn run(
    config: &EngineConfig,
    workload: &Workload,
    stop: &AtomicBool,
    mut on_report: impl FnMut(Report<'_>),
) -> Result<Outcome, RunError> {
    config.validate().map_err(RunError::Config)?;
    for server in &config.servers {
        server.resolve().map_err(RunError::Transport)?;
    }
    let threads = config.threads as usize;
    let gate = workload
        .config()
        .mix
        .has_no_sets()
        .then(|| Arc::new(AtomicUsize::new(config.concurrency as usize)));
    // Every connection is set up (its connect under way) before the clock
    // starts, as memaslap connects before it starts timing: with many
    // connections that takes a noticeable part of a short run.
    let setup = Instant::now();
    let workers = (0..threads)
        .map(|id| build_worker(config, workload, id, setup, gate.as_ref()))
        .collect::<Result<Vec<_>, _>>()?;
    let start = Instant::now();
    let timing = Timing {
        start,
        stop_at: match config.stop {
            Stop::After(d) => Some(start + d),
            Stop::Operations(_) => None,
        },
        drain: config.drain_timeout,
        interval: config.report_interval.unwrap_or(Duration::from_secs(1)),
    };
    let (tx, rx) = mpsc::channel();
    std::thread::scope(|scope| -> Result<Outcome, RunError> {
        for (id, worker) in workers.into_iter().enumerate() {
            let tx = tx.clone();
            std::thread::Builder::new()
                .name(format!("memaslap-{id}"))
                .spawn_scoped(scope, move || worker.run(timing, stop, &tx, id))
                .map_err(RunError::System)?;
        }
        drop(tx);
        Ok(collect(&rx, threads, timing, &mut on_report))
    })
}

/// Merges the workers' messages into intervals and the final outcome.
fn collect(
    rx: &mpsc::Receiver<(usize, Message)>,
    threads: usize,
    timing: Timing,
    on_report: &mut impl FnMut(Report<'_>),
) -> Outcome {
    let start = timing.start;
    let mut outages = Outages::new(start);
    let mut global = Stats::default();
    let mut open: BTreeMap<u64, (Vec<bool>, Stats)> = BTreeMap::new();
    let mut finished = vec![false; threads];
    let mut series = Vec::new();
    let (mut dead, mut connections) = (0, 0);
    while let Ok((id, message)) = rx.recv() {
        match message {
            Message::Interval { index, stats } => {
                let (seen, period) = open
                    .entry(index)
                    .or_insert_with(|| (vec![false; threads], Stats::default()));
                period.merge(&stats);
                if let Some(s) = seen.get_mut(id) {
                    *s = true;
                }
                outages.age(Instant::now());
            }
            Message::Sightings(sightings) => {
                for w in &sightings {
                    outages.sighting(w);
                }
            }
            Message::Events(events) => {
                for event in &events {
                    outages.event(event);
                    on_report(Report::Event(event));
                }
            }
            Message::Failures(failures) => {
                for failure in &failures {
                    on_report(Report::VerifyFailure(failure));
                }
            }
            Message::Finished {
                stats,
                dead: d,
                connections: c,
            } => {
                global.merge(&stats);
                dead += d;
                connections += c;
                if let Some(f) = finished.get_mut(id) {
                    *f = true;
                }
            }
        }
        // Emit every interval that every thread has reported or will
        // never report (it finished first).
        while let Some(entry) = open.first_entry() {
            let complete = entry
                .get()
                .0
                .iter()
                .zip(&finished)
                .all(|(seen, done)| *seen || *done);
            if !complete {
                break;
            }
            let (index, (_, period)) = entry.remove_entry();
            global.merge(&period);
            let elapsed = start.elapsed();
            series.push(summary(&period, elapsed));
            on_report(Report::Interval {
                index,
                elapsed,
                period: &period,
                global: &global,
            });
        }
    }
    for (_, (_, period)) in open {
        global.merge(&period);
    }
    let end = Instant::now();
    let (outages, outages_more) = outages.finish(end);
    Outcome {
        stats: global,
        elapsed: end.saturating_duration_since(start),
        outages,
        outages_more,
        dead,
        connections,
        series,
    }
}

fn summary(period: &Stats, elapsed: Duration) -> IntervalSummary {
    let total = period.total();
    let c = &period.counters;
    IntervalSummary {
        elapsed,
        gets: period.get.count(),
        sets: period.set.count(),
        get_misses: c.get_misses,
        net_bytes: c.written_bytes + c.read_bytes,
        p50: total.quantile(0.5),
        p99: total.quantile(0.99),
        max: total.max(),
        errors: c.requests_failed + c.requests_timed_out,
    }
}

/// Builds worker `id` with its poller and its share of the connections.
fn build_worker<'w>(
    config: &EngineConfig,
    workload: &'w Workload,
    id: usize,
    start: Instant,
    gate: Option<&WarmupGate>,
) -> Result<Worker<'w>, RunError> {
    let poller = Arc::new(Poller::new().map_err(RunError::System)?);
    let per_thread = (config.concurrency / config.threads) as usize;
    let keys_per_conn = keys_per_connection(config);
    let division = workload.config().division;
    let hub = udp_hub(config, id, &poller, per_thread * keys_per_conn, per_thread)
        .map_err(RunError::Transport)?;
    let mut conns = Vec::with_capacity(per_thread);
    for local in 0..per_thread {
        let global = id * per_thread + local;
        let index = u32::try_from(global).unwrap_or(u32::MAX);
        let transport = match &hub {
            Some(hub) => AnyTransport::SharedUdp(hub.peer(local)),
            None => connect(config, id, &poller, local * keys_per_conn, start)
                .map_err(RunError::Transport)?,
        };
        let generator = workload
            .generator(index)
            .map_err(RunError::Workload)?
            .with_depth(config.depth);
        let exchange = Exchange::new(config.protocol, division, config.max_value)
            .with_depth(config.depth)
            .with_details(config.verbose);
        let pace = config
            .rate
            .and_then(|rate| Pacer::new(rate, config.concurrency, index, start))
            .map_or(Pace::Unpaced, Pace::Paced);
        let schedule = Schedule::new(config.depth, pace);
        let setup = ConnSetup {
            stream_timeout: config.tcp_timeout,
            datagram_timeout: config.udp_timeout,
            budget: budget(config.stop, config.concurrency, index),
            seed: workload.seed() ^ (u64::from(index) + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15),
        };
        conns.push(
            Conn::new(transport, generator, exchange, schedule, setup, start)
                .with_warmup(gate.cloned()),
        );
    }
    let max = config.max_value + (64 << 10);
    let recv = RecvArea::new(SHARED_RECV, SPILL, max, READY_SPILLS.min(per_thread));
    Ok(Worker::new(poller, conns, keys_per_conn, gate.cloned(), recv).with_udp_hub(hub))
}

/// The socket the `connections` of thread `thread` share over UDP (`-U`),
/// registered under `key`; `None` in the other modes, or when there are too
/// many connections for one request id space (each then has its own
/// socket).
fn udp_hub(
    config: &EngineConfig,
    thread: usize,
    poller: &Arc<Poller>,
    key: usize,
    connections: usize,
) -> Result<Option<UdpHub>, TransportError> {
    let (Mode::Udp, Some(ids)) = (config.mode, RequestIds::new(connections)) else {
        return Ok(None);
    };
    UdpHub::connect(
        server_of(config, thread)?,
        &udp_config(config),
        poller,
        key,
        ids,
    )
    .map(Some)
}

/// The server the connections of thread `thread` go to.
fn server_of(config: &EngineConfig, thread: usize) -> Result<&Server, TransportError> {
    let servers = &config.servers;
    servers
        .get(thread % servers.len().max(1))
        .ok_or(TransportError::NotConnected {
            servers: String::new(),
        })
}

/// How datagram sockets are set up: under `-R` a refused datagram is
/// retried with the same back-off as a lost TCP socket.
fn udp_config(config: &EngineConfig) -> UdpConfig {
    UdpConfig {
        retry: retry_policy(config),
        ..UdpConfig::default()
    }
}

/// How a lost socket is retried: with back-off under `-R`, else never.
fn retry_policy(config: &EngineConfig) -> Retry {
    if config.reconnect {
        Retry::RECONNECT
    } else {
        Retry::Never
    }
}

/// Poller keys each connection needs.
fn keys_per_connection(config: &EngineConfig) -> usize {
    match (config.mode, config.replicate_writes) {
        (Mode::Udp, _) => 1,
        (Mode::Facebook, _) => 2,
        (Mode::Tcp, Some(_)) => config.servers.len(),
        (Mode::Tcp, None) => config.sockets_per_connection as usize,
    }
}

/// Operations connection `index` may issue: its share of `-x`.
fn budget(stop: Stop, concurrency: u32, index: u32) -> u64 {
    match stop {
        Stop::After(_) => u64::MAX,
        Stop::Operations(n) => {
            let c = u64::from(concurrency.max(1));
            n / c + u64::from(u64::from(index) < n % c)
        }
    }
}

/// Starts the transport of a connection of thread `thread`.
fn connect(
    config: &EngineConfig,
    thread: usize,
    poller: &Arc<Poller>,
    base_key: usize,
    now: Instant,
) -> Result<AnyTransport, TransportError> {
    let servers = &config.servers;
    let server = server_of(config, thread)?;
    let tcp = TcpConfig {
        connect_timeout: config.connect_timeout,
        reconnect: retry_policy(config),
        ..TcpConfig::default()
    };
    Ok(match (config.mode, config.replicate_writes) {
        (Mode::Udp, _) => {
            AnyTransport::Udp(Udp::connect(server, &udp_config(config), poller, base_key)?)
        }
        (Mode::Facebook, _) => AnyTransport::Split(Split::connect(
            server,
            &tcp,
            &udp_config(config),
            poller,
            base_key,
            now,
        )?),
        (Mode::Tcp, Some(writable)) => AnyTransport::Replicated(Replicated::connect(
            servers,
            writable as usize,
            DEAD_RETRY,
            &tcp,
            poller,
            base_key,
            now,
        )?),
        (Mode::Tcp, None) if config.sockets_per_connection > 1 => {
            AnyTransport::Multi(MultiSocket::connect(
                server,
                config.sockets_per_connection as usize,
                &tcp,
                poller,
                base_key,
                now,
            )?)
        }
        (Mode::Tcp, None) => AnyTransport::Tcp(Tcp::connect(server, &tcp, poller, base_key, now)?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_add_up() {
        for (n, c) in [(20_000u64, 16u32), (7, 16), (100, 3)] {
            let total: u64 = (0..c).map(|i| budget(Stop::Operations(n), c, i)).sum();
            assert_eq!(total, n);
        }
        assert_eq!(budget(Stop::After(Duration::from_secs(1)), 4, 0), u64::MAX);
    }
}
