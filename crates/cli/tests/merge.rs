//! `memaslap merge`: the results of a run's instances against one
//! memcached merge into the server's counts, nest, and refuse what is not
//! one run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::{Results, memaslap, run_instances};
use serde_json::{Value, json};
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::Memcached;

/// Unix seconds `ahead` from now, as `--start-at` takes them.
fn start_at(ahead: Duration) -> String {
    let at = SystemTime::now() + ahead;
    format!(
        "{:.3}",
        at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    )
}

/// `memaslap merge FILES… --json OUT`: the report and the merged document.
fn merge(files: &[String], out: &str) -> (common::Run, Value) {
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--json", out]);
    let run = memaslap(&args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let doc = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    (run, doc)
}

fn files(results: &Results) -> Vec<String> {
    results
        .files
        .iter()
        .map(|f| f.to_str().unwrap().to_string())
        .collect()
}

fn counter(doc: &Value, name: &str) -> u64 {
    doc["counters"][name].as_u64().unwrap()
}

#[test]
fn three_instances_merge_into_the_servers_counts_and_merges_nest() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let at = start_at(Duration::from_secs(2));
    let before = server.stats();
    let results = run_instances(
        3,
        &[
            "-s",
            &addr,
            "-c",
            "8",
            "--seed",
            "11",
            "--start-at",
            &at,
            "-t",
            "3s",
            "-S",
            "1s",
        ],
    );
    let after = server.stats();
    let docs = results.docs();
    // A directory stands for its result files.
    let dir = results.dir.to_str().unwrap().to_string();
    let (run, merged) = merge(&[dir], &results.path("all.json"));
    for name in ["cmd_get", "cmd_set", "get_misses"] {
        assert_eq!(counter(&merged, name), after[name] - before[name], "{name}");
        let sum: u64 = docs.iter().map(|d| counter(d, name)).sum();
        assert_eq!(counter(&merged, name), sum, "{name}");
    }
    let total: u64 = docs
        .iter()
        .map(|d| d["latency"]["total"]["count"].as_u64().unwrap())
        .sum();
    assert_eq!(merged["latency"]["total"]["count"], total);
    // The report is one run's, with the instances beside it.
    let ops = counter(&merged, "cmd_get") + counter(&merged, "cmd_set");
    assert_eq!(run.ops_and_seconds().0, ops, "{}", run.stdout);
    assert!(
        run.stdout.contains("instances 0, 1, 2 of 3 (all)"),
        "{}",
        run.stdout
    );
    for (i, file) in files(&results).iter().enumerate() {
        let row = format!("{i}/3 ");
        assert!(
            run.stdout
                .lines()
                .any(|l| l.starts_with(&row) && l.ends_with(file.as_str())),
            "{}",
            run.stdout
        );
    }
    // Intervals by wall-clock time: each merged row holds the three.
    let series = merged["series"].as_array().unwrap();
    assert!(series.len() >= 3, "{series:?}");
    let first_gets: u64 = docs
        .iter()
        .map(|d| d["series"][0]["gets"].as_u64().unwrap())
        .sum();
    assert_eq!(series[0]["gets"], first_gets);
    let first_cpu: f64 = docs
        .iter()
        .map(|d| d["series"][0]["client_cpu_s"].as_f64().unwrap())
        .sum();
    let merged_cpu = series[0]["client_cpu_s"].as_f64().unwrap();
    assert!(
        (merged_cpu - first_cpu).abs() < 1e-5,
        "{merged_cpu} {first_cpu}"
    );
    let busiest = docs
        .iter()
        .map(|d| d["series"][0]["client_busy"].as_f64().unwrap())
        .fold(0.0, f64::max);
    assert_eq!(series[0]["client_busy"].as_f64(), Some(busiest));
    assert_eq!(merged["config"]["instance"], Value::Null);
    assert_eq!(merged["instances"].as_array().unwrap().len(), 3);
    // The instances' client CPU, added up; the busiest thread of any.
    let cpu = |d: &Value, name: &str| d["client_cpu"][name].as_f64().unwrap();
    for name in ["user_s", "system_s"] {
        let sum: f64 = docs.iter().map(|d| cpu(d, name)).sum();
        assert!((cpu(&merged, name) - sum).abs() < 1e-5, "{name}: {merged}");
    }
    assert_eq!(merged["client_cpu"]["threads"], 3);
    let cores: u64 = docs
        .iter()
        .map(|d| d["client_cpu"]["cores"].as_u64().unwrap())
        .sum();
    assert_eq!(merged["client_cpu"]["cores"], cores);
    let busiest = docs
        .iter()
        .map(|d| cpu(d, "busiest_thread_share"))
        .fold(0.0, f64::max);
    assert_eq!(cpu(&merged, "busiest_thread_share"), busiest);
    assert!(run.stdout.contains("client CPU: "), "{}", run.stdout);

    // Merging two, then the third, gives the same result.
    let f = files(&results);
    let (_, pair) = merge(&f[..2], &results.path("pair.json"));
    assert!(
        memaslap(&["merge", &f[0], &results.path("pair.json")])
            .stderr
            .contains("is also in")
    );
    let (_, nested) = merge(
        &[results.path("pair.json"), f[2].clone()],
        &results.path("n.json"),
    );
    assert_eq!(pair["instances"].as_array().unwrap().len(), 2);
    assert_eq!(nested["counters"], merged["counters"]);
    for kind in ["get", "set", "total"] {
        assert_eq!(nested["latency"][kind], merged["latency"][kind], "{kind}");
    }
    assert_eq!(nested["series"], merged["series"]);
    assert_eq!(nested["client_cpu"], merged["client_cpu"]);
}

