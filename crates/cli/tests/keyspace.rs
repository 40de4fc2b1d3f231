//! The keyspace source (`--keys`, `--key-dist`, named sizes, `--preset`)
//! against memcached: what the server saw checked against what the tool
//! counted and what the flags asked for.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::{memaslap, run_json};
use memaslap_workload::{KeyNames, SizeDist};
use std::collections::HashSet;
use support::Memcached;

/// The printable keys of a keyspace of `keys` keys of 64 bytes.
fn names(keys: u64) -> HashSet<String> {
    let names = KeyNames::new(keys, SizeDist::Fixed(64), b"").unwrap();
    (0..keys)
        .map(|id| {
            let mut out = Vec::new();
            names.key(id).append_to(&mut out);
            String::from_utf8(out).unwrap()
        })
        .collect()
}

#[test]
fn counts_equal_the_servers_in_every_protocol() {
    for protocol in ["ascii", "binary", "meta"] {
        let server = Memcached::start();
        let addr = format!("127.0.0.1:{}", server.port());
        let before = server.stats();
        let run = memaslap(&[
            "-s",
            &addr,
            "--protocol",
            protocol,
            "--keys",
            "2000",
            "--key-dist",
            "zipf:0.99",
            "-v",
            "1",
            "-x",
            "20000",
            "--ratio",
            "1:4",
            "-T",
            "2",
            "-c",
            "4",
            "--seed",
            "3",
        ]);
        assert_eq!(run.code, 0, "{protocol}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stdout.contains("keyspace: 2000 keys, zipf:0.99"),
            "{}",
            run.stdout
        );
        let after = server.stats();
        let delta = |name: &str| after[name] - before[name];
        assert_eq!(run.counter("cmd_get"), delta("cmd_get"), "{protocol}");
        assert_eq!(run.counter("cmd_set"), delta("cmd_set"), "{protocol}");
        assert_eq!(run.counter("get_misses"), delta("get_misses"), "{protocol}");
        assert_eq!(run.counter("cmd_get") + run.counter("cmd_set"), 20000);
        assert_eq!(run.counter("verify_failed"), 0, "{protocol}");
        // Every key stored is one of the keyspace's, and zipf leaves some
        // of the 2,000 untouched after 4,000 sets.
        let stored = server.keys();
        let all = names(2000);
        assert!(
            stored.iter().all(|k| all.contains(k)),
            "{protocol}: {stored:?}"
        );
        assert!(
            stored.len() > 100 && stored.len() < 2000,
            "{}",
            stored.len()
        );
    }
}

#[test]
fn another_seed_meets_the_same_items_and_verifies_them() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let store = memaslap(&[
        "-s",
        &addr,
        "--keys",
        "500",
        "--key-dist",
        "sequential",
        "--ratio",
        "1:0",
        "-x",
        "500",
        "-c",
        "4",
        "--value-size",
        "gpareto:0,214.476,0.348238",
        "--seed",
        "1",
    ]);
    assert_eq!(store.code, 0, "{}{}", store.stdout, store.stderr);
    assert_eq!(server.keys().len(), 500);
    // Another seed, only gets, every hit verified: the values the first
    // run stored are exactly the ones this run expects.
    let check = memaslap(&[
        "-s",
        &addr,
        "--keys",
        "500",
        "--ratio",
        "0:1",
        "-x",
        "5000",
        "-v",
        "1",
        "--value-size",
        "gpareto:0,214.476,0.348238",
        "--seed",
        "2",
    ]);
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert_eq!(check.counter("get_misses"), 0, "{}", check.stdout);
    assert_eq!(check.counter("verify_failed"), 0);
    // Expecting other value sizes, every hit holds a value of the wrong
    // length.
    let other = memaslap(&[
        "-s",
        &addr,
        "--keys",
        "500",
        "--ratio",
        "0:1",
        "-x",
        "2000",
        "-v",
        "1",
        "--value-size",
        "1m",
        "--seed",
        "2",
    ]);
    assert_eq!(other.code, 1, "{}", other.stdout);
    assert_eq!(other.counter("verify_failed"), 2000, "{}", other.stdout);
}

