//! The `memaslap` binary against a server and a network that misbehave on
//! purpose (see `fault_server`): one test per kind of fault, in the text and
//! the binary protocol where the fault exists in both. Each checks the
//! counter the fault belongs in against the faults actually injected, what
//! became of the connection, the exit status, that the run ended within
//! `-t` plus the bounded drain, and (in `common::memaslap`) that
//! sent = completed + failed + timed out.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;
mod fault_server;
mod outcome;

use common::memaslap;
use fault_server::{Accept, Fault, FaultServer, Plan};
use outcome::{Outcome, hostile};

/// A reply that breaks the protocol, with `-R`: counted as a protocol
/// error, its request failed, the socket reconnected, the rest unharmed.
fn desync_reconnects(fault: Fault, binary: bool, extra: &[&str]) -> Outcome {
    let server = FaultServer::start(fault, Plan::Every(100));
    let mut args = vec!["-R"];
    args.extend_from_slice(extra);
    let o = hostile(&server, binary, &args);
    o.only("protocol_error", 2);
    let [_, _, failed, timed_out] = o.requests();
    // Trailing bytes after a complete reply break step only after the
    // request completed: a binary value one byte short still parses.
    let completes = fault == Fault::Extra || (fault == Fault::ShortLength && binary);
    let expect_failed = if completes { 0 } else { o.injected };
    assert_eq!((failed, timed_out), (expect_failed, 0), "{o}");
    assert_eq!(o.dead, 0, "{o}");
    assert!(o.run.stdout.contains(" reconnect after "), "{o}");
    o.kept_working();
    o.code(0);
    o
}

#[test]
fn unknown_replies() {
    desync_reconnects(Fault::UnknownReply, false, &[]);
    desync_reconnects(Fault::UnknownReply, true, &[]);
}

#[test]
fn garbled_replies() {
    desync_reconnects(Fault::Garbled, false, &[]);
    desync_reconnects(Fault::Garbled, true, &[]);
}

/// A line that never ends is refused at the parser's line limit: the
/// receive buffer does not grow with it.
#[test]
fn line_without_end() {
    desync_reconnects(Fault::EndlessLine, false, &[]);
}

#[test]
fn value_length_shorter_than_sent() {
    desync_reconnects(Fault::ShortLength, false, &[]);
    desync_reconnects(Fault::ShortLength, true, &[]);
}

#[test]
fn value_length_absurdly_large() {
    desync_reconnects(Fault::HugeLength, false, &[]);
    desync_reconnects(Fault::HugeLength, true, &[]);
}

#[test]
fn value_without_terminator() {
    desync_reconnects(Fault::NoTerminator, false, &[]);
}

#[test]
fn binary_header_with_wrong_magic() {
    desync_reconnects(Fault::BadMagic, true, &[]);
}

#[test]
fn binary_header_with_inconsistent_lengths() {
    desync_reconnects(Fault::BadLengths, true, &[]);
}

#[test]
fn bytes_nobody_asked_for() {
    desync_reconnects(Fault::Extra, false, &[]);
    desync_reconnects(Fault::Extra, true, &[]);
}

/// Text: the value swallows the start of the next line, which then lacks
/// its `\r\n` (protocol error). Binary: the reply waits for 3 bytes that
/// never come (timeout).
#[test]
fn value_length_longer_than_sent() {
    desync_reconnects(Fault::LongLength, false, &[]);
    let server = FaultServer::start(Fault::LongLength, Plan::Every(100));
    let o = hostile(&server, true, &["-R", "--tcp-timeout", "200ms"]);
    o.only("timeout", 2);
    assert_eq!(o.requests()[3], o.injected, "{o}");
    assert_eq!(o.dead, 0, "{o}");
    o.kept_working();
    o.code(0);
}

/// Without `-R`, a connection whose stream broke step is closed and
/// reported dead; the others go on.
#[test]
fn without_reconnect_a_desynced_connection_closes_alone() {
    for binary in [false, true] {
        let server = FaultServer::start(Fault::Garbled, Plan::AtAnswered(50));
        let o = hostile(&server, binary, &[]);
        o.only("protocol_error", 1);
        assert_eq!((o.injected, o.dead), (1, 1), "{o}");
        assert_eq!(o.requests()[2], 1, "{o}");
        o.kept_working();
        o.code(0);
    }
}

/// A value for a key that was not asked for: a protocol error the stream
/// survives (the asked key counts as a miss), or, for a binary single get
/// whose opaque is wrong, one that resets the socket.
#[test]
fn value_for_a_key_not_asked_for() {
    for (binary, division) in [(false, "1"), (false, "4"), (true, "4")] {
        let server = FaultServer::start(Fault::WrongKey, Plan::Every(100));
        let o = hostile(&server, binary, &["-d", division]);
        o.only("protocol_error", 2);
        let [_, _, failed, timed_out] = o.requests();
        assert_eq!((failed, timed_out, o.dead), (0, 0, 0), "{o}");
        o.kept_working();
        o.code(0);
    }
    desync_reconnects(Fault::WrongKey, true, &[]);
}

#[test]
fn corrupted_values_fail_verification() {
    for binary in [false, true] {
        let server = FaultServer::start(Fault::CorruptValue, Plan::Every(100));
        let o = hostile(&server, binary, &["-v", "1.0"]);
        assert!(o.injected >= 2, "{o}");
        assert_eq!(o.run.counter("verify_failed"), o.injected, "{o}");
        assert_eq!(o.errors(), [0; 5], "{o}");
        assert_eq!(o.dead, 0, "{o}");
        o.kept_working();
        o.code(1);
        assert!(o.run.stderr.contains("verification failed"), "{o}");
    }
}

