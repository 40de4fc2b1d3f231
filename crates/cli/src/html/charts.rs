//! The report's charts, from the runs' JSON documents: throughput, errors,
//! latency and the client's CPU over time (outages shaded), the percentile spectrum of
//! every kind, command and open-loop latency, and a scan's curve.
// serde_json::Value's `[]` gives Null for a missing key or index (it never
// panics, unlike slices); the pages read the documents through it.
#![allow(clippy::indexing_slicing)]

use super::Run;
use super::svg::{Chart, Scale, Series};
use memaslap_engine::Latency;
use serde_json::Value;

/// The percentiles of a spectrum.
const SPECTRUM: [f64; 8] = [0.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 99.999];

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or(0.0)
}

/// The record a saved histogram holds.
fn record(hdr: &Value) -> Option<Latency> {
    Latency::from_histogram(hdr.as_str()?).ok()
}

/// `(percentile, µs)` of `latency`, as far as its count resolves.
fn spectrum(latency: &Latency) -> Vec<(f64, f64)> {
    let count = latency.count() as f64;
    SPECTRUM
        .iter()
        .filter(|&&p| p == 0.0 || count * (1.0 - p / 100.0) >= 1.0)
        .map(|&p| (p, latency.quantile(p / 100.0).as_secs_f64() * 1e6))
        .collect()
}

/// One run's points per interval.
#[derive(Default)]
struct Intervals {
    gets: Vec<(f64, f64)>,
    sets: Vec<(f64, f64)>,
    failed: Vec<(f64, f64)>,
    /// Requests per second of each command, in the order first seen.
    commands: Vec<(String, Vec<(f64, f64)>)>,
    /// p50, p99, p99.9 and the maximum, in µs.
    quantiles: [Vec<(f64, f64)>; 4],
    /// The busiest worker thread's share of each interval on a core, in %.
    busy: Vec<(f64, f64)>,
}

/// The parts of a run laid end to end in time, each with its start in
/// seconds: a scan's steps (each with its own `series` and `outages`,
/// timed from the step's start), or the whole run. A scan saved before
/// its steps kept their intervals draws as its last step.
fn timeline(doc: &Value) -> Vec<(f64, &Value)> {
    match doc["scan"]["steps"].as_array() {
        Some(steps) if !steps.is_empty() && steps.iter().all(|s| s["series"].is_array()) => steps
            .iter()
            .map(|step| (num(&step["start_s"]), step))
            .collect(),
        _ => vec![(0.0, doc)],
    }
}

impl Intervals {
    /// The points of `run`, whose [`timeline`] is `parts`.
    fn of(run: &Run<'_>, parts: &[(f64, &Value)]) -> Intervals {
        // The last row may be a sliver (the drain): too short for a rate.
        let interval = run.doc["config"]["stat_freq_s"].as_f64().unwrap_or(1.0);
        let mut points = Intervals::default();
        for &(start, part) in parts {
            let mut before = 0.0;
            for row in part["series"].as_array().into_iter().flatten() {
                let at = num(&row["elapsed_s"]);
                let length = at - before;
                before = at;
                if length >= interval / 2.0 {
                    points.add(row, start + at, length);
                }
            }
        }
        points
    }

    /// Adds the interval `row`, `length` seconds long, ending at `at`.
    fn add(&mut self, row: &Value, at: f64, length: f64) {
        self.gets.push((at, num(&row["gets"]) / length));
        self.sets.push((at, num(&row["sets"]) / length));
        for (command, hdr) in row["hdr_v2"]["commands"].as_object().into_iter().flatten() {
            let count = record(hdr).map_or(0, |l| l.count());
            if !self.commands.iter().any(|(name, _)| name == command) {
                self.commands.push((command.clone(), Vec::new()));
            }
            if let Some((_, points)) = self.commands.iter_mut().find(|(name, _)| name == command) {
                points.push((at, count as f64 / length));
            }
        }
        self.failed.push((at, num(&row["errors"])));
        if let Some(busy) = row["client_busy"].as_f64() {
            self.busy.push((at, busy * 100.0));
        }
        let mut total = record(&row["hdr_v2"]["get"]).unwrap_or_default();
        if let Some(set) = record(&row["hdr_v2"]["set"]) {
            total.merge(&set);
        }
        let p999 = total.quantile(0.999).as_secs_f64() * 1e6;
        for (series, y) in self.quantiles.iter_mut().zip([
            num(&row["p50_us"]),
            num(&row["p99_us"]),
            p999,
            num(&row["max_us"]),
        ]) {
            series.push((at, y));
        }
    }
}

