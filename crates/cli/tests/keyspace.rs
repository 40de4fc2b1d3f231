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
    let gets = |n: &str, more: &[&str]| {
        let mut args = vec!["-s", &addr, "--keys", "500", "--ratio", "0:1", "-x", n];
        args.extend_from_slice(more);
        memaslap(&args)
    };
    let check = gets(
        "5000",
        &[
            "-v",
            "1",
            "--value-size",
            "gpareto:0,214.476,0.348238",
            "--seed",
            "2",
        ],
    );
    assert_eq!(check.code, 0, "{}{}", check.stdout, check.stderr);
    assert_eq!(check.counter("get_misses"), 0, "{}", check.stdout);
    assert_eq!(check.counter("verify_failed"), 0);
    // Expecting other value sizes, every hit holds a value of the wrong
    // length.
    let other = gets("2000", &["-v", "1", "--value-size", "1m", "--seed", "2"]);
    assert_eq!(other.code, 1, "{}", other.stdout);
    assert_eq!(other.counter("verify_failed"), 2000, "{}", other.stdout);
    // Values longer than any this run stores are replies like any other,
    // in every protocol: read, not a broken stream.
    for protocol in ["ascii", "meta", "binary"] {
        let shorter = gets("1000", &["--value-size", "10", "--protocol", protocol]);
        assert_eq!(
            shorter.code, 0,
            "{protocol}: {}{}",
            shorter.stdout, shorter.stderr
        );
        assert_eq!(
            shorter.counter("get_misses"),
            0,
            "{protocol}: {}",
            shorter.stdout
        );
        assert!(
            shorter.stdout.contains("protocol_error 0"),
            "{protocol}: {}",
            shorter.stdout
        );
    }
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

/// A command's counts in the JSON.
fn counts(doc: &serde_json::Value, command: &str, field: &str) -> u64 {
    doc["commands"][command][field].as_u64().unwrap_or(0)
}

/// Every command against memcached in each protocol: the tool's counts by
/// command add up to the server's own statistics.
#[test]
fn every_command_counts_as_the_server_counts_it() {
    let mix = "get=25,gets=10,gat=5,gats=5,set=5,add=5,replace=5,append=5,prepend=5,cas=10,\
               delete=5,incr=5,decr=5,touch=5";
    for protocol in ["ascii", "binary", "meta"] {
        let server = Memcached::start();
        let addr = format!("127.0.0.1:{}", server.port());
        let (prefill, _) = run_json(&[
            "-s",
            &addr,
            "--keys",
            "2000",
            "--prefill",
            "--mix",
            mix,
            "-x",
            "1",
            "--protocol",
            protocol,
        ]);
        assert_eq!(
            prefill.code, 0,
            "{protocol}: {}{}",
            prefill.stdout, prefill.stderr
        );
        let before = server.stats();
        let (run, doc) = run_json(&[
            "-s",
            &addr,
            "--protocol",
            protocol,
            "--keys",
            "2000",
            "--key-dist",
            "zipf:0.9",
            "--mix",
            mix,
            "-x",
            "30000",
            "-d",
            "2",
            "-T",
            "2",
            "-c",
            "4",
            "--depth",
            "4",
            "--seed",
            "5",
        ]);
        assert_eq!(run.code, 0, "{protocol}: {}{}", run.stdout, run.stderr);
        let after = server.stats();
        let delta = |name: &str| after[name] - before[name];
        let c = |command: &str, field: &str| counts(&doc, command, field);
        let sum =
            |commands: &[&str], field: &str| commands.iter().map(|k| c(k, field)).sum::<u64>();
        // Nothing failed or was lost, and every command ran.
        for command in mix.split(',').map(|p| p.split('=').next().unwrap()) {
            assert!(
                c(command, "completed") > 0,
                "{protocol}: {command} never ran"
            );
            assert_eq!(
                c(command, "errors") + c(command, "lost"),
                0,
                "{protocol} {command}"
            );
        }
        let storage = ["set", "add", "replace", "append", "prepend", "cas"];
        assert_eq!(delta("cmd_set"), sum(&storage, "completed"), "{protocol}");
        assert_eq!(delta("cas_hits"), c("cas", "hits"), "{protocol}");
        assert_eq!(delta("cas_badval"), c("cas", "refused"), "{protocol}");
        assert_eq!(delta("cas_misses"), c("cas", "misses"), "{protocol}");
        for command in ["delete", "incr", "decr"] {
            assert_eq!(
                delta(&format!("{command}_hits")),
                c(command, "hits"),
                "{protocol}"
            );
            assert_eq!(
                delta(&format!("{command}_misses")),
                c(command, "misses"),
                "{protocol}"
            );
        }
        // Get-and-touch and touch count as touches; in the meta protocol a
        // touch that misses counts as a get that missed (memcached's `mg`).
        let touches = ["gat", "gats", "touch"];
        let touch_misses = sum(&touches, "misses");
        let (moved, kept) = if protocol == "meta" {
            (touch_misses, 0)
        } else {
            (0, touch_misses)
        };
        assert_eq!(
            delta("cmd_get"),
            sum(&["get", "gets"], "keys") + moved,
            "{protocol}"
        );
        assert_eq!(
            delta("get_hits"),
            sum(&["get", "gets"], "hits"),
            "{protocol}"
        );
        assert_eq!(
            delta("get_misses"),
            sum(&["get", "gets"], "misses") + moved,
            "{protocol}"
        );
        assert_eq!(
            delta("cmd_touch"),
            sum(&touches, "keys") - moved,
            "{protocol}"
        );
        assert_eq!(delta("touch_hits"), sum(&touches, "hits"), "{protocol}");
        assert_eq!(delta("touch_misses"), kept, "{protocol}");
        // The counters were stored by the prefill: incr and decr hit.
        assert_eq!(c("incr", "misses") + c("decr", "misses"), 0, "{protocol}");
        // The report has the table.
        assert!(
            run.stdout.contains("Commands (latency in us)"),
            "{}",
            run.stdout
        );
    }
}

