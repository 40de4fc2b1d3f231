//! The floor probe against a real memcached: it completes requests, and the
//! operations it reports are the ones memcached counted.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../crates/proto/tests/support/mod.rs"]
mod support;

use std::process::Command;

use support::Memcached;

/// Runs the probe for one second; returns its `name value` pairs.
fn run_floor(server: &Memcached, extra: &[&str]) -> Vec<(String, u64)> {
    let out = Command::new(env!("CARGO_BIN_EXE_floor"))
        .args([
            "-s",
            &server.addr().to_string(),
            "-c",
            "4",
            "-t",
            "1",
            "--keys",
            "200",
        ])
        .args(extra)
        .output()
        .expect("run floor");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "floor {extra:?} failed: {text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .chunks(2)
        .filter_map(|pair| Some((pair[0].to_string(), pair.get(1)?.parse().ok()?)))
        .collect()
}

fn value(pairs: &[(String, u64)], name: &str) -> u64 {
    pairs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| *v)
        .unwrap_or_else(|| panic!("no {name} in {pairs:?}"))
}

fn server_ops(server: &Memcached) -> u64 {
    let stats = server.stats();
    stats["cmd_get"] + stats["cmd_set"]
}

#[test]
fn reported_ops_match_memcached_counters() {
    let server = Memcached::start();
    let mut server_cpu = 0;
    for extra in [&[][..], &["--depth", "16"], &["--udp"]] {
        let before = server_ops(&server);
        let gets_before = server.stat("get_hits");
        let pairs = run_floor(&server, extra);
        let delta = server_ops(&server) - before;
        let (ops, lost, setup) = (
            value(&pairs, "ops"),
            value(&pairs, "lost"),
            value(&pairs, "setup_ops"),
        );
        assert_eq!(setup, 4 * 200, "{extra:?}");
        assert_eq!(
            value(&pairs, "setup_user_us") + value(&pairs, "setup_sys_us"),
            value(&pairs, "setup_cpu_us"),
            "{extra:?}: the setup's CPU is its user and system parts"
        );
        // memcached's CPU when the keys were stored grows run after run:
        // each run's work came before the next one's setup.
        let at_setup = value(&pairs, "server_setup_cpu_us");
        assert!(
            at_setup > server_cpu,
            "{extra:?}: server CPU {at_setup} µs at the setup, {server_cpu} µs before"
        );
        server_cpu = at_setup;
        assert!(ops > 100, "{extra:?}: only {ops} operations");
        // A request given up as lost may or may not have reached memcached.
        assert!(
            ops + setup <= delta && delta <= ops + lost + setup,
            "{extra:?}: {pairs:?}, delta {delta}"
        );
        // Every key was stored first, so gets hit.
        assert!(
            server.stat("get_hits") - gets_before > ops / 2,
            "{extra:?}: gets missed"
        );
    }
}

#[test]
fn scheduled_runs_send_at_their_rate() {
    let server = Memcached::start();
    for extra in [&["--rate", "2000"][..], &["--pace", "2000", "--precise"]] {
        let before = server_ops(&server);
        let pairs = run_floor(&server, extra);
        let delta = server_ops(&server) - before;
        let (ops, unsent) = (value(&pairs, "ops"), value(&pairs, "unsent"));
        // Every request sent was answered: memcached counted as many.
        assert_eq!(
            ops + value(&pairs, "setup_ops"),
            delta,
            "{extra:?}: {pairs:?}"
        );
        // Arrivals wait only for one of the 4 connections, busy for tens
        // of microseconds: at the end, a few at most are left unsent.
        assert!(unsent <= 4, "{extra:?}: {pairs:?}");
        // 2,000 in the second: Poisson arrivals spread some 45 about it,
        // the paced grid's slots none but the last few.
        assert!(
            (1_700..=2_300).contains(&(ops + unsent)),
            "{extra:?}: {ops} operations, {unsent} unsent"
        );
    }
}

#[test]
fn a_schedule_takes_tcp_at_depth_1_and_a_rate() {
    let server = Memcached::start();
    for (extra, says) in [
        (&["--rate", "0"][..], "at least 1"),
        (&["--pace", "100", "--udp"], "--depth 1"),
        (&["--rate", "100", "--depth", "4"], "--depth 1"),
        (&["--precise"], "--rate or --pace"),
        (&["--rate", "100", "--pace", "100"], "give one"),
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_floor"))
            .args(["-s", &server.addr().to_string(), "-t", "1"])
            .args(extra)
            .output()
            .expect("run floor");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && err.contains(says),
            "{extra:?}: {err}"
        );
    }
}
