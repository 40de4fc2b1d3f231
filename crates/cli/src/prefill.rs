//! `--prefill`: every key of the keyspace stored once before the measured
//! run, by all connections, pipelined where the transport allows, with a
//! progress line on a terminal. Its figures are reported apart from the
//! run's.

use crate::setup::Setup;
use memaslap_engine::{Mode, Outcome, Report, RunError, Stop, run};
use memaslap_workload::Workload;
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Requests in flight per connection while prefilling, where the run's
/// transport allows more than one (TCP, one socket per connection).
const PREFILL_DEPTH: usize = 32;

/// How often the progress line is redrawn.
const PROGRESS_EVERY: Duration = Duration::from_millis(500);

/// What the prefill did.
#[derive(Debug, Clone, Serialize)]
pub struct Prefilled {
    /// Keys in the keyspace: one set each.
    pub keys: u64,
    /// Sets answered `STORED`.
    pub stored: u64,
    /// Sets answered with an error.
    pub failed: u64,
    /// Sets that timed out.
    pub timed_out: u64,
    /// Seconds the prefill took.
    pub elapsed_s: f64,
    /// Sets answered per second.
    pub sets_per_s: f64,
}

impl Prefilled {
    fn of(keys: u64, outcome: &Outcome) -> Prefilled {
        let c = &outcome.stats.counters;
        let secs = outcome.elapsed.as_secs_f64();
        Prefilled {
            keys,
            stored: c.requests_completed,
            failed: c.requests_failed,
            timed_out: c.requests_timed_out,
            elapsed_s: (secs * 1000.0).round() / 1000.0,
            sets_per_s: if secs > 0.0 {
                (c.requests_completed as f64 / secs).round()
            } else {
                0.0
            },
        }
    }

    /// The report's line.
    pub fn line(&self) -> String {
        format!(
            "prefill: {} keys: stored {} failed {} timed_out {} in {:.3}s ({:.0} sets/s)\n",
            self.keys, self.stored, self.failed, self.timed_out, self.elapsed_s, self.sets_per_s
        )
    }
}

/// Stores every key of the setup's keyspace once; `None` without
/// `--prefill` (or without a keyspace).
pub fn prefill(setup: &Setup, stop: &AtomicBool) -> Result<Option<Prefilled>, RunError> {
    let mut workload = setup.workload.clone();
    let Some(space) = workload.keyspace.as_mut().filter(|_| setup.prefill) else {
        return Ok(None);
    };
    space.prefill = true;
    let workload = Workload::new(&workload, setup.seed, setup.engine.concurrency)
        .map_err(RunError::Workload)?;
    // The keys, and their counters when incr or decr is in the mix.
    let keys = workload.keyspace().map_or(0, |space| space.stored_ids());
    let mut engine = setup.engine.clone();
    engine.stop = Stop::Operations(keys);
    engine.open_loop = None;
    engine.rate = None;
    engine.settle = Duration::ZERO;
    engine.report_interval = Some(PROGRESS_EVERY);
    if engine.mode == Mode::Tcp && engine.sockets_per_connection == 1 {
        engine.depth = engine.depth.max(PREFILL_DEPTH);
    }
    let terminal = std::io::stderr().is_terminal();
    let outcome = run(&engine, &workload, stop, |report| {
        if let (Report::Interval { global, .. }, true) = (report, terminal) {
            let done = global.counters.requests_completed;
            let share = done as f64 * 100.0 / keys.max(1) as f64;
            eprint!("\rprefill: {done} of {keys} keys ({share:.0}%)");
            let _ = std::io::stderr().flush();
        }
    })?;
    if terminal {
        eprint!("\r\x1b[2K");
    }
    Ok(Some(Prefilled::of(keys, &outcome)))
}
