//! The `memaslap` binary over UDP (`-U`) against a network that loses,
//! reorders, duplicates and misdirects datagrams, and a server that garbles
//! its replies, in the text and the binary protocol. Each test checks the
//! counter the fault belongs in against the faults injected, that no
//! connection was lost, the exit status, that the run ended within `-t`
//! plus the bounded drain, and (in `common::memaslap`) that
//! sent = completed + failed + timed out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
mod fault_server;

use common::{Run, memaslap};
use fault_server::{Fault, FaultServer, Plan};

/// Seconds of every run.
const SECONDS: f64 = 1.0;
/// How long the tool waits for replies in flight once it stops issuing.
const DRAIN: f64 = 2.0;
/// Start-up and shut-down of a debug build on a busy machine.
const SLACK: f64 = 1.0;

/// Runs `-U -t 1s -c 4 -X 200 --udp-timeout 200ms` (binary with `-B`)
/// against a server injecting `fault` into every 50th reply.
fn udp_run(fault: Fault, binary: bool) -> (Run, u64) {
    let server = FaultServer::start(fault, Plan::Every(50));
    let addr = server.addr();
    let time = format!("{SECONDS}s");
    let mut args = vec![
        "-s",
        &addr,
        "-U",
        "-t",
        &time,
        "-c",
        "4",
        "-X",
        "200",
        "-v",
        "1.0",
        "--udp-timeout",
        "200ms",
        "--seed",
        "7",
    ];
    if binary {
        args.push("-B");
    }
    let run = memaslap(&args);
    let (_, secs) = run.ops_and_seconds();
    assert!(
        secs <= SECONDS + DRAIN + SLACK,
        "ran {secs}s\n{}",
        run.stdout
    );
    let injected = server.injected();
    assert!(
        injected >= 2,
        "{fault:?} binary {binary}: injected {injected}\n{}",
        run.stdout
    );
    assert_eq!(run.counter("verify_failed"), 0, "{}", run.stdout);
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    (run, injected)
}

fn errors(run: &Run) -> [u64; 5] {
    [
        "server_error",
        "client_error",
        "protocol_error",
        "timeout",
        "disconnect",
    ]
    .map(|name| run.error(name))
}

/// A datagram lost: the request times out after `--udp-timeout` and the
/// missing datagram counts in `packet_drop`; the connection goes on.
#[test]
fn lost_datagrams() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::Lose, binary);
        assert_eq!(errors(&run), [0, 0, 0, injected, 0], "{}", run.stdout);
        assert_eq!(run.counter("udp_timeout"), injected, "{}", run.stdout);
        assert_eq!(run.counter("packet_drop"), injected, "{}", run.stdout);
        let [_, completed, failed, timed_out] = run.requests();
        assert_eq!((failed, timed_out), (0, injected), "{}", run.stdout);
        assert!(completed >= 20 * injected, "{}", run.stdout);
    }
}

/// Datagrams sent last first are put back in order: two of every three
/// count in `packet_disorder`, nothing fails.
#[test]
fn reordered_datagrams() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::Reorder, binary);
        assert_eq!(errors(&run), [0; 5], "{}", run.stdout);
        assert_eq!(
            run.counter("packet_disorder"),
            2 * injected,
            "{}",
            run.stdout
        );
        assert_eq!(run.counter("packet_drop"), 0, "{}", run.stdout);
        assert_eq!(run.requests()[2..], [0, 0], "{}", run.stdout);
    }
}

/// Every datagram sent twice: the copies are dropped, nothing fails.
#[test]
fn duplicated_datagrams() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::Duplicate, binary);
        assert_eq!(errors(&run), [0; 5], "{}", run.stdout);
        // The first two copies count as duplicates. The copy of the last
        // datagram comes after the reply is complete and counts as foreign
        // when the next request reads it: a connection's last one is never
        // read.
        assert_eq!(
            run.counter("packet_duplicate"),
            2 * injected,
            "{}",
            run.stdout
        );
        let foreign = run.counter("packet_foreign");
        assert!(
            (injected - 4..=injected).contains(&foreign),
            "{injected}\n{}",
            run.stdout
        );
        assert_eq!(run.counter("packet_disorder"), 0, "{}", run.stdout);
        assert_eq!(run.requests()[2..], [0, 0], "{}", run.stdout);
    }
}

/// A datagram for another request id first: ignored, the real reply is
/// taken, nothing fails.
#[test]
fn datagrams_for_another_request() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::ForeignId, binary);
        assert_eq!(errors(&run), [0; 5], "{}", run.stdout);
        assert_eq!(run.counter("packet_foreign"), injected, "{}", run.stdout);
        assert_eq!(run.counter("packet_duplicate"), 0, "{}", run.stdout);
        assert_eq!(run.requests()[2..], [0, 0], "{}", run.stdout);
    }
}

/// A garbled reply over UDP is a protocol error that costs only its
/// request: datagrams carry no stream to fall out of step.
#[test]
fn garbled_replies_over_udp() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::Garbled, binary);
        assert_eq!(errors(&run), [0, 0, injected, 0, 0], "{}", run.stdout);
        let [_, completed, failed, timed_out] = run.requests();
        assert_eq!((failed, timed_out), (injected, 0), "{}", run.stdout);
        assert!(completed >= 20 * injected, "{}", run.stdout);
    }
}
