//! The reporter's side of a run: the workers' messages merged into
//! intervals (each emitted once every thread has reported it or finished),
//! a global total, server outages, and the final outcome.

use super::cpu::IntervalCpu;
use crate::failure::VerifyFailure;
use crate::outage::{Outage, Outages};
use crate::rejection::Rejections;
use crate::stats::Stats;
use crate::worker::{Message, Timing};
use memaslap_transport::{CpuTimes, TransportEvent};
use std::collections::BTreeMap;
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

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
        /// The largest share of the interval one worker thread was on a
        /// core, where the system tells.
        client_busy: Option<f64>,
    },
    /// A socket was lost or came back.
    Event(&'a TransportEvent),
    /// A get failed its check (only with [`crate::EngineConfig::verbose`]).
    VerifyFailure(&'a VerifyFailure),
}

/// What one interval looked like, for the per-interval series.
#[derive(Debug, Clone)]
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
    /// The CPU the worker threads used in it, added up (where the system
    /// tells each thread's own).
    pub client_cpu: Option<Duration>,
    /// The largest share of the interval one worker thread was on a core.
    pub client_busy: Option<f64>,
    /// The interval's latency histograms, saved (with
    /// [`crate::EngineConfig::save_intervals`]).
    pub saved: Option<Box<SavedInterval>>,
}

/// One interval's latency histograms in HdrHistogram's V2 format, base64
/// ([`crate::Latency::to_v2_base64`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedInterval {
    /// Gets' latencies.
    pub get: String,
    /// Sets' latencies.
    pub set: String,
    /// Each command's latencies (with `--mix`), by name, for the commands
    /// that completed a request in the interval.
    pub commands: Vec<(&'static str, String)>,
}

/// The result of a run.
#[derive(Debug)]
pub struct Outcome {
    /// Everything that happened.
    pub stats: Stats,
    /// How long the run took, drain included.
    pub elapsed: Duration,
    /// The wall-clock time the run started (its intervals count from it).
    pub started_at: SystemTime,
    /// How long the run waited for `--start-at` after connecting.
    pub waited: Duration,
    /// Connections that ended dead.
    pub dead: usize,
    /// Of them, by what ended them.
    pub deaths: crate::death::Deaths,
    /// Connections in all.
    pub connections: usize,
    /// Every interval, in order.
    pub series: Vec<IntervalSummary>,
    /// Every server outage, by start (at most [`crate::outage::MAX_OUTAGES`]).
    pub outages: Vec<Outage>,
    /// Outages past that limit, only counted.
    pub outages_more: u64,
    /// Connections that never completed a request, by why.
    pub rejections: Rejections,
    /// The CPU the worker threads used; `None` where the system does not
    /// tell a thread's own.
    pub client_cpu: Option<super::ClientCpu>,
}

/// What the reporter has merged so far.
struct Merge {
    start: Instant,
    threads: usize,
    save_intervals: bool,
    outages: Outages,
    global: Stats,
    /// What came after the threads' last whole intervals (and the drain).
    tail: Stats,
    /// Intervals some thread has not reported yet: who has, the sum, and
    /// the threads' CPU in them.
    open: BTreeMap<u64, (Vec<bool>, Stats, IntervalCpu)>,
    /// The threads' CPU after their last whole intervals.
    tail_cpu: IntervalCpu,
    /// How long an interval is.
    interval: Duration,
    /// The last interval emitted.
    last_index: u64,
    finished: Vec<bool>,
    series: Vec<IntervalSummary>,
    dead: usize,
    deaths: crate::death::Deaths,
    connections: usize,
    rejections: Rejections,
    /// Each worker's CPU so far, its intervals' added up; `None` once it
    /// could not tell.
    thread_cpu: Vec<Option<CpuTimes>>,
    /// Where each worker takes back its interval statistics, reset.
    returns: Vec<mpsc::Sender<Box<Stats>>>,
}