/// A result file edited by `edit`, written beside the others.
fn edited(results: &Results, from: usize, name: &str, edit: impl Fn(&mut Value)) -> String {
    let mut doc = results.doc(from);
    edit(&mut doc);
    let path = results.path(name);
    std::fs::write(&path, serde_json::to_vec(&doc).unwrap()).unwrap();
    path
}

#[test]
fn merge_refuses_what_is_not_one_run() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let results = run_instances(2, &["-s", &addr, "-c", "2", "--seed", "5", "-t", "1s"]);
    let f = files(&results);
    let threads = edited(&results, 1, "threads.json", |d| {
        d["config"]["threads"] = json!(9)
    });
    let seed = edited(&results, 1, "seed.json", |d| d["seed"] = json!(6));
    let late = edited(&results, 1, "late.json", |d| {
        let t = d["run_start_unix_s"].as_f64().unwrap();
        d["run_start_unix_s"] = json!(t + 5.0);
    });
    let three = edited(&results, 1, "three.json", |d| {
        d["config"]["instance"] = json!([1, 3])
    });
    let garbled = edited(&results, 1, "garbled.json", |d| {
        d["latency"]["get"]["hdr_v2"] = json!("HISTOGRAM");
    });
    let miscounted = edited(&results, 1, "miscounted.json", |d| {
        let n = d["latency"]["set"]["count"].as_u64().unwrap();
        d["latency"]["set"]["count"] = json!(n + 1);
    });
    let cut = results.path("cut.json");
    let text = std::fs::read(&f[1]).unwrap();
    std::fs::write(&cut, &text[..text.len() / 2]).unwrap();
    let scan = edited(&results, 1, "scan.json", |d| {
        d["scan"] = json!({"steps": []})
    });
    let far = edited(&results, 1, "far.json", |d| {
        d["series"][0]["time_unix_s"] = json!(18446744073709551615u64);
    });
    let busy = edited(&results, 1, "busy.json", |d| {
        d["client_cpu"]["user_s"] = json!(-3.0);
    });
    for (second, says) in [
        (&f[0], "instance 0/2 is also in"),
        (&busy, "client_cpu.user_s: -3 is not a number of seconds"),
        (&threads, "config.threads is 9"),
        (&seed, "seed is 6"),
        (&late, "run_start_unix_s"),
        (&three, "instance 1/3"),
        (&garbled, "latency.get: the histogram is not base64"),
        (
            &miscounted,
            "latency.set: the log2 buckets do not hold the count",
        ),
        (&cut, "not a memaslap --json result"),
        (&scan, "scans do not merge"),
        (&far, "series[0]: time_unix_s or elapsed_s is not a time"),
        (&results.path("absent.json"), "cannot read"),
    ] {
        let run = memaslap(&["merge", &f[0], second]);
        assert_eq!(run.code, 2, "{second}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{second}: {}", run.stderr);
        assert!(
            run.stderr.contains(second.as_str()),
            "{second}: {}",
            run.stderr
        );
    }
    // Two of two merge, and draw; a usage error is exit 2 too.
    let page = results.path("merged.html");
    assert_eq!(
        memaslap(&["merge", &f[0], &f[1], "--report", &page]).code,
        0
    );
    let drawn = std::fs::read_to_string(&page).unwrap();
    assert!(drawn.contains("<title>memaslap report: merged</title>"));
    assert!(drawn.contains("<th>instance</th>") && drawn.contains("<td>1/2</td>"));
    assert_eq!(memaslap(&["merge"]).code, 2);
}
