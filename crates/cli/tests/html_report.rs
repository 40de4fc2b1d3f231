//! `--report`: the HTML page of a run and of a scan parses cleanly, has a
//! chart per plot whose points match the JSON, and loads nothing from
//! anywhere; `memaslap report` overlays saved runs.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use scraper::{Html, Selector};
use serde_json::Value;
use std::path::PathBuf;
use support::Memcached;

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("memaslap-html-{}-{name}", std::process::id()))
}

/// The page at `path`, parsed; it must parse without an error and load
/// nothing external.
fn parse(path: &PathBuf) -> Html {
    let text = std::fs::read_to_string(path).unwrap();
    let html = Html::parse_document(&text);
    assert!(html.errors.is_empty(), "{:?}", html.errors);
    for external in ["<script", "<link", "src=", "url(", "http://", "https://"] {
        let outside_svg_namespace = text.replace("http://www.w3.org/2000/svg", "");
        assert!(
            !outside_svg_namespace.contains(external),
            "the page has {external}"
        );
    }
    html
}

/// A chart drawn: its title, and its series by name with the points kept
/// in `data-points`.
type Drawn = (String, Vec<(String, Vec<(f64, f64)>)>);

/// Every chart of the page.
fn charts(html: &Html) -> Vec<Drawn> {
    let svg = Selector::parse("svg").unwrap();
    let title = Selector::parse("title").unwrap();
    let line = Selector::parse("polyline.series").unwrap();
    html.select(&svg)
        .map(|chart| {
            let name = chart
                .select(&title)
                .next()
                .unwrap()
                .text()
                .collect::<String>();
            let series = chart
                .select(&line)
                .map(|l| {
                    let points = l
                        .value()
                        .attr("data-points")
                        .unwrap()
                        .split(' ')
                        .filter(|p| !p.is_empty())
                        .map(|p| {
                            let (x, y) = p.split_once(',').unwrap();
                            (x.parse().unwrap(), y.parse().unwrap())
                        })
                        .collect();
                    (l.value().attr("data-name").unwrap().to_string(), points)
                })
                .collect();
            (name, series)
        })
        .collect()
}

fn series<'a>(charts: &'a [Drawn], chart: &str, name: &str) -> &'a [(f64, f64)] {
    let (_, lines) = charts.iter().find(|(t, _)| t.starts_with(chart)).unwrap();
    &lines.iter().find(|(n, _)| n == name).unwrap().1
}

