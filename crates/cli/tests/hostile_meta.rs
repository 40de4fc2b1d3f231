//! The `memaslap` binary in the meta protocol (`--protocol meta`) against a
//! server that misbehaves on purpose (see `fault_server`): the faults every
//! protocol has, and those of the meta protocol alone (a wrong opaque, a
//! value of the wrong length, an unknown return code, `MN` missing or
//! early, a quiet miss answered `EN`). Each checks the counter the fault
//! belongs in against the faults actually injected, what became of the
//! requests and connections, the exit status and that the run ended on
//! time.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
mod fault_server;
mod outcome;

use fault_server::{Fault, FaultServer, Plan};
use outcome::{Outcome, hostile};

/// Runs the meta protocol with `extra` against a server injecting `fault`
/// into every `every`-th reply that can carry it.
fn meta(fault: Fault, every: u64, extra: &[&str]) -> Outcome {
    let server = FaultServer::start(fault, Plan::Every(every));
    let mut args = vec!["--protocol", "meta"];
    args.extend_from_slice(extra);
    hostile(&server, false, &args)
}

/// A reply that breaks the stream, with `-R`: one protocol error per
/// fault, its request failed (unless it had already completed), the socket
/// reconnected, the rest unharmed.
///
/// On a loaded machine one fault may instead end as a timeout, its
/// request still in flight when the run's drain runs out.
fn desync_reconnects(fault: Fault, division: &str, failed_too: bool) -> Outcome {
    let o = meta(fault, 100, &["-R", "-d", division]);
    let [server, client, protocol, timeout, disconnect] = o.errors();
    assert!(o.injected >= 2 && timeout <= 1, "{o}");
    assert_eq!(
        (server, client, protocol + timeout, disconnect),
        (0, 0, o.injected, 0),
        "{o}"
    );
    let [_, _, failed, timed_out] = o.requests();
    assert_eq!(timed_out, timeout, "{o}");
    if failed_too {
        assert_eq!(failed + timed_out, o.injected, "{o}");
    } else {
        assert!(failed + timed_out <= o.injected, "{o}");
    }
    assert_eq!(o.dead, 0, "{o}");
    assert!(o.run.stdout.contains(" reconnect after "), "{o}");
    o.kept_working();
    o.code(0);
    o
}

/// A reply never finished ends as a timeout after `--tcp-timeout`, and the
/// socket comes back under `-R`.
fn times_out(fault: Fault, division: &str) {
    let o = meta(
        fault,
        100,
        &["-R", "-d", division, "--tcp-timeout", "200ms"],
    );
    o.only("timeout", 2);
    assert_eq!(o.requests()[2..], [0, o.injected], "{o}");
    assert_eq!(o.dead, 0, "{o}");
    o.kept_working();
    o.code(0);
}

#[test]
fn unknown_return_codes() {
    for division in ["1", "4"] {
        desync_reconnects(Fault::UnknownReply, division, true);
    }
}

#[test]
fn garbled_and_endless_lines() {
    for fault in [Fault::Garbled, Fault::EndlessLine] {
        desync_reconnects(fault, "1", true);
    }
}

/// `VA` declaring fewer bytes than sent, or absurdly many: the data is not
/// followed by `\r\n`, or is refused at the value limit.
#[test]
fn values_of_the_wrong_length() {
    for fault in [Fault::ShortLength, Fault::HugeLength] {
        for division in ["1", "4"] {
            desync_reconnects(fault, division, true);
        }
    }
    // Longer than sent (by 3 bytes; a reply may carry any value up to
    // memcached's item size, not only this run's): with more keys the
    // value swallows the start of the next line, which then breaks step;
    // at one key the reply waits for 3 bytes that never come, a timeout,
    // as in the binary protocol.
    desync_reconnects(Fault::LongLength, "4", true);
    let o = meta(
        Fault::LongLength,
        100,
        &["-R", "-d", "1", "--tcp-timeout", "200ms"],
    );
    o.only("timeout", 2);
    assert_eq!(o.requests()[3], o.injected, "{o}");
    assert_eq!(o.dead, 0, "{o}");
    o.kept_working();
    o.code(0);
    desync_reconnects(Fault::NoTerminator, "4", true);
}

