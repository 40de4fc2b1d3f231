//! `memaslap report A.json [B.json …] --report FILE.html`: draws saved
//! runs (`--json`, or merged) as one HTML page; several runs overlay on the
//! same axes, to compare two servers, builds or configurations.

use crate::html::{Run, page};
use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The options of `memaslap report`.
#[derive(Debug, Parser)]
#[command(
    name = "memaslap report",
    version,
    about = "Draw saved runs (memaslap --json) as one self-contained HTML page"
)]
pub struct ReportOptions {
    /// The runs' JSON files; several are overlaid.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// The page to write.
    #[arg(long = "report", value_name = "FILE.html", required = true)]
    pub report: PathBuf,
}

/// Runs `memaslap report` with `args` (the first is the command's name).
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let options = ReportOptions::parse_from(args);
    let mut docs = Vec::new();
    for path in &options.files {
        let name = path.display();
        let read = crate::files::read_capped(path, crate::files::MAX_RESULT)
            .map_err(|e| format!("{name}: cannot read: {e}"))
            .and_then(|bytes| {
                serde_json::from_slice::<serde_json::Value>(&bytes)
                    .map_err(|e| format!("{name}: not a memaslap --json result: {e}"))
            })
            .and_then(|doc| {
                if doc.get("schema").and_then(serde_json::Value::as_u64)
                    == Some(u64::from(crate::json::SCHEMA))
                {
                    Ok(doc)
                } else {
                    Err(format!(
                        "{name}: not a memaslap --json result (no schema {})",
                        crate::json::SCHEMA
                    ))
                }
            });
        let read = read.and_then(|doc| match bad_histogram(&doc, "", false) {
            Some(e) => Err(format!("{name}: {e}")),
            None => Ok(doc),
        });
        match read {
            Ok(doc) => docs.push((stem(path), doc)),
            Err(e) => {
                eprintln!("memaslap report: {e}");
                return ExitCode::from(2);
            }
        }
    }
    let runs: Vec<(&str, &serde_json::Value)> = docs
        .iter()
        .map(|(name, doc)| (name.as_str(), doc))
        .collect();
    match write_page(&options.report, &runs) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("memaslap report: {e}");
            ExitCode::from(1)
        }
    }
}

/// The first saved histogram in `value` that does not decode, with the
/// reason: a string under an `hdr_v2` key, itself or in an object or array
/// below it (`under`: `value` is below one). `at` is the JSON path to
/// `value`.
fn bad_histogram(value: &serde_json::Value, at: &str, under: bool) -> Option<String> {
    use serde_json::Value;
    match value {
        Value::String(text) if under => memaslap_engine::Latency::from_histogram(text)
            .err()
            .map(|e| format!("{}: not a saved histogram: {e}", at.trim_start_matches('.'))),
        Value::Object(map) => map.iter().find_map(|(key, v)| {
            bad_histogram(v, &format!("{at}.{key}"), under || key == "hdr_v2")
        }),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, v)| bad_histogram(v, &format!("{at}.{i}"), under)),
        _ => None,
    }
}

/// A file's name without its directory and extension.
fn stem(path: &Path) -> String {
    path.file_stem().map_or_else(
        || path.display().to_string(),
        |s| s.to_string_lossy().into_owned(),
    )
}

/// Writes the page of `runs` (name, document) to `path`.
///
/// # Errors
/// A message naming the file when it cannot be written.
pub fn write_page(path: &Path, runs: &[(&str, &serde_json::Value)]) -> Result<(), String> {
    let runs: Vec<Run<'_>> = runs.iter().map(|&(name, doc)| Run { name, doc }).collect();
    std::fs::write(path, page(&runs))
        .map_err(|e| format!("cannot write --report {}: {e}", path.display()))
}
