//! One invocation of the `memaslap` command: options to setup, banner, run,
//! periodic and final reports, JSON, exit status.

use crate::json;
use crate::options::Options;
use crate::prefill::Prefilled;
use crate::provenance::Provenance;
use crate::repeat::RunLine;
use crate::report::{self, Banner};
use crate::setup::{self, Setup, SetupError};
use memaslap_engine::TransportEvent;
use memaslap_engine::{Mode, OpenLoopConfig, Stop};
use memaslap_engine::{Outcome, Report, run};
use memaslap_workload::Workload;
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// Exit status for a successful run.
const OK: u8 = 0;
/// Exit status when the run failed or verification found errors.
const FAILED: u8 = 1;
/// Exit status for bad options or configuration.
const USAGE: u8 = 2;

/// Runs the command with parsed options and returns its exit status.
pub fn main(options: &Options) -> ExitCode {
    let setup = match setup::build(options, std::env::var("MEMCACHED_SERVERS").ok()) {
        Ok(setup) => setup,
        Err(e @ SetupError::Usage(_)) => return fail(USAGE, &e.to_string()),
        Err(e @ SetupError::Server(_)) => return fail(FAILED, &e.to_string()),
    };
    let workload = match Workload::new(&setup.workload, setup.seed, setup.engine.concurrency) {
        Ok(w) => w,
        Err(e) => return fail(USAGE, &e.to_string()),
    };
    let stop = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        if let Err(e) = signal_hook::flag::register(signal, Arc::clone(&stop)) {
            return fail(FAILED, &format!("cannot handle signal {signal}: {e}"));
        }
    }
    print_banner(options, &setup);
    let provenance = Provenance::now();
    let shown = Shown {
        periodic: setup.engine.report_interval,
        terminal: std::io::stdout().is_terminal(),
        disconnects: setup.engine.reconnect || setup.engine.replicate_writes.is_some(),
        wall_clock: setup.engine.start_at.is_some() || setup.workload.instance.count > 1,
        progress: progress_goal(options, &setup),
    };
    let prefilled = match crate::prefill::prefill(&setup, &stop) {
        Ok(prefilled) => prefilled,
        Err(e) => return fail(FAILED, &format!("prefill: {e}")),
    };
    if let Some(prefilled) = &prefilled {
        print(&prefilled.line());
    }
    let prefilled = prefilled.as_ref();
    if let Some(scan) = &options.scan {
        let run = (&setup, &workload, stop.as_ref(), &provenance);
        return scan_main(options, run, scan, prefilled);
    }
    let runs = options.runs.max(1);
    let mut lines = Vec::new();
    let mut last = None;
    for index in 1..=runs {
        if runs > 1 {
            print(&format!("\nrun {index} of {runs}\n"));
        }
        let outcome = match run_once(&setup, &workload, &stop, shown) {
            Ok(done) => done,
            Err(e) => return fail(FAILED, &e.to_string()),
        };
        lines.push(RunLine::of(&outcome.0));
        last = Some(outcome);
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            break;
        }
    }
    let Some((outcome, failure)) = last else {
        return ExitCode::from(OK);
    };
    if lines.len() > 1 {
        let mut out = String::from("\n");
        crate::repeat::summary(&mut out, &lines);
        print(&out);
    }
    let written = write_json(
        options,
        &setup,
        &provenance,
        (&outcome, failure.as_deref()),
        lines,
        (instance_share(&setup), None, prefilled),
    );
    if let Err(message) = written.and_then(|()| write_hdr_log(options, &outcome)) {
        return fail(FAILED, &message);
    }
    match failure {
        Some(message) => fail(FAILED, &message),
        None => ExitCode::from(OK),
    }
}

/// Writes the interval log (`--hdr-log`), if asked for.
fn write_hdr_log(options: &Options, outcome: &Outcome) -> Result<(), String> {
    match &options.hdr_log {
        Some(path) => crate::hdr_log::write(path, outcome),
        None => Ok(()),
    }
}