/// Throughput, errors and latency per interval.
pub(super) fn over_time(runs: &[Run<'_>]) -> Vec<Chart> {
    let mut rate = Vec::new();
    let mut errors = Vec::new();
    let mut latency = Vec::new();
    let mut client = Vec::new();
    let mut shaded = Vec::new();
    let mut scanned = false;
    for run in runs {
        let parts = timeline(run.doc);
        scanned |= parts.len() > 1;
        let Intervals {
            gets,
            sets,
            failed,
            commands,
            quantiles,
            busy,
        } = Intervals::of(run, &parts);
        let name = |what: &str| {
            if runs.len() > 1 {
                format!("{} {what}", run.name)
            } else {
                what.to_string()
            }
        };
        rate.push(Series {
            name: name("gets/s"),
            points: gets,
        });
        rate.push(Series {
            name: name("sets/s"),
            points: sets,
        });
        for (command, points) in commands {
            rate.push(Series {
                name: name(&format!("{command}/s")),
                points,
            });
        }
        errors.push(Series {
            name: name("errors"),
            points: failed,
        });
        if !busy.is_empty() {
            client.push(Series {
                name: name("busiest worker thread"),
                points: busy,
            });
        }
        for (label, points) in ["p50", "p99", "p99.9", "max"].into_iter().zip(quantiles) {
            latency.push(Series {
                name: name(label),
                points,
            });
        }
        for (at, part) in parts {
            for outage in part["outages"].as_array().into_iter().flatten() {
                let start = at + num(&outage["start_s"]);
                shaded.push((start, start + num(&outage["length_s"])));
            }
        }
    }
    // A scan's steps follow each other on one axis.
    let x = if scanned {
        "seconds into the scan, step after step"
    } else {
        "seconds"
    };
    let chart = |title: &str, y: (&str, Scale), series: Vec<Series>| Chart {
        title: title.to_string(),
        x: (x.to_string(), Scale::Linear),
        y: (y.0.to_string(), y.1),
        series,
        shaded: shaded.clone(),
        rule: None,
    };
    let mut charts = vec![
        chart(
            "Throughput per interval (outages shaded)",
            ("requests/s", Scale::Linear),
            rate,
        ),
        chart("Errors per interval", ("errors", Scale::Linear), errors),
        chart("Latency per interval", ("µs", Scale::Log), latency),
    ];
    // Near 100 %, the client rather than the server may have set the pace.
    if !client.is_empty() {
        let mut busy = chart(
            "Client CPU per interval",
            ("% of the interval on a core", Scale::Linear),
            client,
        );
        busy.rule = Some((
            memaslap_engine::BUSY_SHARE * 100.0,
            "client may set the pace".to_string(),
        ));
        charts.push(busy);
    }
    charts
}

/// One spectrum chart per run: every kind, command and open-loop latency.
pub(super) fn spectra(runs: &[Run<'_>]) -> Vec<Chart> {
    let mut by_kind = Vec::new();
    let mut by_command = Vec::new();
    for run in runs {
        let prefix = if runs.len() > 1 {
            format!("{} ", run.name)
        } else {
            String::new()
        };
        let open = run.doc["service_time"].is_object();
        for kind in ["get", "set", "total"] {
            // The open loop's service time and send lag, for all requests.
            let mut curves = vec![("response", &run.doc["latency"][kind])];
            if open && kind == "total" {
                curves.push(("service", &run.doc["service_time"][kind]));
                curves.push(("send lag", &run.doc["send_lag"][kind]));
            }
            for (what, latency) in curves {
                let Some(l) = record(&latency["hdr_v2"]).filter(|l| l.count() > 0) else {
                    continue;
                };
                let name = if open && kind == "total" {
                    format!("{prefix}{kind} {what}")
                } else {
                    format!("{prefix}{kind}")
                };
                by_kind.push(Series {
                    name,
                    points: spectrum(&l),
                });
            }
        }
        for (command, figures) in run.doc["commands"].as_object().into_iter().flatten() {
            if let Some(l) = record(&figures["latency"]["hdr_v2"]).filter(|l| l.count() > 0) {
                by_command.push(Series {
                    name: format!("{prefix}{command}"),
                    points: spectrum(&l),
                });
            }
        }
    }
    let chart = |title: &str, series| Chart {
        title: title.to_string(),
        x: ("percentile".to_string(), Scale::Nines),
        y: ("µs".to_string(), Scale::Log),
        series,
        shaded: Vec::new(),
        rule: None,
    };
    let mut charts = vec![chart("Latency by kind", by_kind)];
    if !by_command.is_empty() {
        charts.push(chart("Latency by command (--mix)", by_command));
    }
    let by_step = step_spectra(runs);
    if !by_step.is_empty() {
        charts.push(chart("Latency by scan step (--scan)", by_step));
    }
    charts
}

/// Each scan step's response time, all requests, one line a step named
/// by its offered rate: how the whole distribution moves with the load.
fn step_spectra(runs: &[Run<'_>]) -> Vec<Series> {
    let mut lines = Vec::new();
    for run in runs {
        for step in run.doc["scan"]["steps"].as_array().into_iter().flatten() {
            let Some(l) = record(&step["latency"]["total"]["hdr_v2"]).filter(|l| l.count() > 0)
            else {
                continue;
            };
            let rate = format!("{}/s", num(&step["offered_per_s"]));
            let name = if runs.len() > 1 {
                format!("{} {rate}", run.name)
            } else {
                rate
            };
            lines.push(Series {
                name,
                points: spectrum(&l),
            });
        }
    }
    lines
}

/// A scan's latency against achieved rate, with its objective's line.
pub(super) fn scan(runs: &[Run<'_>]) -> Option<Chart> {
    let mut series = Vec::new();
    let mut rule = None;
    for run in runs {
        let scan = &run.doc["scan"];
        let steps = scan["steps"].as_array()?;
        for (i, label) in ["p50", "p90", "p99", "p99.9"].into_iter().enumerate() {
            let points = steps
                .iter()
                .map(|s| (num(&s["achieved_per_s"]), num(&s["response_us"][i])))
                .collect();
            let name = if runs.len() > 1 {
                format!("{} {label}", run.name)
            } else {
                label.to_string()
            };
            series.push(Series { name, points });
        }
        if rule.is_none() {
            rule = scan["slo"].as_str().and_then(objective);
        }
    }
    Some(Chart {
        title: "Response time against achieved rate".to_string(),
        x: ("achieved requests/s".to_string(), Scale::Linear),
        y: ("µs".to_string(), Scale::Log),
        series,
        shaded: Vec::new(),
        rule,
    })
}

/// The first objective of `--slo` (`p99=1ms,…`) as µs and its label.
fn objective(slo: &str) -> Option<(f64, String)> {
    let first = slo.split(',').next()?;
    let (name, time) = first.split_once('=')?;
    let time = time.trim();
    let (number, unit) = time
        .find(|c: char| c.is_ascii_alphabetic())
        .map_or((time, "us"), |i| time.split_at(i));
    let value: f64 = number.parse().ok()?;
    let us = value
        * match unit {
            "ns" => 1e-3,
            "us" | "µs" => 1.0,
            "ms" => 1e3,
            "s" => 1e6,
            _ => return None,
        };
    Some((us, format!("{name} objective")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(elapsed_s: f64, gets: u64) -> Value {
        json!({"elapsed_s": elapsed_s, "gets": gets, "sets": 0, "errors": 0,
               "p50_us": 1.0, "p99_us": 2.0, "max_us": 3.0})
    }

    #[test]
    fn a_scans_steps_follow_each_other_over_time() {
        let outage = json!({"start_s": 0.25, "length_s": 0.5});
        let doc = json!({
            "config": {"stat_freq_s": 1.0},
            "series": [row(1.0, 700)],
            "outages": [],
            "scan": {"steps": [
                {"start_s": 0.0, "series": [row(1.0, 100), row(2.0, 200), row(2.1, 5)], "outages": []},
                {"start_s": 2.5, "series": [row(1.0, 300)], "outages": [outage]},
            ]},
        });
        let run = Run {
            name: "scan",
            doc: &doc,
        };
        let gets = Intervals::of(&run, &timeline(&doc)).gets;
        assert_eq!(gets, [(1.0, 100.0), (2.0, 200.0), (3.5, 300.0)]);
        let charts = over_time(&[run]);
        assert!(charts.iter().all(|c| c.shaded == [(2.75, 3.25)]));
        assert!(
            charts
                .iter()
                .all(|c| c.x.0.starts_with("seconds into the scan"))
        );

        // Saved before the steps kept their intervals: the last step's.
        let mut old = doc.clone();
        for step in old["scan"]["steps"].as_array_mut().unwrap() {
            step.as_object_mut().unwrap().remove("series");
        }
        let run = Run {
            name: "old",
            doc: &old,
        };
        assert_eq!(Intervals::of(&run, &timeline(&old)).gets, [(1.0, 700.0)]);
        assert!(over_time(&[run]).iter().all(|c| c.x.0 == "seconds"));
    }

    #[test]
    fn objectives_read_as_microseconds() {
        assert_eq!(objective("p99=1ms"), Some((1000.0, "p99 objective".into())));
        assert_eq!(
            objective("p999=250us,p50=1ms"),
            Some((250.0, "p999 objective".into()))
        );
        assert_eq!(objective("p99=fast"), None);
    }
}
