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
mod outcome;

use common::Run;
use fault_server::{Fault, FaultServer, Plan};
use outcome::hostile;

/// Runs `-U -t 1s -c 4 -X 200 -v 1.0 --udp-timeout 200ms` (binary with
/// `-B`) against a server injecting `fault` into every 50th reply.
fn udp_run(fault: Fault, binary: bool) -> (Run, u64) {
    let server = FaultServer::start(fault, Plan::Every(50));
    let o = hostile(
        &server,
        binary,
        &["-U", "-v", "1.0", "--udp-timeout", "200ms"],
    );
    assert!(o.injected >= 2, "{fault:?} binary {binary}\n{o}");
    assert_eq!(o.run.counter("verify_failed"), 0, "{o}");
    o.code(0);
    (o.run, o.injected)
}

/// A datagram lost: the request times out after `--udp-timeout` and the
/// missing datagram counts in `packet_drop`; the connection goes on.
#[test]
fn lost_datagrams() {
    for binary in [false, true] {
        let (run, injected) = udp_run(Fault::Lose, binary);
        assert_eq!(run.errors(), [0, 0, 0, injected, 0], "{}", run.stdout);
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
        assert_eq!(run.errors(), [0; 5], "{}", run.stdout);
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
        assert_eq!(run.errors(), [0; 5], "{}", run.stdout);
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
        assert_eq!(run.errors(), [0; 5], "{}", run.stdout);
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
        assert_eq!(run.errors(), [0, 0, injected, 0, 0], "{}", run.stdout);
        let [_, completed, failed, timed_out] = run.requests();
        assert_eq!((failed, timed_out), (injected, 0), "{}", run.stdout);
        assert!(completed >= 20 * injected, "{}", run.stdout);
    }
}
