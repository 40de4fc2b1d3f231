//! Connections a server refuses to serve: memcached over its connection
//! limit answers `ERROR Too many open connections` and closes. They are
//! counted, named in one line and fail the run, unless `-R` brings them
//! back to a server that has room again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::memaslap;
use std::time::Duration;
use support::Memcached;

#[test]
fn connections_over_the_servers_limit_are_named_and_fail_the_run() {
    let server = Memcached::start_with(&["-c", "32"]);
    let addr = format!("127.0.0.1:{}", server.port());
    let json = std::env::temp_dir().join(format!("memaslap-rejected-{}.json", std::process::id()));
    let before = server.stat("rejected_connections");
    let run = memaslap(&[
        "-s",
        &addr,
        "-c",
        "64",
        "-w",
        "1k",
        "-t",
        "2s",
        "--json",
        json.to_str().unwrap(),
    ]);
    std::thread::sleep(Duration::from_millis(300));
    let rejected = server.stat("rejected_connections") - before;
    assert!(rejected > 0 && rejected < 64, "{rejected} rejected");
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    let line = format!(
        "{rejected} of 64 connections were rejected by {addr}: ERROR Too many open connections"
    );
    assert!(
        run.stdout.lines().any(|l| l == line),
        "{line}\n{}",
        run.stdout
    );
    assert_eq!(run.stderr.trim(), format!("memaslap: {line}"));
    assert_eq!(run.error("disconnect"), rejected, "{}", run.stdout);
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).unwrap();
    let connections = &doc["connections"];
    assert_eq!(connections["rejected"], rejected);
    assert_eq!(connections["dead"], rejected);
    assert_eq!(
        (
            connections["refused"].as_u64(),
            connections["closed_before_reply"].as_u64()
        ),
        (Some(0), Some(0))
    );
    assert_eq!(connections["never_served"][0], line);
}

#[test]
fn under_retry_rejected_connections_back_off_and_come_back_when_there_is_room() {
    let server = Memcached::start_with(&["-c", "32"]);
    let port = server.port();
    let addr = format!("127.0.0.1:{port}");
    let child = common::spawn(&mut common::command(&[
        "-s", &addr, "-R", "-t", "4s", "-c", "64", "-w", "1k", "--seed", "3",
    ]));
    std::thread::sleep(Duration::from_millis(1500));
    drop(server);
    let _roomy = Memcached::start_on(port, &["-c", "1024"]);
    let run = common::finished(child);
    run.check_identity();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(!run.stdout.contains(" were rejected by "), "{}", run.stdout);
    // Rejected connections were retried with back-off (0.1 s doubling to
    // 0.5 s): a few attempts a second each, not one per round trip.
    let lost = run.error("disconnect");
    assert!(lost > 32, "{}", run.stdout);
    assert!(lost < 64 * 20, "{lost} disconnects\n{}", run.stdout);
}