#[test]
fn a_run_draws_its_figures_as_its_json_has_them() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let page = scratch("run.html");
    let (run, doc) = common::run_json(&[
        "-s",
        &addr,
        "-t",
        "2s",
        "-c",
        "4",
        "--keys",
        "1000",
        "--mix",
        "get=8,set=1,delete=1",
        "--report",
        page.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let html = parse(&page);
    let drawn = charts(&html);
    let titles: Vec<&str> = drawn.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Throughput per interval (outages shaded)",
            "Errors per interval",
            "Latency per interval",
            "Client CPU per interval",
            "Latency by kind",
            "Latency by command (--mix)"
        ]
    );
    // Throughput: one point per whole interval row (not the drain's
    // sliver), at its end, its gets per second of the row.
    let rows = doc["series"].as_array().unwrap();
    let mut before = 0.0;
    let mut whole = Vec::new();
    for row in rows {
        let at = row["elapsed_s"].as_f64().unwrap();
        if at - before >= 0.5 {
            whole.push((at, row["gets"].as_f64().unwrap() / (at - before)));
        }
        before = at;
    }
    let gets = series(&drawn, "Throughput", "gets/s");
    // The busiest worker thread's share of each whole interval, in %.
    let busy = series(&drawn, "Client CPU", "busiest worker thread");
    let shares: Vec<f64> = rows
        .iter()
        .scan(0.0, |before, row| {
            let at = row["elapsed_s"].as_f64().unwrap();
            let whole = at - *before >= 0.5;
            *before = at;
            Some(whole.then(|| row["client_busy"].as_f64().unwrap() * 100.0))
        })
        .flatten()
        .collect();
    assert_eq!(busy.iter().map(|p| p.1).collect::<Vec<_>>(), shares);
    assert!(shares.iter().all(|&s| s > 0.0), "{shares:?}");
    assert!(
        gets.len() >= 2 && gets.len() == whole.len(),
        "{gets:?} {whole:?}"
    );
    for (point, (at, rate)) in gets.iter().zip(&whole) {
        assert_eq!(point.0, *at);
        assert!(
            (point.1 - rate).abs() < 1e-6 * rate.max(1.0),
            "{point:?} {rate}"
        );
    }
    // The spectrum's p99 is the JSON's (rounded there to 0.1 µs).
    for kind in ["get", "set", "total"] {
        let points = series(&drawn, "Latency by kind", kind);
        let p99 = points.iter().find(|p| p.0 == 99.0).unwrap().1;
        let want = doc["latency"][kind]["p99_us"].as_f64().unwrap();
        assert!((p99 - want).abs() <= 0.051, "{kind}: {p99} vs {want}");
    }
    let deletes = series(&drawn, "Latency by command", "delete");
    assert!(!deletes.is_empty());
    // Every command of the mix has its throughput over time.
    for command in ["get", "set", "delete"] {
        let rate = series(&drawn, "Throughput", &format!("{command}/s"));
        assert_eq!(rate.len(), gets.len(), "{command}");
    }
    let title = Selector::parse("head > title").unwrap();
    assert_eq!(
        html.select(&title)
            .next()
            .unwrap()
            .text()
            .collect::<String>(),
        "memaslap report: run"
    );
    // The counters' table has the client's own CPU beside them.
    let cell = |row: &str| {
        let td = Selector::parse("tr").unwrap();
        html.select(&td)
            .map(|tr| tr.text().collect::<Vec<_>>())
            .find(|cells| cells.first() == Some(&row))
            .map(|cells| cells[1].to_string())
    };
    for name in ["user_s", "system_s", "us_per_request", "threads"] {
        let want = doc["client_cpu"][name].to_string();
        assert_eq!(cell(&format!("client_cpu.{name}")), Some(want), "{name}");
    }
    std::fs::remove_file(&page).unwrap();
}

