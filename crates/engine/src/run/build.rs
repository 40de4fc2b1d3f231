//! One worker built: its poller, its share of the connections (each with
//! its transport, generator, exchange and schedule) and its receive area.

use super::RunError;
use super::connect::{connect, udp_hub};
use crate::config::{EngineConfig, Stop};
use crate::conn::{Conn, ConnSetup, WarmupGate};
use crate::exchange::Exchange;
use crate::inbuf::RecvArea;
use crate::schedule::{Arrivals, OpenLoop, Pace, Pacer, Schedule, TraceClock, Wake};
use crate::stats::Stats;
use crate::worker::{Message, Timing, Worker};
use memaslap_transport::{AnyTransport, Transport};
use memaslap_workload::{
    AnySource, Generator, KeyspaceSource, OTHER_STREAMS, Source, SourceKind, TraceSource, Workload,
    derive_seed,
};
use polling::Poller;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{Receiver, Sender};
use std::time::Instant;

/// Bytes of the receive buffer a worker's connections share.
const SHARED_RECV: usize = 64 << 10;

/// Bytes a spill starts with: it holds one partial reply.
const SPILL: usize = 16 << 10;

/// Spills a worker makes in advance (at most one per connection).
const READY_SPILLS: usize = 16;

/// The seed streams of the connections' replication choices.
const REPLICATION_STREAMS: u64 = OTHER_STREAMS;

/// The seed streams of the threads' arrival processes.
const ARRIVAL_STREAMS: u64 = OTHER_STREAMS + (1 << 32);

/// What every worker thread is built from.
#[derive(Clone, Copy)]
pub(super) struct Plan<'a> {
    pub config: &'a EngineConfig,
    pub workload: &'a Workload,
    /// When the connections are set up.
    pub setup: Instant,
    pub gate: Option<&'a WarmupGate>,
    pub stop: &'a AtomicBool,
}

/// Worker `id`'s thread: it takes a descriptor table of its own (its
/// sockets and poller are in it alone), builds its worker and says so on
/// `built` (or why it could not), then runs from the start `start` gives;
/// none comes when the run is called off. It reports on the first of
/// `channels`, and the reporter returns its interval statistics on the
/// second for reuse.
pub(super) fn worker_thread(
    plan: Plan<'_>,
    id: usize,
    built: Sender<Result<(), RunError>>,
    start: Receiver<Timing>,
    channels: (Sender<(usize, Message)>, Receiver<Box<Stats>>),
) {
    memaslap_transport::confine_descriptors();
    // A run's connections all draw from one kind of source: the worker
    // is built for that kind.
    match plan.workload.source_kind() {
        SourceKind::Trace => drive::<TraceSource<'_>>(plan, id, built, start, channels),
        SourceKind::Keyspace => drive::<KeyspaceSource<'_>>(plan, id, built, start, channels),
        SourceKind::Window => drive::<Generator<'_>>(plan, id, built, start, channels),
    }
}

/// [`worker_thread`] with a worker for sources of kind `S`.
fn drive<'w, S: Kind<'w>>(
    plan: Plan<'w>,
    id: usize,
    built: Sender<Result<(), RunError>>,
    start: Receiver<Timing>,
    (tx, returns): (Sender<(usize, Message)>, Receiver<Box<Stats>>),
) {
    let worker = match build_worker::<S>(plan.config, plan.workload, id, plan.setup, plan.gate) {
        Ok(worker) => worker,
        Err(e) => {
            let _ = built.send(Err(e));
            return;
        }
    };
    let _ = built.send(Ok(()));
    drop(built);
    if let Ok(timing) = start.recv() {
        worker.with_returns(returns).run(timing, plan.stop, &tx, id);
    }
}

/// Builds worker `id` with its poller and its share of the connections,
/// set up at `start`.
fn build_worker<'w, S: Kind<'w>>(
    config: &EngineConfig,
    workload: &'w Workload,
    id: usize,
    start: Instant,
    gate: Option<&WarmupGate>,
) -> Result<Worker<'w, S>, RunError> {
    let poller = Arc::new(Poller::new().map_err(RunError::System)?);
    let per_thread = (config.concurrency / config.threads) as usize;
    let hub = udp_hub(config, id, &poller, per_thread)?;
    let mut conns = Vec::with_capacity(per_thread);
    // Connection i's sockets take the keys after connection i - 1's.
    let mut next_key = 0;
    let mut keys_per_conn = 0;
    for local in 0..per_thread {
        let global = id * per_thread + local;
        let index = u32::try_from(global).unwrap_or(u32::MAX);
        let transport = match &hub {
            Some(hub) => AnyTransport::SharedUdp(hub.peer(local)),
            None => connect(config, id, &poller, next_key, start)?,
        };
        keys_per_conn = transport.key_count();
        next_key += keys_per_conn;
        conns.push(
            connection(config, workload, index, transport, start)?.with_warmup(gate.cloned()),
        );
    }
    let max = config.max_value + (64 << 10);
    let recv = RecvArea::new(SHARED_RECV, SPILL, max, READY_SPILLS.min(per_thread));
    let replay = match workload.trace() {
        Some(trace) => {
            let first = workload.global(u32::try_from(id * per_thread).unwrap_or(u32::MAX));
            let count = u32::try_from(per_thread).unwrap_or(u32::MAX);
            let feed = trace.feed(first, count).map_err(RunError::Trace)?;
            Some((feed, trace))
        }
        None => None,
    };
    let by_command = workload.config().commands.is_some() || replay.is_some();
    Ok(
        Worker::new(poller, conns, keys_per_conn, gate.cloned(), recv)
            .with_udp_hub(hub)
            .with_open_loop(open_loop(config, workload, id, start))
            .with_replay(replay, config.replay_speed.is_some())
            .with_command_latency(by_command),
    )
}