/// `--scan`: the steps, their table, and the JSON document.
fn scan_main(
    options: &Options,
    (setup, workload, stop, provenance): (&Setup, &Workload, &AtomicBool, &Provenance),
    scan: &crate::scan::Scan,
    prefilled: Option<&Prefilled>,
) -> ExitCode {
    let slo = options
        .slo
        .as_ref()
        .map(|s| (s.text.as_str(), s.objectives.as_slice()));
    let scanned = match crate::scan_run::run_scan(scan, slo, setup, workload, stop, options.time) {
        Ok(Some(scanned)) => scanned,
        Ok(None) => return ExitCode::from(OK),
        Err(e) => return fail(FAILED, &e.to_string()),
    };
    let failure = (!scanned.completed_any).then_some("no request completed in any step");
    let written = write_json(
        options,
        setup,
        provenance,
        (&scanned.outcome, failure),
        Vec::new(),
        (scanned.last_open_loop, Some(scanned.json), prefilled),
    );
    if let Err(message) = written.and_then(|()| write_hdr_log(options, &scanned.outcome)) {
        return fail(FAILED, &message);
    }
    match failure {
        Some(message) => fail(FAILED, message),
        None => ExitCode::from(OK),
    }
}

/// Writes the JSON document (`--json`) and the HTML report (`--report`),
/// if asked for, of the last `outcome` and why the run failed.
fn write_json(
    options: &Options,
    setup: &Setup,
    provenance: &Provenance,
    (outcome, failure): (&Outcome, Option<&str>),
    lines: Vec<RunLine>,
    (open_loop, scan, prefilled): (
        Option<OpenLoopConfig>,
        Option<json::ScanJson>,
        Option<&Prefilled>,
    ),
) -> Result<(), String> {
    if options.json.is_none() && options.report.is_none() {
        return Ok(());
    }
    let config = json::config::config(options, setup);
    let mut doc = json::document(outcome, setup.seed, &config, provenance);
    doc.error = failure;
    doc.runs = lines;
    doc.open_loop = open_loop.map(|open| json::OpenLoopJson::new(&open, &outcome.stats));
    doc.scan = scan;
    doc.prefill = prefilled.cloned();
    doc.commands = crate::commands::json(&outcome.stats);
    doc.tls = outcome.stats.tls.as_deref().map(crate::tls::TlsJson::new);
    doc.trace = setup
        .trace
        .as_ref()
        .map(|summary| crate::replay::ReplayJson::new(summary, &outcome.stats));
    if let Some(path) = &options.json {
        serde_json::to_vec_pretty(&doc)
            .map_err(|e| e.to_string())
            .and_then(|bytes| std::fs::write(path, bytes).map_err(|e| e.to_string()))
            .map_err(|e| format!("cannot write --json {}: {e}", path.display()))?;
    }
    if let Some(path) = &options.report {
        let value = serde_json::to_value(&doc).map_err(|e| e.to_string())?;
        crate::report_command::write_page(path, &[("run", &value)])?;
    }
    Ok(())
}

/// One run: its report printed, its outcome and why it failed, if it did.
fn run_once(
    setup: &Setup,
    workload: &Workload,
    stop: &AtomicBool,
    shown: Shown,
) -> Result<(Outcome, Option<String>), memaslap_engine::RunError> {
    let mut first_error = None;
    let outcome = run(&setup.engine, workload, stop, |r| {
        if let Report::Event(TransportEvent::Disconnected { error, .. }) = &r {
            first_error.get_or_insert_with(|| error.clone());
        }
        on_report(r, shown)
    })?;
    let failure = crate::verdict::failure(setup, &outcome, first_error.as_ref());
    print(cleared(shown));
    if outcome.stats.counters.requests_completed == 0 {
        // Nothing to report but what was sent and how it failed.
        print_accounting(&outcome, crate::client_cpu::polls(&setup.engine));
    } else {
        print_final(setup, &outcome);
    }
    Ok((outcome, failure))
}

