//! A memcached killed and restarted mid-run: with `-R` every connection
//! reconnects soon after the server is back, and the run goes on.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use std::time::Duration;
use support::Memcached;

#[test]
fn a_restarted_server_is_reconnected_to() {
    restarted(&[]);
}

#[test]
fn a_restarted_server_is_reconnected_to_in_the_meta_protocol() {
    restarted(&["--protocol", "meta", "-d", "4"]);
}

fn restarted(extra: &[&str]) {
    let server = Memcached::start();
    let port = server.port();
    let addr = format!("127.0.0.1:{port}");
    let child = common::spawn(
        common::command(&["-s", &addr, "-R", "-t", "3s", "-c", "4", "--seed", "3"]).args(extra),
    );
    std::thread::sleep(Duration::from_millis(1000));
    drop(server);
    std::thread::sleep(Duration::from_millis(500));
    let back = Memcached::start_on(port, &[]);
    let run = common::finished(child);
    run.check_identity();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    // Every connection saw the server go and come back.
    let outages: Vec<u64> = run
        .stdout
        .lines()
        .filter_map(|l| l.strip_prefix(&format!("Server {addr} reconnect after ")))
        .map(|s| s.trim_end_matches('s').parse().unwrap())
        .collect();
    // A connection may be lost twice: its first reconnect can land while
    // the dying server still holds its listening socket.
    let lost = run.error("disconnect");
    assert!(lost >= 4, "{}", run.stdout);
    assert_eq!(outages.len() as u64, lost, "{}", run.stdout);
    assert_eq!(run.error("protocol_error"), 0, "{}", run.stdout);
    // The restarted server got work.
    assert!(back.stat("cmd_get") + back.stat("cmd_set") > 0);
    // An outage line for the server covering at least most of the half
    // second it was away, with how soon the sockets were back after the
    // last refused attempt. Every failure and disconnect of the run (there
    // was no other trouble) is counted during an outage of the server.
    let prefix = format!("outage: server {addr} at ");
    let lines: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with(&prefix))
        .collect();
    assert!(!lines.is_empty(), "no outage line\n{}", run.stdout);
    let length: f64 = lines
        .iter()
        .map(|l| {
            l.split(" for ")
                .nth(1)
                .and_then(|s| s.split('s').next())
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    assert!(length >= 0.25, "{lines:?}");
    for line in &lines {
        assert!(line.contains("(back, "), "{line}");
        assert!(line.contains(" of its return; during it: "), "{line}");
    }
    let during = |name: &str| run.during_outages(&prefix, name);
    assert_eq!(during("failed"), run.requests()[2], "{lines:?}");
    assert_eq!(during("disconnects"), lost, "{lines:?}");
    assert_eq!(during("timed_out"), run.requests()[3], "{lines:?}");
    let (_, secs) = run.ops_and_seconds();
    assert!(secs <= 3.0 + 2.0 + 1.0, "{}", run.stdout);
}