/// A reply under another request's opaque: the stream is out of step.
#[test]
fn replies_with_a_wrong_opaque() {
    for division in ["1", "4"] {
        desync_reconnects(Fault::WrongOpaque, division, true);
    }
}

/// A value for a key not asked for, under the right opaque: a protocol
/// error the stream survives; the asked key counts as a miss.
#[test]
fn values_for_a_key_not_asked_for() {
    for division in ["1", "4"] {
        let o = meta(Fault::WrongKey, 100, &["-d", division]);
        o.only("protocol_error", 2);
        let [_, _, failed, timed_out] = o.requests();
        assert_eq!((failed, timed_out, o.dead), (0, 0, 0), "{o}");
        o.kept_working();
        o.code(0);
    }
}

/// A batch whose `mn` is never answered cannot end: a timeout.
#[test]
fn batches_without_their_noop() {
    times_out(Fault::MissingNoop, "4");
}

/// `MN` before the hits ends the batch early (its hits read as misses);
/// the hits that follow belong to no request: a protocol error.
#[test]
fn batches_closed_early() {
    desync_reconnects(Fault::EarlyNoop, "4", false);
}

/// Quiet mode keeps misses silent; an `EN` in a batch is out of protocol.
#[test]
fn quiet_misses_answered() {
    desync_reconnects(Fault::QuietMissAnswered, "4", true);
}

/// Trailing bytes after a complete reply: the request completed, the
/// stream is out of step.
#[test]
fn bytes_nobody_asked_for() {
    desync_reconnects(Fault::Extra, "1", false);
}

#[test]
fn corrupted_values_fail_verification() {
    for division in ["1", "4"] {
        let o = meta(Fault::CorruptValue, 100, &["-v", "1.0", "-d", division]);
        assert!(o.injected >= 2, "{o}");
        assert_eq!(o.run.counter("verify_failed"), o.injected, "{o}");
        assert_eq!(o.errors(), [0; 5], "{o}");
        assert_eq!(o.dead, 0, "{o}");
        o.code(1);
    }
}

/// Error replies end their request as failed, counted by who is to blame;
/// in a batch the error stands for one quiet get and `MN` still closes it,
/// so the stream stays in step.
#[test]
fn error_replies() {
    for (fault, counter) in [
        (Fault::ServerError, "server_error"),
        (Fault::ClientError, "client_error"),
        (Fault::Error, "client_error"),
    ] {
        for division in ["1", "4"] {
            let o = meta(fault, 50, &["-d", division]);
            o.only(counter, 2);
            let [_, _, failed, timed_out] = o.requests();
            assert_eq!((failed, timed_out, o.dead), (o.injected, 0, 0), "{o}");
            o.kept_working();
            o.code(0);
        }
    }
}

/// Replies cut into 3-byte pieces, never answered, or closed or reset
/// halfway, as in the other protocols.
#[test]
fn transport_faults() {
    let o = meta(Fault::Trickle, 20, &["-v", "1.0", "-d", "4"]);
    assert!(o.injected >= 2, "{o}");
    assert_eq!(o.errors(), [0; 5], "{o}");
    assert_eq!(o.requests()[2..], [0, 0], "{o}");
    times_out(Fault::NoReply, "1");
    for fault in [Fault::Close, Fault::Reset] {
        let o = meta(fault, 100, &["-R"]);
        o.only("disconnect", 2);
        assert_eq!(o.requests()[2..], [o.injected, 0], "{fault:?} {o}");
        assert_eq!(o.dead, 0, "{o}");
        o.kept_working();
        o.code(0);
    }
}

/// Over UDP, a lost datagram times its request out and a garbled reply is
/// a protocol error; the shared socket is never lost.
#[test]
fn meta_over_udp() {
    let udp = ["-U", "--udp-timeout", "200ms", "-d", "4"];
    let o = meta(Fault::Lose, 50, &udp);
    o.only("timeout", 2);
    assert_eq!(o.requests()[2..], [0, o.injected], "{o}");
    let o = meta(Fault::WrongOpaque, 50, &udp);
    o.only("protocol_error", 2);
    assert_eq!(o.requests()[2..], [o.injected, 0], "{o}");
    assert_eq!(o.dead, 0, "{o}");
    o.code(0);
}
