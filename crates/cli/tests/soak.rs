//! A minute against a server that mixes every fault into 1 % of its
//! replies, over 64 connections: memory stays flat and no request is lost.
//! Too long for every test run; `scripts/soak.sh` runs it on a schedule.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
mod fault_server;

use common::Run;
use fault_server::{Fault, FaultServer, Plan};
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Resident memory of process `pid`, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[test]
#[ignore = "runs for a minute; scripts/soak.sh"]
fn every_fault_at_one_percent_for_a_minute() {
    let server = FaultServer::start(Fault::Mixed, Plan::Rate(0.01));
    let mut child = Command::new(env!("CARGO_BIN_EXE_memaslap"))
        .args(["-s", &server.addr(), "-c", "64", "-T", "2", "-R"])
        .args(["--tcp-timeout", "1s", "-t", "60s", "--seed", "11"])
        .env_remove("MEMCACHED_SERVERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    // Read the output as it comes: every lost socket prints a line, more
    // than a pipe holds.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let stdout = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let stderr = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let started = Instant::now();
    let (mut early, mut last) = (None, None);
    // Sample every half second: the first sample past 5 s, and the last
    // one before the process ends.
    while child.try_wait().unwrap().is_none() {
        std::thread::sleep(Duration::from_millis(500));
        let Some(rss) = rss_kib(pid) else { break };
        if early.is_none() && started.elapsed() >= Duration::from_secs(5) {
            early = Some(rss);
        }
        last = Some(rss);
    }
    let status = child.wait().unwrap();
    let run = Run {
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
        code: status.code().unwrap_or(-1),
    };
    let (early, last) = (early.unwrap(), last.unwrap());
    let [sent, completed, failed, timed_out] = run.requests();
    let outages = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("outage:"))
        .count();
    println!(
        "soak: RSS {early} KiB at 5 s, {last} KiB at the end; requests sent {sent} \
         completed {completed} failed {failed} timed_out {timed_out}; faults injected {}; \
         outage lines {outages}",
        server.injected()
    );
    let tail: Vec<&str> = run.stdout.lines().rev().take(12).collect();
    println!("{}", tail.into_iter().rev().collect::<Vec<_>>().join("\n"));
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    assert!(server.injected() > 0);
    assert!(completed > 0);
    assert_eq!(sent, completed + failed + timed_out, "{}", run.stdout);
    assert!(
        last * 10 <= early * 11,
        "RSS grew from {early} KiB to {last} KiB"
    );
}
