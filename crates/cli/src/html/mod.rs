//! A self-contained HTML report (`--report FILE.html`, `memaslap report`,
//! `memaslap merge … --report`): inline SVG charts drawn by [`svg`] and
//! inline CSS, no script and nothing loaded from anywhere. It is drawn from
//! the JSON document of each run, so a saved run draws as a live one, and
//! several runs overlay on the same axes.
// serde_json::Value's `[]` gives Null for a missing key or index (it never
// panics, unlike slices); the pages read the documents through it.
#![allow(clippy::indexing_slicing)]

mod charts;
pub mod svg;

use serde_json::Value;
use std::fmt::Write;
use svg::escape;

/// One run to draw: its name in legends, and its JSON document.
#[derive(Debug, Clone, Copy)]
pub struct Run<'a> {
    /// Its name (a file's stem, or `run`).
    pub name: &'a str,
    /// Its document.
    pub doc: &'a Value,
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;max-width:60em;color:#222}\
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:.2em .6em;text-align:right}\
th{background:#f4f4f4}td.k{text-align:left}.chart{width:100%;height:auto;max-width:720px}\
.chart .title{font-size:13px;font-weight:600}.chart .small{font-size:10px}\
code{background:#f4f4f4;padding:0 .2em}";

/// The report of `runs`, as one HTML page.
pub fn page(runs: &[Run<'_>]) -> String {
    let mut out = String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    let title = match runs {
        [one] => format!("memaslap report: {}", one.name),
        _ => format!("memaslap report: {} runs", runs.len()),
    };
    let _ = write!(
        out,
        "<title>{}</title><style>{STYLE}</style></head><body>",
        escape(&title)
    );
    let _ = write!(out, "<h1>{}</h1>", escape(&title));
    for run in runs {
        facts(&mut out, run);
        instances(&mut out, run);
    }
    out.push_str("<h2>Over time</h2>");
    for chart in charts::over_time(runs) {
        out.push_str(&chart.svg());
    }
    out.push_str("<h2>Latency percentile spectrum</h2>");
    for chart in charts::spectra(runs) {
        out.push_str(&chart.svg());
    }
    if let Some(chart) = charts::scan(runs) {
        out.push_str("<h2>Latency against throughput (--scan)</h2>");
        out.push_str(&chart.svg());
    }
    out.push_str("<h2>Counters and request accounting</h2>");
    counters(&mut out, runs);
    out.push_str("</body></html>\n");
    out
}

/// The banner's facts of `run`.
fn facts(out: &mut String, run: &Run<'_>) {
    let doc = run.doc;
    let config = &doc["config"];
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => "—".to_string(),
        other => other.to_string(),
    };
    let rows = [
        ("servers", text(&config["servers"])),
        ("protocol", text(&config["protocol"])),
        ("mode", text(&config["mode"])),
        ("threads", text(&config["threads"])),
        ("connections", text(&config["concurrency"])),
        ("rate", rate(doc).unwrap_or_else(|| text(&config["rate"]))),
        ("seed", text(&doc["seed"])),
        ("version", text(&doc["version"])),
        ("start time", text(&doc["start_time"])),
        ("host", text(&doc["host"])),
        ("command line", text(&doc["command_line"])),
        ("error", text(&doc["error"])),
    ];
    let _ = write!(out, "<h2>{}</h2><table>", escape(run.name));
    for (key, value) in rows {
        let _ = write!(
            out,
            "<tr><td class=\"k\">{key}</td><td class=\"k\">{}</td></tr>",
            escape(&value)
        );
    }
    out.push_str("</table>");
}

/// A scan's offered rates (its configuration holds only the first).
fn rate(doc: &Value) -> Option<String> {
    let steps = doc["scan"]["steps"].as_array()?;
    let offered = |step: Option<&Value>| step.and_then(|s| s["offered_per_s"].as_f64());
    let (first, last) = (offered(steps.first())?, offered(steps.last())?);
    Some(format!(
        "--scan: {} steps, {first} to {last} requests/s offered",
        steps.len()
    ))
}

/// A merged run's instances, one row each, so that an outlier shows.
fn instances(out: &mut String, run: &Run<'_>) {
    let Some(rows) = run.doc["instances"].as_array().filter(|r| !r.is_empty()) else {
        return;
    };
    out.push_str(
        "<table><tr><th>instance</th><th>host</th><th>ops</th><th>ops/s</th>\
         <th>errors</th><th>p99 µs</th><th>file</th><th>failed</th></tr>",
    );
    for i in rows {
        let elapsed = i["elapsed_s"].as_f64().unwrap_or(0.0);
        let ops = i["ops"].as_f64().unwrap_or(0.0);
        let rate = if elapsed > 0.0 { ops / elapsed } else { 0.0 };
        let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_string);
        let _ = write!(
            out,
            "<tr><td>{}/{}</td><td class=\"k\">{}</td><td>{ops}</td><td>{rate:.1}</td>\
             <td>{}</td><td>{}</td><td class=\"k\">{}</td><td class=\"k\">{}</td></tr>",
            i["index"],
            i["count"],
            escape(&text(&i["host"])),
            i["errors"],
            i["p99_us"],
            escape(&text(&i["file"])),
            escape(&i["error"].as_str().map_or_else(String::new, str::to_string)),
        );
    }
    out.push_str("</table>");
}

/// What the counters table draws of a document: its counters, the open
/// loop's accounting of due requests, and the client's own CPU.
fn counted(doc: &Value, f: &mut dyn FnMut(&str, &Value)) {
    flatten("", &doc["counters"], f);
    flatten("open_loop", &doc["open_loop"], f);
    flatten("client_cpu", &doc["client_cpu"], f);
}

/// Every counter of every run, side by side.
fn counters(out: &mut String, runs: &[Run<'_>]) {
    let mut names: Vec<String> = Vec::new();
    for run in runs {
        counted(run.doc, &mut |name, _| {
            if !names.iter().any(|n| n == name) {
                names.push(name.to_string());
            }
        });
    }
    out.push_str("<table><tr><th>counter</th>");
    for run in runs {
        let _ = write!(out, "<th>{}</th>", escape(run.name));
    }
    out.push_str("</tr>");
    for name in &names {
        let _ = write!(out, "<tr><td class=\"k\">{}</td>", escape(name));
        for run in runs {
            let mut value = String::from("—");
            counted(run.doc, &mut |n, v| {
                if n == name {
                    value = v.to_string();
                }
            });
            let _ = write!(out, "<td>{}</td>", escape(&value));
        }
        out.push_str("</tr>");
    }
    out.push_str("</table>");
}

/// Calls `f` with every number under `value`, named by its path.
fn flatten(prefix: &str, value: &Value, f: &mut dyn FnMut(&str, &Value)) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let name = if prefix.is_empty() {
                    key.clone()
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(&name, v, f);
            }
        }
        Value::Number(_) => f(prefix, value),
        _ => {}
    }
}