/// Error replies end their request as failed, counted by who is to blame;
/// the stream stays in step, so no connection is lost.
#[test]
fn error_replies() {
    for (fault, counter) in [
        (Fault::ServerError, "server_error"),
        (Fault::ClientError, "client_error"),
        (Fault::Error, "client_error"),
    ] {
        for binary in [false, true] {
            let server = FaultServer::start(fault, Plan::Every(50));
            let o = hostile(&server, binary, &[]);
            o.only(counter, 2);
            let [_, _, failed, timed_out] = o.requests();
            assert_eq!(
                (failed, timed_out, o.dead),
                (o.injected, 0, 0),
                "{fault:?} {o}"
            );
            o.kept_working();
            o.code(0);
        }
    }
}

/// Replies in 3-byte pieces with pauses are reassembled: nothing fails.
#[test]
fn replies_split_into_tiny_pieces() {
    for binary in [false, true] {
        let server = FaultServer::start(Fault::Trickle, Plan::Every(20));
        let o = hostile(&server, binary, &["-v", "1.0"]);
        assert!(o.injected >= 2, "{o}");
        assert_eq!(o.errors(), [0; 5], "{o}");
        assert_eq!(o.run.counter("verify_failed"), 0, "{o}");
        assert_eq!(o.requests()[2..], [0, 0], "{o}");
        o.code(0);
    }
}

/// A request never answered ends as a timeout after `--tcp-timeout`; with
/// `-R` the socket comes back, without it the connection closes alone.
#[test]
fn requests_never_answered() {
    for binary in [false, true] {
        let server = FaultServer::start(Fault::NoReply, Plan::Every(100));
        let o = hostile(&server, binary, &["-R", "--tcp-timeout", "200ms"]);
        o.only("timeout", 2);
        assert_eq!(o.requests()[2..], [0, o.injected], "{o}");
        assert_eq!(o.dead, 0, "{o}");
        o.kept_working();
        o.code(0);
    }
    let server = FaultServer::start(Fault::NoReply, Plan::At(20));
    let o = hostile(&server, false, &["--tcp-timeout", "200ms"]);
    o.only("timeout", 1);
    assert_eq!((o.requests()[3], o.dead), (1, 1), "{o}");
    o.kept_working();
    o.code(0);
}

/// A server that stops answering each connection in turn, without `-R`:
/// every connection ends stalled, and the closing line says so rather
/// than that connections were lost (none was closed).
#[test]
fn every_connection_stalled_is_named_so() {
    let server = FaultServer::start(Fault::NoReply, Plan::Every(100));
    let o = hostile(&server, false, &["--tcp-timeout", "200ms"]);
    assert_eq!(o.dead, 4, "{o}");
    o.code(1);
    assert!(
        o.run
            .stderr
            .contains("every connection ended: 4 stalled (no reply in time"),
        "{o}"
    );
}

/// A connection closed or reset mid-reply: the request fails, the loss
/// counts as a disconnect, `-R` reconnects.
#[test]
fn connections_closed_or_reset_mid_reply() {
    for fault in [Fault::Close, Fault::Reset] {
        for binary in [false, true] {
            let server = FaultServer::start(fault, Plan::Every(100));
            let o = hostile(&server, binary, &["-R"]);
            o.only("disconnect", 2);
            assert_eq!(o.requests()[2..], [o.injected, 0], "{fault:?} {o}");
            assert_eq!(o.dead, 0, "{o}");
            assert!(o.run.stdout.contains(" reconnect after "), "{o}");
            o.kept_working();
            o.code(0);
        }
    }
}

/// A listener that accepts only after 0.7 s: the requests wait in the
/// backlog and are answered then, in both protocols.
#[test]
fn listener_accepting_late() {
    for binary in [false, true] {
        let server = FaultServer::start_with(
            Fault::NoReply,
            Plan::Never,
            Accept::After(std::time::Duration::from_millis(700)),
        );
        let o = hostile(&server, binary, &[]);
        assert_eq!(o.errors(), [0; 5], "{o}");
        assert_eq!(o.requests()[2..], [0, 0], "{o}");
        assert!(o.max_us >= 600_000, "{o}");
        o.code(0);
    }
}

/// A listener that never accepts: every request times out, the run still
/// ends on time and says that nothing completed.
#[test]
fn listener_never_accepting() {
    for binary in [false, true] {
        let server = FaultServer::start_with(Fault::NoReply, Plan::Never, Accept::Never);
        let o = hostile(&server, binary, &["-R", "--tcp-timeout", "200ms"]);
        let [sent, completed, failed, timed_out] = o.requests();
        assert!(sent >= 8, "{o}");
        assert_eq!((completed, failed, timed_out), (0, 0, sent), "{o}");
        assert_eq!(o.run.error("timeout"), sent, "{o}");
        o.code(1);
        assert!(o.run.stderr.contains("no request completed"), "{o}");
    }
}

/// Streams closed before any reply to a binary request: the one error line
/// says the server may not speak the binary protocol (as twemproxy does
/// not); the text protocol gets no such hint.
#[test]
fn streams_closed_before_any_binary_reply_suggest_the_protocol() {
    for binary in [true, false] {
        let server = FaultServer::start(Fault::Close, Plan::Every(1));
        let addr = server.addr();
        let mut args = vec!["-s", &addr, "-t", "2s", "-c", "2"];
        if binary {
            args.push("-B");
        }
        let run = memaslap(&args);
        assert_eq!(run.code, 1, "{}", run.stdout);
        let hint = "the server may not speak the binary protocol";
        assert_eq!(run.stderr.contains(hint), binary, "{}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(
            run.stderr.contains("closed the connection"),
            "{}",
            run.stderr
        );
    }
}