/// Merges the workers' messages from `rx` into intervals and the final
/// outcome, calling `on_report` as intervals complete and events arrive;
/// each worker's interval statistics go back to it on `returns`, reset.
pub(super) fn collect(
    rx: &mpsc::Receiver<(usize, Message)>,
    returns: Vec<mpsc::Sender<Box<Stats>>>,
    (threads, save_intervals): (usize, bool),
    timing: Timing,
    on_report: &mut impl FnMut(Report<'_>),
) -> Outcome {
    let mut merge = Merge {
        start: timing.start,
        threads,
        save_intervals,
        outages: Outages::new(timing.start),
        global: Stats::default(),
        tail: Stats::default(),
        open: BTreeMap::new(),
        tail_cpu: IntervalCpu::default(),
        interval: timing.interval,
        last_index: 0,
        finished: vec![false; threads],
        series: Vec::new(),
        dead: 0,
        deaths: crate::death::Deaths::default(),
        connections: 0,
        rejections: Rejections::default(),
        thread_cpu: vec![Some(CpuTimes::default()); threads],
        returns,
    };
    while let Ok((id, message)) = rx.recv() {
        merge.take(id, message, on_report);
        merge.emit_complete(on_report);
    }
    merge.finish()
}

impl Merge {
    /// Takes in one message of worker `id`.
    fn take(&mut self, id: usize, message: Message, on_report: &mut impl FnMut(Report<'_>)) {
        match message {
            Message::Interval {
                index,
                mut stats,
                cpu,
            } => {
                let threads = self.threads;
                let (seen, period, period_cpu) = self.open.entry(index).or_insert_with(|| {
                    (
                        vec![false; threads],
                        Stats::default(),
                        IntervalCpu::default(),
                    )
                });
                period_cpu.add(cpu);
                // Settled first, the merge reads the histograms in place.
                stats.settle_histograms();
                period.merge(&stats);
                stats.reset();
                if let Some(back) = self.returns.get(id) {
                    let _ = back.send(stats);
                }
                if let Some(s) = seen.get_mut(id) {
                    *s = true;
                }
                self.add_thread_cpu(id, cpu);
                self.outages.age(Instant::now());
            }
            Message::Sightings(sightings) => {
                for sighting in &sightings {
                    self.outages.sighting(sighting);
                }
            }
            Message::Events(events) => {
                for event in &events {
                    self.outages.event(event);
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
                dead,
                deaths,
                connections,
                rejections,
                cpu,
            } => {
                self.tail_cpu.add(cpu);
                self.add_thread_cpu(id, cpu);
                self.deaths.merge(&deaths);
                self.rejections.merge(*rejections);
                self.global.merge(&stats);
                self.tail.merge(&stats);
                self.dead += dead;
                self.connections += connections;
                if let Some(f) = self.finished.get_mut(id) {
                    *f = true;
                }
            }
        }
    }

    /// Adds `cpu`, used by worker `id`, to its run's (`None`: it could not
    /// tell, and its run's is not known).
    fn add_thread_cpu(&mut self, id: usize, cpu: Option<CpuTimes>) {
        if let Some(total) = self.thread_cpu.get_mut(id) {
            *total = total.zip(cpu).map(|(total, cpu)| total.plus(cpu));
        }
    }

    /// The CPU of the finished workers' runs, when each told its own.
    fn client_cpu(&self, elapsed: Duration) -> Option<super::ClientCpu> {
        let finished = self
            .thread_cpu
            .iter()
            .zip(&self.finished)
            .filter(|(_, done)| **done)
            .map(|(cpu, _)| *cpu);
        let threads = finished.collect::<Option<Vec<CpuTimes>>>()?;
        (!threads.is_empty())
            .then(|| super::ClientCpu::of_threads(&threads, elapsed, available_cores()))
    }

    /// Emits, in order, every interval that every thread has reported or
    /// will never report (it finished first).
    fn emit_complete(&mut self, on_report: &mut impl FnMut(Report<'_>)) {
        while let Some(entry) = self.open.first_entry() {
            let complete = entry
                .get()
                .0
                .iter()
                .zip(&self.finished)
                .all(|(seen, done)| *seen || *done);
            if !complete {
                break;
            }
            let (index, (_, period, cpu)) = entry.remove_entry();
            self.global.merge(&period);
            let elapsed = self.start.elapsed();
            let cpu = cpu.of(self.interval);
            self.series
                .push(summary(&period, elapsed, self.save_intervals, cpu));
            self.last_index = index;
            on_report(Report::Interval {
                index,
                elapsed,
                period: &period,
                global: &self.global,
                client_busy: cpu.map(|(_, share)| share),
            });
        }
    }

    /// The outcome, with what intervals no thread completed.
    fn finish(mut self) -> Outcome {
        for (_, (_, period, cpu)) in std::mem::take(&mut self.open) {
            self.global.merge(&period);
            self.tail.merge(&period);
            self.tail_cpu.absorb(&cpu);
        }
        let end = Instant::now();
        let elapsed = end.saturating_duration_since(self.start);
        // A last, partial row, so that the rows add up to the whole run.
        if self.tail.get.count() + self.tail.set.count() > 0 || self.tail.counters.requests_sent > 0
        {
            // From the end of the last whole interval emitted.
            let since = self
                .interval
                .saturating_mul(u32::try_from(self.last_index).unwrap_or(u32::MAX));
            let cpu = self.tail_cpu.of(elapsed.saturating_sub(since));
            self.series
                .push(summary(&self.tail, elapsed, self.save_intervals, cpu));
        }
        let client_cpu = self.client_cpu(elapsed);
        let (outages, outages_more) = self.outages.finish(end);
        Outcome {
            stats: self.global,
            elapsed,
            started_at: SystemTime::UNIX_EPOCH,
            waited: Duration::ZERO,
            outages,
            outages_more,
            dead: self.dead,
            deaths: self.deaths,
            connections: self.connections,
            series: self.series,
            rejections: self.rejections,
            client_cpu,
        }
    }
}

/// The cores this process may run on (affinity and quotas counted; 0
/// when not known).
fn available_cores() -> usize {
    std::thread::available_parallelism().map_or(0, std::num::NonZeroUsize::get)
}

/// The row of `period`, which ended `elapsed` into the run; `cpu` is
/// what the worker threads used in it and the busiest one's share of it.
fn summary(
    period: &Stats,
    elapsed: Duration,
    save: bool,
    cpu: Option<(Duration, f64)>,
) -> IntervalSummary {
    let total = period.total();
    let c = &period.counters;
    IntervalSummary {
        elapsed,
        client_cpu: cpu.map(|(used, _)| used),
        client_busy: cpu.map(|(_, share)| share),
        gets: period.get.count(),
        sets: period.set.count(),
        get_misses: c.get_misses,
        net_bytes: c.written_bytes + c.read_bytes,
        p50: total.quantile(0.5),
        p99: total.quantile(0.99),
        max: total.max(),
        errors: c.requests_failed + c.requests_timed_out,
        saved: save.then(|| {
            Box::new(SavedInterval {
                get: period.get.to_v2_base64(),
                set: period.set.to_v2_base64(),
                commands: saved_commands(period),
            })
        }),
    }
}

/// The histograms of each command of `period` that completed a request.
fn saved_commands(period: &Stats) -> Vec<(&'static str, String)> {
    let Some(latencies) = period.commands.as_deref() else {
        return Vec::new();
    };
    memaslap_workload::Command::ALL
        .into_iter()
        .filter_map(|command| {
            let latency = latencies.of(command).filter(|l| l.count() > 0)?;
            Some((command.name(), latency.to_v2_base64()))
        })
        .collect()
}