/// What to print while the run goes on.
#[derive(Debug, Clone, Copy)]
struct Shown {
    /// `-S` tables, every this long.
    periodic: Option<Duration>,
    /// Whether stdout is a terminal (the tables then replace each other).
    terminal: bool,
    /// `Server … disconnect` lines (with `-R` or `-p`, as memaslap).
    disconnects: bool,
    /// Each `-S` dump says when on the wall clock its interval ended (with
    /// `--start-at` or `--instance`, to line up instances' dumps).
    wall_clock: bool,
    /// The live progress line, on a terminal without `-S` or `--quiet`.
    progress: Option<crate::progress::Goal>,
}

/// The progress line's goal, when the line is shown: only on a terminal,
/// and neither with `-S` (whose tables it would break) nor `--quiet`.
fn progress_goal(options: &Options, setup: &Setup) -> Option<crate::progress::Goal> {
    use crate::progress::Goal;
    let shown =
        std::io::stdout().is_terminal() && setup.engine.report_interval.is_none() && !options.quiet;
    shown.then_some(match setup.engine.stop {
        Stop::After(d) => Goal::Time(d),
        Stop::Operations(n) => Goal::Operations(n),
    })
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("memaslap: {message}");
    ExitCode::from(code)
}

/// Banner lines for the flags beyond memaslap's, when given.
fn everyday_flags(out: &mut String, options: &Options, setup: &Setup) {
    crate::workload_flags::banner(out, options, &setup.workload);
    if let Some(prefix) = &options.key_prefix {
        out.push_str(&format!("key prefix: {prefix}\n"));
    }
}

fn print_banner(options: &Options, setup: &Setup) {
    let servers = setup
        .engine
        .servers
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let mut out = String::new();
    report::banner(
        &mut out,
        &Banner {
            servers: &servers,
            threads: setup.engine.threads,
            concurrency: setup.engine.concurrency,
            run_time: Some(options.time),
            execute_number: options.execute_number,
            window: setup.workload.window,
            set_prop: setup.workload.mix.set,
            get_prop: setup.workload.mix.get,
        },
    );
    everyday_flags(&mut out, options, setup);
    if let Some(summary) = &setup.trace {
        crate::replay::banner(&mut out, options, summary);
    }
    let instance = setup.workload.instance;
    if instance.count > 1 {
        out.push_str(&format!(
            "instance: {} of {} ({} connections of {} in the run)\n",
            instance.index,
            instance.count,
            setup.engine.concurrency,
            setup.engine.concurrency.saturating_mul(instance.count)
        ));
    }
    if let Some(at) = setup.engine.start_at {
        out.push_str(&format!("start at: {}\n", crate::provenance::rfc3339(at)));
    }
    if let Some(client) = &setup.engine.tls {
        crate::tls::banner(&mut out, client, &options.tls);
    }
    if let Some(login) = &setup.engine.login {
        crate::auth::banner(&mut out, login);
    }
    if let Some(private) = &setup.private {
        out.push_str(&format!(
            "private server: memcached started on {} for this run\n",
            private.addr()
        ));
    }
    if setup.seed_drawn {
        out.push_str(&format!(
            "seed: {} (drawn; pass --seed {} to repeat)\n",
            setup.seed, setup.seed
        ));
    } else {
        out.push_str(&format!("seed: {}\n", setup.seed));
    }
    print(&out);
}

