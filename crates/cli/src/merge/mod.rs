//! `memaslap merge A.json B.json …`: the results (`--json`) of the
//! instances of one run (`--instance I/N`) made into the result of the
//! whole run — the report one run would print, with counters summed and
//! percentiles from the merged histograms, a table of the instances, and
//! with `--json` the merged result in the same format, so merges nest.

mod check;
mod combine;
mod input;
mod report;

use crate::flags::{Percentiles, parse_percentiles};
use crate::provenance::Provenance;
use clap::Parser;
use serde::{Deserialize, Serialize};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

/// The options of `memaslap merge`.
#[derive(Debug, Parser)]
#[command(
    name = "memaslap merge",
    version,
    about = "Merge the --json results of the instances of one run (--instance I/N) into the \
             result of the whole run"
)]
pub struct MergeOptions {
    /// The result files, one per instance (or merges of some); a
    /// directory stands for every `*.json` file in it.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// Write the merged result to FILE, in the format of `--json`.
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// Draw the merged run as one self-contained HTML page.
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<PathBuf>,

    /// The percentiles the latency table shows, comma-separated
    /// [default: the run's].
    #[arg(long = "percentiles", value_name = "LIST", value_parser = parse_percentiles)]
    pub percentiles: Option<Percentiles>,
}

/// One instance's own figures, in the merged report and JSON.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InstanceLine {
    /// Its index, from 0.
    pub index: u64,
    /// Instances in the run.
    pub count: u64,
    /// The host it ran on.
    pub host: String,
    /// The result file it was read from.
    pub file: String,
    /// Gets and sets completed (memaslap's `Ops`).
    pub ops: u64,
    /// Requests failed or timed out.
    pub errors: u64,
    /// Seconds its run took.
    pub elapsed_s: f64,
    /// Its 99th percentile latency, µs.
    pub p99_us: f64,
    /// Why it failed, when it did.
    pub error: Option<String>,
}

/// Exit status when an instance failed.
const FAILED: u8 = 1;
/// Exit status for bad options or input files.
const USAGE: u8 = 2;

/// Runs `memaslap merge` with `args` (the first is the command's name)
/// and returns its exit status.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let options = MergeOptions::parse_from(args);
    let inputs = match input::expand(&options.files).and_then(|paths| {
        paths
            .iter()
            .map(|path| input::read(path))
            .collect::<Result<Vec<_>, _>>()
    }) {
        Ok(inputs) => inputs,
        Err(e) => return fail(USAGE, &e),
    };
    let instances = match check::one_run(&inputs) {
        Ok(instances) => instances,
        Err(e) => return fail(USAGE, &e),
    };
    let merged = match combine::merge(&inputs) {
        Ok(merged) => merged,
        Err(e) => return fail(USAGE, &e),
    };
    let whole = report::Whole {
        inputs: &inputs,
        instances: &instances,
        merged: &merged,
        percentiles: options.percentiles.as_ref().map(|p| p.0.as_slice()),
    };
    let mut out = String::new();
    report::print(&mut out, &whole);
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), out.as_bytes());
    let outputs = (options.json.as_deref(), options.report.as_deref());
    if let Err(e) = report::write_outputs(outputs, &whole, &Provenance::now()) {
        return fail(FAILED, &e);
    }
    match instances.iter().find_map(|i| Some((i, i.error.as_ref()?))) {
        Some((i, error)) => fail(
            FAILED,
            &format!(
                "instance {}/{} ({}) failed: {error}",
                i.index, i.count, i.file
            ),
        ),
        None => ExitCode::SUCCESS,
    }
}

fn fail(code: u8, message: &str) -> ExitCode {
    eprintln!("memaslap merge: {message}");
    ExitCode::from(code)
}
