//! A whole run: worker threads started with their connections, their
//! snapshots merged into intervals and a global total, reports handed to the
//! caller as they come.

mod build;
mod connect;
mod cpu;
mod error;
mod merge;

pub use cpu::{BUSY_SHARE, ClientCpu};
pub use error::RunError;
pub use merge::{IntervalSummary, Outcome, Report, SavedInterval};

use crate::config::{ConfigError, EngineConfig, START_SLACK, Stop};
use crate::worker::Timing;
use build::{Plan, worker_thread};
use memaslap_workload::Workload;
use merge::collect;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

/// Runs the load described by `config` and `workload` until it ends or
/// `stop` is set, calling `on_report` for every interval and socket event.
pub fn run(
    config: &EngineConfig,
    workload: &Workload,
    stop: &AtomicBool,
    mut on_report: impl FnMut(Report<'_>),
) -> Result<Outcome, RunError> {
    config.validate().map_err(RunError::Config)?;
    config
        .check_workload(workload.config())
        .map_err(RunError::Config)?;
    for server in &config.servers {
        server.endpoints().map_err(RunError::Transport)?;
    }
    let threads = config.threads as usize;
    // The window model stores its windows before a run without sets.
    let windows = workload.keyspace().is_none() && workload.trace().is_none();
    let gate = (windows && workload.config().mix.has_no_sets())
        .then(|| Arc::new(AtomicUsize::new(config.concurrency as usize)));
    // Every connection is set up (its connect under way) before the clock
    // starts, as memaslap connects before it starts timing: with many
    // connections that takes a noticeable part of a short run. Each
    // worker is built on its own thread, after it takes a descriptor
    // table of its own, so that its sockets are in that table alone.
    let plan = Plan {
        config,
        workload,
        setup: Instant::now(),
        gate: gate.as_ref(),
        stop,
    };
    let (tx, rx) = mpsc::channel();
    let (built_tx, built_rx) = mpsc::channel();
    std::thread::scope(|scope| -> Result<Outcome, RunError> {
        let mut starts = Vec::with_capacity(threads);
        let mut returns = Vec::with_capacity(threads);
        for id in 0..threads {
            let (start_tx, start_rx) = mpsc::channel::<Timing>();
            let (return_tx, return_rx) = mpsc::channel();
            let (tx, built_tx) = (tx.clone(), built_tx.clone());
            std::thread::Builder::new()
                .name(format!("memaslap-{id}"))
                .spawn_scoped(scope, move || {
                    worker_thread(plan, id, built_tx, start_rx, (tx, return_rx));
                })
                .map_err(RunError::System)?;
            starts.push(start_tx);
            returns.push(return_tx);
        }
        drop((tx, built_tx));
        // Dropping `starts` on an early return ends the built workers.
        await_built(&built_rx, threads)?;
        let waited = wait_until(config.start_at, stop)?;
        let timing = timing(config);
        let started_at = SystemTime::now();
        for start in &starts {
            let _ = start.send(timing);
        }
        let mut outcome = collect(
            &rx,
            returns,
            (threads, config.save_intervals),
            timing,
            &mut on_report,
        );
        outcome.started_at = started_at;
        outcome.waited = waited;
        Ok(outcome)
    })
}

/// Waits until each of `threads` workers is built; the first that could
/// not be is the run's error.
fn await_built(
    built: &mpsc::Receiver<Result<(), RunError>>,
    threads: usize,
) -> Result<(), RunError> {
    for _ in 0..threads {
        match built.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(e),
            // A worker ended without a word: it panicked, which the
            // scope reports when it joins the thread.
            Err(_) => break,
        }
    }
    Ok(())
}

/// The run's clock, started now.
fn timing(config: &EngineConfig) -> Timing {
    let start = Instant::now();
    Timing {
        start,
        stop_at: match config.stop {
            Stop::After(d) => Some(start + d),
            Stop::Operations(_) => None,
        },
        drain: config.drain_timeout,
        interval: config.report_interval.unwrap_or(Duration::from_secs(1)),
        record_from: (!config.settle.is_zero()).then(|| start + config.settle),
    }
}

/// Waits until `at`; returns how long. A time more than [`START_SLACK`]
/// past is refused, and `stop` set before `at` comes ends the run unstarted.
fn wait_until(at: Option<SystemTime>, stop: &AtomicBool) -> Result<Duration, RunError> {
    let Some(at) = at else {
        return Ok(Duration::ZERO);
    };
    if let Err(past) = at.duration_since(SystemTime::now()) {
        if past.duration() > START_SLACK {
            return Err(RunError::Config(ConfigError::StartPast {
                by: past.duration(),
            }));
        }
        return Ok(Duration::ZERO);
    }
    let began = Instant::now();
    while let Ok(left) = at.duration_since(SystemTime::now()) {
        if left.is_zero() || stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
    if stop.load(std::sync::atomic::Ordering::Relaxed) {
        return Err(RunError::StoppedBeforeStart);
    }
    Ok(began.elapsed())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stop_while_waiting_for_the_start_ends_the_run_unstarted() {
        let later = SystemTime::now() + Duration::from_secs(3600);
        let stopped = AtomicBool::new(true);
        assert!(matches!(
            wait_until(Some(later), &stopped),
            Err(RunError::StoppedBeforeStart)
        ));
        let going = AtomicBool::new(false);
        assert_eq!(wait_until(None, &stopped).ok(), Some(Duration::ZERO));
        let now = SystemTime::now();
        assert!(wait_until(Some(now), &going).is_ok());
        let long_past = now - START_SLACK - Duration::from_secs(1);
        assert!(matches!(
            wait_until(Some(long_past), &going),
            Err(RunError::Config(ConfigError::StartPast { .. }))
        ));
    }
}
