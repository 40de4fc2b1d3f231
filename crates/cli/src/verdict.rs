//! Whether a run failed (exit status 1) and why, in one line: no request
//! completed, connections the servers never served, every connection
//! ended, or verification found wrong data.

use crate::setup::Setup;
use memaslap_engine::{Counters, Outcome, Protocol, TransportError};

/// Why the run failed (exit status 1), if it did: no request completed,
/// some connections never completed one (refused, closed or rejected by
/// the server), every connection ended (stalled, closed, refused, … by
/// cause), or verification found wrong
/// data.
/// `first_error` is the first socket failure, said once as the cause.
pub fn failure(
    setup: &Setup,
    outcome: &Outcome,
    first_error: Option<&TransportError>,
) -> Option<String> {
    let c = &outcome.stats.counters;
    let cause = first_error.map(|e| format!(": {e}")).unwrap_or_default();
    if c.requests_completed == 0 {
        let cause = if cause.is_empty() {
            answered_errors(c, outcome.rejections.error_line.as_deref())
        } else {
            cause
        };
        let hint = match first_error {
            Some(TransportError::Closed { .. }) if setup.engine.protocol == Protocol::Binary => {
                " (the server may not speak the binary protocol)"
            }
            _ => "",
        };
        return Some(format!("no request completed{cause}{hint}"));
    }
    if let Some(line) = crate::rejections::lines(&outcome.rejections, outcome.connections)
        .into_iter()
        .next()
    {
        // Fewer connections than asked for worked.
        return Some(line);
    }
    if outcome.connections > 0 && outcome.dead == outcome.connections {
        let words = outcome.deaths.words();
        return Some(format!("every connection ended: {words}{cause}"));
    }
    if c.verify_failed > 0 || c.verify_misses > 0 || c.expired_get > 0 || c.unexpired_unget > 0 {
        return Some(format!(
            "verification failed: verify_failed {} verify_misses {} expired_get {} unexpired_unget {}",
            c.verify_failed, c.verify_misses, c.expired_get, c.unexpired_unget
        ));
    }
    None
}

/// `: every reply was an error (server_error N, …)` when the
/// server answered the run's requests with errors only, followed by the
/// last error line a server sent (`line`) when the protocol has lines;
/// empty otherwise.
fn answered_errors(c: &Counters, line: Option<&str>) -> String {
    let e = &c.errors;
    let kinds: Vec<String> = [
        ("server_error", e.server_error),
        ("client_error", e.client_error),
        ("protocol_error", e.protocol_error),
    ]
    .iter()
    .filter(|(_, n)| *n > 0)
    .map(|(kind, n)| format!("{kind} {n}"))
    .collect();
    if kinds.is_empty() {
        return String::new();
    }
    let said = line.map(|l| format!("; the last: {l}")).unwrap_or_default();
    format!(": every reply was an error ({}){said}", kinds.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_answered_only_with_errors_says_which() {
        let mut c = Counters::default();
        assert_eq!(answered_errors(&c, None), "");
        c.errors.server_error = 8967;
        c.errors.timeout = 3;
        assert_eq!(
            answered_errors(&c, None),
            ": every reply was an error (server_error 8967)"
        );
        c.errors.protocol_error = 1;
        assert_eq!(
            answered_errors(&c, None),
            ": every reply was an error (server_error 8967, protocol_error 1)"
        );
        assert_eq!(
            answered_errors(&c, Some("SERVER_ERROR out of memory")),
            ": every reply was an error (server_error 8967, protocol_error 1); \
             the last: SERVER_ERROR out of memory"
        );
    }
}