fn on_report(report: Report<'_>, shown: Shown) {
    match report {
        Report::Interval {
            elapsed,
            period,
            global,
            ..
        } if shown.periodic.is_some() => {
            let interval = shown.periodic.unwrap_or_default();
            let mut out = String::new();
            if shown.terminal {
                out.push_str("\x1b[1;1H\x1b[2J");
            }
            if shown.wall_clock {
                let now = crate::provenance::rfc3339(std::time::SystemTime::now());
                out.push_str(&format!("Interval ending {now}\n"));
            }
            // Whole seconds, as memaslap prints them: the period row covers
            // one interval, the global row the run so far.
            let secs = |d: Duration| d.as_secs_f64().round().max(1.0) as u64;
            report::periodic(&mut out, period, secs(interval), global, secs(elapsed));
            if period.open.is_some() {
                crate::open_loop::interval_rates(&mut out, period, secs(interval));
            }
            print(&out);
        }
        Report::Interval {
            elapsed,
            period,
            global,
            client_busy,
            ..
        } => {
            if let Some(goal) = shown.progress {
                let secs = shown
                    .periodic
                    .unwrap_or(Duration::from_secs(1))
                    .as_secs_f64();
                let second = crate::progress::Second {
                    secs,
                    period,
                    client_busy,
                };
                print(&crate::progress::line(goal, elapsed, &second, global));
            }
        }
        Report::VerifyFailure(failure) => {
            print(cleared(shown));
            eprintln!("{failure}");
        }
        Report::Event(event) => match event {
            TransportEvent::Disconnected { server, .. } if shown.disconnects => {
                print(&format!("{}Server {server} disconnect\n", cleared(shown)));
            }
            TransportEvent::Disconnected { .. } => {}
            TransportEvent::Reconnected {
                server,
                down_since,
                at,
                ..
            } => {
                let after = at.saturating_duration_since(*down_since).as_secs();
                print(&format!(
                    "{}Server {server} reconnect after {after}s\n",
                    cleared(shown)
                ));
            }
            TransportEvent::RetryFailed { .. } | TransportEvent::Secured { .. } => {}
        },
    }
}

/// What clears the progress line before other output, when it is shown.
fn cleared(shown: Shown) -> &'static str {
    if shown.progress.is_some() {
        crate::progress::CLEAR
    } else {
        ""
    }
}

fn print_final(setup: &Setup, outcome: &Outcome) {
    let stats = &outcome.stats;
    let mut out = String::new();
    if setup.engine.start_at.is_some() {
        out.push_str(&format!(
            "started at {} after waiting {:.3}s\n",
            crate::provenance::rfc3339(outcome.started_at),
            outcome.waited.as_secs_f64()
        ));
    }
    let workload = &setup.workload;
    let view = crate::closing::View {
        shown: report::Shown {
            verify: workload.verify > 0.0,
            expire: workload.exp_verify > 0.0,
            udp: setup.engine.mode != Mode::Tcp,
        },
        percentiles: &setup.percentiles,
        open: instance_share(setup),
        trace: setup.trace.as_ref(),
    };
    crate::closing::figures(&mut out, stats, outcome.elapsed, &view);
    client_cpu(&mut out, outcome, crate::client_cpu::polls(&setup.engine));
    crate::outages::outages(&mut out, &outcome.outages, outcome.outages_more);
    crate::rejections::report(&mut out, &outcome.rejections, outcome.connections);
    print(&out);
}

/// The open loop as this instance runs it: its share of the whole run's
/// rate (`--instance`).
fn instance_share(setup: &Setup) -> Option<OpenLoopConfig> {
    let open = setup.engine.open_loop?;
    let count = setup.workload.instance.count.max(1);
    Some(OpenLoopConfig {
        rate: open.rate / f64::from(count),
        ..open
    })
}

/// How long the run took, the request accounting and the outages alone,
/// for a run in which no request completed: its statistics would be all
/// zeros. `polls`: see [`crate::client_cpu::polls`].
fn print_accounting(outcome: &Outcome, polls: bool) {
    let mut out = String::new();
    let c = &outcome.stats.counters;
    report::run_line(&mut out, outcome.elapsed, 0, c.written_bytes + c.read_bytes);
    if outcome.stats.open.is_some() {
        crate::open_loop::accounting(&mut out, c);
        if let Some(line) = crate::open_loop::fell_behind(&outcome.stats) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    report::accounting(&mut out, c);
    client_cpu(&mut out, outcome, polls);
    crate::outages::outages(&mut out, &outcome.outages, outcome.outages_more);
    crate::rejections::report(&mut out, &outcome.rejections, outcome.connections);
    print(&out);
}

/// The client's CPU, where the system told it.
fn client_cpu(out: &mut String, outcome: &Outcome, polls: bool) {
    if let Some(cpu) = &outcome.client_cpu {
        crate::client_cpu::lines(out, cpu, outcome.stats.counters.requests_sent, polls);
    }
}

fn print(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