#[test]
fn a_scan_draws_its_curve_and_saved_runs_overlay() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let (page, saved) = (scratch("scan.html"), scratch("scan.json"));
    let run = common::memaslap(&[
        "-s",
        &addr,
        "--scan",
        "1000:3000:2000",
        "-t",
        "1s",
        "--slo",
        "p99=1ms",
        "--report",
        page.to_str().unwrap(),
        "--json",
        saved.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let doc: Value = serde_json::from_slice(&std::fs::read(&saved).unwrap()).unwrap();
    let drawn = charts(&parse(&page));
    let p99 = series(&drawn, "Response time against achieved rate", "p99");
    let steps = doc["scan"]["steps"].as_array().unwrap();
    assert_eq!(p99.len(), steps.len());
    for (point, step) in p99.iter().zip(steps) {
        assert_eq!(point.0, step["achieved_per_s"].as_f64().unwrap());
        assert_eq!(point.1, step["response_us"][2].as_f64().unwrap());
    }
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.contains("p99 objective"), "the SLO line is drawn");
    // Over time: every step's whole intervals, each step after the one
    // before, at its start plus the interval's end.
    let mut whole = Vec::new();
    let mut last_start = -1.0;
    for step in steps {
        let start = step["start_s"].as_f64().unwrap();
        assert!(
            start > last_start,
            "steps start in turn: {start} {last_start}"
        );
        last_start = start;
        let rows = step["series"].as_array().unwrap();
        assert!(!rows.is_empty(), "{step}");
        let mut before = 0.0;
        for row in rows {
            let at = row["elapsed_s"].as_f64().unwrap();
            if at - before >= 0.5 {
                whole.push((start + at, row["gets"].as_f64().unwrap() / (at - before)));
            }
            before = at;
        }
        assert!(step["outages"].as_array().unwrap().is_empty(), "{step}");
    }
    assert_eq!(steps[0]["start_s"].as_f64(), Some(0.0));
    let gets = series(&drawn, "Throughput", "gets/s");
    assert_eq!(gets.len(), whole.len(), "{gets:?} {whole:?}");
    assert!(gets.len() >= steps.len(), "{gets:?}");
    for (point, (at, rate)) in gets.iter().zip(&whole) {
        assert_eq!(point.0, *at);
        assert!(
            (point.1 - rate).abs() < 1e-6 * rate.max(1.0),
            "{point:?} {rate}"
        );
    }
    assert!(text.contains("seconds into the scan"), "the axis says so");
    // Each step's spectrum, named by its offered rate; its p99 is the
    // step's (rounded in the JSON to 0.1 µs).
    for step in steps {
        let name = format!("{}/s", step["offered_per_s"].as_f64().unwrap());
        let points = series(&drawn, "Latency by scan step", &name);
        let p99 = points.iter().find(|p| p.0 == 99.0).unwrap().1;
        let want = step["latency"]["total"]["p99_us"].as_f64().unwrap();
        assert!((p99 - want).abs() <= 0.051, "{name}: {p99} vs {want}");
    }
    assert!(
        text.contains("--scan: 2 steps, 1000 to 3000 requests/s offered"),
        "the facts give the scan's rates"
    );

    // Two saved runs, overlaid.
    let other = scratch("other.json");
    std::fs::copy(&saved, &other).unwrap();
    let both = scratch("both.html");
    let report = common::memaslap(&[
        "report",
        saved.to_str().unwrap(),
        other.to_str().unwrap(),
        "--report",
        both.to_str().unwrap(),
    ]);
    assert_eq!(report.code, 0, "{}", report.stderr);
    let drawn = charts(&parse(&both));
    let stem = |p: &PathBuf| p.file_stem().unwrap().to_str().unwrap().to_string();
    for name in [stem(&saved), stem(&other)] {
        assert!(!series(&drawn, "Response time", &format!("{name} p99")).is_empty());
    }
    let bad = common::memaslap(&["report", page.to_str().unwrap(), "--report", "/tmp/x.html"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains("not a memaslap --json result"),
        "{}",
        bad.stderr
    );

    // A saved histogram that does not decode is named, not left out.
    let mut broken = doc.clone();
    let at = spoil_histogram(&mut broken, String::new()).expect("a saved histogram");
    std::fs::write(&other, serde_json::to_vec(&broken).unwrap()).unwrap();
    let bad = common::memaslap(&["report", other.to_str().unwrap(), "--report", "/tmp/x.html"]);
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert!(
        bad.stderr.contains(&format!("{at}: not a saved histogram")),
        "{at}: {}",
        bad.stderr
    );
    for path in [page, saved, other, both] {
        std::fs::remove_file(path).unwrap();
    }
}

/// Spoils the first histogram string under an `hdr_v2` key in `value`
/// (at JSON path `at`) and returns its path.
fn spoil_histogram(value: &mut Value, at: String) -> Option<String> {
    match value {
        Value::Object(map) => map.iter_mut().find_map(|(key, v)| {
            let path = format!("{at}.{key}");
            match v {
                Value::String(text) if path.contains(".hdr_v2") => {
                    *text = "HISTFAAAAB94nA==".to_string();
                    Some(path.trim_start_matches('.').to_string())
                }
                _ => spoil_histogram(v, path),
            }
        }),
        Value::Array(items) => items
            .iter_mut()
            .enumerate()
            .find_map(|(i, v)| spoil_histogram(v, format!("{at}.{i}"))),
        _ => None,
    }
}
