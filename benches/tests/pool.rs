//! benches/pool.sh: the runs of several compare.sh invocations (their
//! --runs-csv files) pooled, each ratio taken within its round, on runs
//! whose answer is known; and what it refuses.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "support/script.rs"]
mod script;

const HEADER: &str = "section,profile,client,round,ops,cpu_s,user_s,sys_s,rss_kb,server_s";

/// A directory of its own for one test's files.
fn dir() -> PathBuf {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("pool-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A --runs-csv file of `runs`: (section, client, round, µs of CPU an
/// operation), a million operations each, the ASCII profile.
fn runs_file(dir: &std::path::Path, name: &str, runs: &[(&str, &str, u32, f64)]) -> String {
    let mut text = format!("{HEADER}\n");
    for (section, client, round, us) in runs {
        text.push_str(&format!(
            "{section},ascii,{client},{round},1000000,{us},0.3,{},13000,6.0\n",
            us - 0.3
        ));
    }
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

/// The output line of `client` in `section`.
fn line_of<'a>(out: &'a str, section: &str, client: &str) -> &'a str {
    out.lines()
        .find(|l| {
            let mut words = l.split_whitespace();
            words.next() == Some(section) && words.nth(1) == Some(client)
        })
        .unwrap_or_else(|| panic!("no line for {section} {client} in:\n{out}"))
}

/// Runs benches/pool.sh with `args` and removes `dir`; its output, once
/// it has succeeded.
fn pool(dir: &std::path::Path, args: &[&str]) -> String {
    let out = script::run("benches/pool.sh", args);
    std::fs::remove_dir_all(dir).unwrap();
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    out.stdout
}

#[test]
fn rounds_of_every_file_are_pooled_each_ratio_within_its_round() {
    let dir = dir();
    // Round 1 of the first file: ours 1.1 x the floor; round 2: 1.0. The
    // second file's round 1 (the same round number, another invocation):
    // 1.0. Ours' second run of the first file is dearer in absolute terms
    // but the floor's run of that round is too.
    let a = runs_file(
        &dir,
        "a.csv",
        &[
            ("profile", "floor", 1, 5.0),
            ("profile", "ours", 1, 5.5),
            ("profile", "floor", 2, 6.0),
            ("profile", "ours", 2, 6.0),
            ("depth-16", "floor", 1, 2.0),
            ("depth-16", "ours", 1, 2.2),
        ],
    );
    let b = runs_file(
        &dir,
        "b.csv",
        &[
            ("profile", "ours", 1, 5.0),
            ("profile", "floor", 1, 5.0),
            ("profile", "original", 1, 6.0),
        ],
    );
    let out = pool(&dir, &[&a, &b]);
    // Three rounds: 1.1, 1.0 and 1.0; their geometric mean 1.1^(1/3).
    let ours = line_of(&out, "profile", "ours");
    assert!(ours.contains("floor          3"), "{ours}");
    assert!(ours.contains("1.000 (1.000-1.100), 1.032 ("), "{ours}");
    // The medians over every run: ours 5.0, 5.5, 6.0.
    assert!(ours.contains("5.500 (5.000-6.000)"), "{ours}");
    // One round: no interval.
    let original = line_of(&out, "profile", "original");
    assert!(original.trim_end().ends_with("1.200"), "{original}");
    // The sections apart: the depth-16 runs are not the profile's.
    let depth = line_of(&out, "depth-16", "ours");
    assert!(depth.contains("floor          1  1.100"), "{depth}");
    // The reference has no ratio of its own.
    let floor = line_of(&out, "profile", "floor");
    assert!(!floor.contains("), "), "{floor}");
}

#[test]
fn another_reference_is_taken_when_asked() {
    let dir = dir();
    let a = runs_file(
        &dir,
        "a.csv",
        &[("profile", "floor", 1, 5.0), ("profile", "ours", 1, 4.0)],
    );
    let out = pool(&dir, &["--against", "ours", &a]);
    let floor = line_of(&out, "profile", "floor");
    assert!(floor.contains("ours           1  1.250"), "{floor}");
}

#[test]
fn what_is_not_a_runs_file_is_refused_by_name() {
    let dir = dir();
    let bad_header = dir.join("medians.csv");
    std::fs::write(&bad_header, "section,profile,client,runs\n").unwrap();
    let bad_row = dir.join("bad.csv");
    std::fs::write(
        &bad_row,
        format!("{HEADER}\nprofile,ascii,ours,x,1,1,0,0,1,1\n"),
    )
    .unwrap();
    let missing = dir.join("missing.csv");
    let bad_header = bad_header.to_string_lossy().into_owned();
    let bad_row = bad_row.to_string_lossy().into_owned();
    let missing = missing.to_string_lossy().into_owned();
    script::assert_refused(
        "benches/pool.sh",
        &[&bad_header],
        &format!("{bad_header}: not a compare.sh --runs-csv file"),
    );
    script::assert_refused(
        "benches/pool.sh",
        &[&bad_row],
        &format!("{bad_row}: line 2 is not a run"),
    );
    script::assert_refused(
        "benches/pool.sh",
        &[&missing],
        &format!("{missing}: cannot be read"),
    );
    std::fs::remove_dir_all(&dir).unwrap();
    script::assert_refused("benches/pool.sh", &[], "takes one or more files");
    script::assert_refused(
        "benches/pool.sh",
        &["--against", "me"],
        "--against takes a client: floor, work, original, ours, base, floorbase or again, not 'me'",
    );
    script::assert_refused("benches/pool.sh", &["--fast"], "unknown option: --fast");
}

#[test]
fn compare_sh_runs_become_the_rows_pool_sh_reads() {
    let dir = dir();
    // run_client's lines: ops, CPU charged (and 0), RSS, GNU time's user
    // and system, memcached's CPU; line N the run of round N.
    std::fs::write(
        dir.join("floor.runs"),
        "1000000 5.0 0 12000 0.2 4.8 6.0\n1000000 6.0 0 12000 0.2 5.8 6.0\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("ours.runs"),
        "1000000 5.5 0 13000 0.4 5.1 6.2\n1000000 6.0 0 13000 0.4 5.6 6.1\n",
    )
    .unwrap();
    let made = script::common(
        r#"source "$(dirname "$1")/runs.sh"; runs_csv="$2/runs.csv"
        echo "$runs_csv_header" >"$runs_csv"
        runs_rows profile ascii floor "$2/floor.runs"
        runs_rows profile ascii ours "$2/ours.runs""#,
    )
    .arg(&dir)
    .output()
    .expect("run bash");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let csv = dir.join("runs.csv").to_string_lossy().into_owned();
    let out = pool(&dir, &[&csv]);
    let ours = line_of(&out, "profile", "ours");
    // Rounds 1.1 and 1.0; user 0.40 µs an operation, system 5.35 (the
    // median of 5.1 and 5.6).
    assert!(
        ours.contains("floor          2  1.050 (1.000-1.100)"),
        "{ours}"
    );
    assert!(ours.contains(" 0.40/5.35 "), "{ours}");
}