/// The keyspace source with the flags that shape how requests go: threads,
/// depth, the open loop, UDP, the protocols, periodic statistics.
#[test]
fn the_keyspace_works_with_every_way_of_sending() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let mix = "get=70,set=10,delete=5,incr=5,touch=5,gets=5";
    for extra in [
        &["-T", "2", "-c", "4", "--depth", "8", "-x", "8000"][..],
        &["--rate", "4000", "-t", "1s", "--arrival", "uniform"],
        &["-U", "-x", "4000"],
        &["-B", "-U", "-x", "4000"],
        &["--protocol", "meta", "-U", "-x", "4000"],
        &["-S", "1s", "-t", "2s", "-B"],
    ] {
        let before = server.stats();
        let mut args = vec![
            "-s",
            &addr,
            "--keys",
            "500",
            "--key-dist",
            "zipf:1",
            "--mix",
            mix,
        ];
        args.extend_from_slice(extra);
        let (run, doc) = run_json(&args);
        assert_eq!(run.code, 0, "{extra:?}: {}{}", run.stdout, run.stderr);
        let after = server.stats();
        let delta = |name: &str| after[name] - before[name];
        let c = |command: &str, field: &str| counts(&doc, command, field);
        // memcached counts a meta touch that misses as a get miss.
        let moved = if extra.contains(&"meta") {
            c("touch", "misses")
        } else {
            0
        };
        let gets = c("get", "keys") + c("gets", "keys") + moved;
        assert_eq!(delta("cmd_get"), gets, "{extra:?}");
        assert_eq!(delta("cmd_set"), c("set", "completed"), "{extra:?}");
        assert_eq!(delta("cmd_touch"), c("touch", "keys") - moved, "{extra:?}");
        let deletes = delta("delete_hits") + delta("delete_misses");
        assert_eq!(deletes, c("delete", "completed"), "{extra:?}");
        assert!(c("incr", "completed") > 0, "{extra:?}");
    }
}

/// The issue's own check: a zipf keyspace with a mix of gets, sets,
/// deletes and increments, prefilled, for three seconds in each protocol.
#[test]
fn a_prefilled_zipf_mix_for_three_seconds_counts_as_the_server_does() {
    for protocol in ["ascii", "binary", "meta"] {
        let server = Memcached::start();
        let addr = format!("127.0.0.1:{}", server.port());
        let before = server.stats();
        let (run, doc) = run_json(&[
            "-s",
            &addr,
            "--protocol",
            protocol,
            "--keys",
            "10000",
            "--key-dist",
            "zipf:0.99",
            "--mix",
            "get=80,set=10,delete=5,incr=5",
            "--prefill",
            "-t",
            "3s",
        ]);
        assert_eq!(run.code, 0, "{protocol}: {}{}", run.stdout, run.stderr);
        let after = server.stats();
        let delta = |name: &str| after[name] - before[name];
        let c = |command: &str, field: &str| counts(&doc, command, field);
        // The prefill stored 10,000 keys and 10,000 counters.
        assert_eq!(doc["prefill"]["stored"], 20_000, "{protocol}");
        assert_eq!(delta("cmd_get"), c("get", "keys"), "{protocol}");
        assert_eq!(delta("get_misses"), c("get", "misses"), "{protocol}");
        assert_eq!(
            delta("cmd_set"),
            c("set", "completed") + 20_000,
            "{protocol}"
        );
        assert_eq!(delta("delete_hits"), c("delete", "hits"), "{protocol}");
        assert_eq!(delta("delete_misses"), c("delete", "misses"), "{protocol}");
        assert_eq!(delta("incr_hits"), c("incr", "hits"), "{protocol}");
        assert_eq!(delta("incr_misses"), c("incr", "misses"), "{protocol}");
        assert_eq!(
            c("incr", "misses"),
            0,
            "{protocol}: counters were prefilled"
        );
        let requests = c("get", "completed")
            + c("set", "completed")
            + c("delete", "completed")
            + c("incr", "completed");
        assert!(requests > 1000, "{protocol}: {requests}");
    }
}