/// Thread `id`'s open loop, if the run has one: its share of the rate
/// over every thread of every instance, drawn from its own seed stream,
/// the threads' uniform arrivals staggered.
fn open_loop(
    config: &EngineConfig,
    workload: &Workload,
    id: usize,
    start: Instant,
) -> Option<(OpenLoop, Wake)> {
    let open = config.open_loop?;
    let instance = workload.config().instance;
    let threads = config.threads.max(1);
    let all = threads.saturating_mul(instance.count.max(1));
    let thread = u64::from(instance.index) * u64::from(threads) + id as u64;
    let offset = thread as f64 / f64::from(all);
    let arrivals = Arrivals::new(
        open.arrival,
        open.thread_rate(all),
        derive_seed(workload.seed(), ARRIVAL_STREAMS + thread),
        offset,
    )?;
    let backlog = open.thread_backlog(all);
    Some((OpenLoop::new(arrivals, backlog, start), open.wake))
}

/// Connection `index` of the run over `transport`.
fn connection<'w, S: Kind<'w>>(
    config: &EngineConfig,
    workload: &'w Workload,
    index: u32,
    transport: AnyTransport,
    start: Instant,
) -> Result<Conn<'w, AnyTransport, S>, RunError> {
    let any = workload
        .source(index)
        .map_err(RunError::Workload)?
        .with_depth(config.depth);
    let generator = S::from_any(any).ok_or(RunError::Internal(
        "a connection's workload source is of another kind than its worker's",
    ))?;
    let exchange = Exchange::new(
        config.protocol,
        workload.config().division,
        config.max_value,
    )
    .with_depth(config.depth)
    .with_details(config.verbose)
    .with_checks(generator.checks_gets());
    // Pacing, budgets and seeds count every instance's connections.
    let (global, all) = (workload.global(index), workload.all_connections());
    let pace = match (config.open_loop, workload.trace(), config.replay_speed) {
        (Some(_), _, _) => Pace::Open(None),
        (None, Some(_), Some(speed)) => Pace::Timed(TraceClock { start, speed }),
        (None, _, _) => config
            .rate
            .and_then(|rate| Pacer::new(rate, all, global, start))
            .map_or(Pace::Unpaced, Pace::Paced),
    };
    let setup = ConnSetup {
        stream_timeout: config.tcp_timeout,
        datagram_timeout: config.udp_timeout,
        budget: budget(config.stop, all, global),
        seed: derive_seed(workload.seed(), REPLICATION_STREAMS + u64::from(global)),
    };
    let schedule = Schedule::new(config.depth, pace);
    // Alone, a connection keeps half its depth at the server while it reads
    // the other half's replies; with company, the others do.
    let schedule = if all > 1 {
        schedule.in_batches()
    } else {
        schedule
    };
    Ok(Conn::new(
        transport, generator, exchange, schedule, setup, start,
    ))
}

/// A kind of workload source a worker is built for, so that no call on a
/// connection's source goes through [`AnySource`]'s dispatch.
trait Kind<'w>: Source<'w> + Sized {
    /// `any`'s source, when it is of this kind.
    fn from_any(any: AnySource<'w>) -> Option<Self>;
}

impl<'w> Kind<'w> for Generator<'w> {
    fn from_any(any: AnySource<'w>) -> Option<Self> {
        match any {
            AnySource::Window(source) => Some(source),
            _ => None,
        }
    }
}

impl<'w> Kind<'w> for KeyspaceSource<'w> {
    fn from_any(any: AnySource<'w>) -> Option<Self> {
        match any {
            AnySource::Keyspace(source) => Some(source),
            _ => None,
        }
    }
}

impl<'w> Kind<'w> for TraceSource<'w> {
    fn from_any(any: AnySource<'w>) -> Option<Self> {
        match any {
            AnySource::Trace(source) => Some(source),
            _ => None,
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn budgets_add_up() {
        for (n, c) in [(20_000u64, 16u32), (7, 16), (100, 3)] {
            let total: u64 = (0..c).map(|i| budget(Stop::Operations(n), c, i)).sum();
            assert_eq!(total, n);
        }
        assert_eq!(budget(Stop::After(Duration::from_secs(1)), 4, 0), u64::MAX);
    }
}
