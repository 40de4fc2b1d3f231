//! Running a scan (`--scan`): one open-loop run per step against the same
//! servers, a row printed as each ends.

use crate::json::{ScanJson, StepJson};
use crate::scan::{self, Objective, Scan, StepLine};
use crate::setup::Setup;
use memaslap_engine::{EngineConfig, OpenLoopConfig, Outcome, RunError, Stop, run};
use memaslap_workload::Workload;
use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// The part of each step whose latencies are not recorded.
const SETTLE: f64 = 0.1;

/// What a scan came to: the last step's outcome and every step.
pub struct Scanned {
    /// The last step's outcome.
    pub outcome: Outcome,
    /// Every step, for the JSON document.
    pub json: ScanJson,
    /// Whether any step completed a request.
    pub completed_any: bool,
    /// The last step's open loop.
    pub last_open_loop: Option<OpenLoopConfig>,
}

/// Runs every step of `scan`, `step_time` each, printing the table.
pub fn run_scan(
    scan: &Scan,
    slo: Option<(&str, &[Objective])>,
    setup: &Setup,
    workload: &Workload,
    stop: &AtomicBool,
    step_time: Duration,
) -> Result<Option<Scanned>, RunError> {
    let objectives = slo.map_or(&[][..], |(_, o)| o);
    let rates = scan.rates();
    let mut out = format!(
        "\nScan: {} steps of {:.1}s, the first {:.0} % of each settling (not recorded)\n",
        rates.len(),
        step_time.as_secs_f64(),
        SETTLE * 100.0
    );
    scan::header(&mut out);
    print(&out);
    let recorded = step_time.mul_f64(1.0 - SETTLE);
    let mut steps = Vec::with_capacity(rates.len());
    let mut lines = Vec::with_capacity(rates.len());
    let mut last = None;
    let mut completed_any = false;
    let mut last_open_loop = None;
    let mut first_start = None;
    for rate in rates {
        let config = step_config(&setup.engine, rate, step_time);
        let outcome = run(&config, workload, stop, |_| {})?;
        last_open_loop = config.open_loop;
        let line = StepLine::of(rate, &outcome, recorded, objectives);
        let mark = match (slo, line.slo_met) {
            (None, _) => "",
            (Some(_), true) => "  met",
            (Some(_), false) => "  missed",
        };
        let mut row = String::new();
        scan::row(&mut row, &line, mark);
        print(&row);
        completed_any |= outcome.stats.counters.requests_completed > 0;
        let first = *first_start.get_or_insert(outcome.started_at);
        steps.push(StepJson::new(line.clone(), &outcome, first));
        lines.push(line);
        last = Some(outcome);
        if stop.load(Ordering::Relaxed) {
            break;
        }
    }
    let Some(outcome) = last else {
        return Ok(None);
    };
    let highest = scan::highest_met(&lines)
        .and_then(|i| lines.get(i))
        .map(|line| line.offered_per_s);
    if let Some((given, _)) = slo {
        let verdict = match highest {
            Some(rate) => format!("the highest step meeting {given}: {rate:.1} requests/s\n"),
            None => format!("no step met {given}\n"),
        };
        print(&verdict);
    }
    // A thread that polls between requests (`--wake spin`) is always busy.
    let polls = crate::client_cpu::polls(&setup.engine);
    if let Some(line) = scan::client_bound(&lines).filter(|_| !polls) {
        print(&line);
    }
    Ok(Some(Scanned {
        outcome,
        json: ScanJson {
            slo: slo.map(|(given, _)| given.to_owned()),
            highest_met_per_s: highest,
            steps,
        },
        completed_any,
        last_open_loop,
    }))
}

/// The engine's configuration of a step at `rate`.
fn step_config(engine: &EngineConfig, rate: f64, step_time: Duration) -> EngineConfig {
    let mut config = engine.clone();
    let open = engine.open_loop.unwrap_or(OpenLoopConfig {
        rate,
        arrival: memaslap_engine::ArrivalKind::Poisson,
        max_backlog: None,
        wake: memaslap_engine::Wake::default(),
    });
    config.open_loop = Some(OpenLoopConfig { rate, ..open });
    config.stop = Stop::After(step_time);
    config.settle = step_time.mul_f64(SETTLE);
    config
}

fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