#[test]
fn the_etc_preset_sets_sizes_and_mix_and_says_what_it_clamps() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let before = server.stats();
    let run = memaslap(&[
        "-s", &addr, "--keys", "5000", "--preset", "etc", "-x", "31000",
    ]);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    for line in [
        "preset: etc",
        "key size: gev:30.7984,8.20449,0.078688 (median 34, p99 76;",
        "value size: gpareto:0,214.476,0.348238 (median 168, p99 2446;",
    ] {
        assert!(run.stdout.contains(line), "{line}\n{}", run.stdout);
    }
    let after = server.stats();
    let sets = (after["cmd_set"] - before["cmd_set"]) as f64;
    assert!((sets / 31000.0 - 1.0 / 31.0).abs() < 0.005, "{sets} sets");
    // Keys of many lengths, none shorter than 16 bytes.
    let lens: HashSet<usize> = server.keys().iter().map(String::len).collect();
    assert!(lens.len() > 20 && lens.iter().all(|&l| l >= 16), "{lens:?}");
}

#[test]
fn bad_keyspace_flags_are_usage_errors_naming_the_flag() {
    for (args, needle) in [
        (&["--key-dist", "zipf:1"][..], "--keys"),
        (&["--keys", "0"][..], "--keys"),
        (&["--keys", "10", "--key-dist", "zipf:-1"][..], "zipf:S"),
        (&["--keys", "10", "-e", "0.5"][..], "-e"),
        (&["--keys", "10", "-o", "0.5"][..], "-o"),
        (&["--key-size", "gev:1,0,1"][..], "--key-size"),
        (&["--value-size", "lognormal:1,2,3"][..], "gpareto"),
        (&["--preset", "tao"][..], "etc"),
        (&["--prefill"][..], "--keys"),
    ] {
        let mut all = vec!["-s", "127.0.0.1:1", "-t", "1s"];
        all.extend_from_slice(args);
        let run = memaslap(&all);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_prefill_stores_every_key_once_and_is_reported_apart() {
    for transport in ["tcp", "udp"] {
        let server = Memcached::start();
        let addr = format!("127.0.0.1:{}", server.port());
        let before = server.stats();
        let mut args = vec![
            "-s",
            &addr,
            "--keys",
            "3001",
            "--prefill",
            "--ratio",
            "0:1",
            "-x",
            "6000",
            "-v",
            "1",
            "-T",
            "2",
            "-c",
            "4",
        ];
        if transport == "udp" {
            args.push("-U");
        }
        let (run, doc) = run_json(&args);
        assert_eq!(run.code, 0, "{transport}: {}{}", run.stdout, run.stderr);
        let after = server.stats();
        let delta = |name: &str| after[name] - before[name];
        // The prefill's sets, and no other; the run after it only gets,
        // and every one hits.
        assert_eq!(delta("cmd_set"), 3001, "{transport}");
        assert_eq!(after["curr_items"], 3001, "{transport}");
        assert_eq!(server.keys().len(), 3001);
        assert!(
            run.stdout
                .contains("prefill: 3001 keys: stored 3001 failed 0 timed_out 0 in "),
            "{}",
            run.stdout
        );
        assert_eq!(run.counter("cmd_set"), 0);
        assert_eq!(run.counter("cmd_get"), 6000);
        assert_eq!(run.counter("get_misses"), 0, "{transport}");
        assert_eq!(run.counter("verify_failed"), 0);
        assert_eq!(doc["prefill"]["stored"], 3001);
        assert_eq!(doc["prefill"]["keys"], 3001);
        assert_eq!(doc["counters"]["cmd_set"], 0);
    }
}
