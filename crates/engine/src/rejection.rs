//! Connections the server never served: refused at connect, closed before
//! any reply, or rejected with an error line (memcached over its connection
//! limit answers `ERROR Too many open connections` and closes). Each
//! connection keeps why it was last lost while it had completed no request;
//! the run counts those that never completed one, by kind, with an example
//! of each reason.

use memaslap_transport::{TransportError, TransportEvent};

/// Why a connection that never completed a request was lost.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Rejection {
    /// The connect failed (refused, unreachable, timed out).
    Refused {
        /// The server.
        server: String,
        /// The error.
        reason: String,
    },
    /// The server closed the connection before any reply.
    Closed {
        /// The server.
        server: String,
    },
    /// The server answered with an error line, then closed.
    Rejected {
        /// The server.
        server: String,
        /// The line.
        line: String,
    },
}

impl Rejection {
    /// Why `event` (a loss) happened to a connection that has completed no
    /// request; `error_line` is the error line the server sent last, if any.
    pub(crate) fn of(event: &TransportEvent, error_line: Option<&[u8]>) -> Option<Rejection> {
        let (TransportEvent::Disconnected { error, .. }
        | TransportEvent::RetryFailed { error, .. }) = event
        else {
            return None;
        };
        let server = event.server().to_string();
        Some(match (error, error_line) {
            (
                TransportError::Connect { .. }
                | TransportError::ConnectTimeout { .. }
                | TransportError::NoAddress { .. }
                | TransportError::Resolve { .. },
                _,
            ) => Rejection::Refused {
                server,
                reason: error.to_string(),
            },
            (_, Some(line)) => Rejection::Rejected {
                server,
                line: String::from_utf8_lossy(line).into_owned(),
            },
            (_, None) => Rejection::Closed { server },
        })
    }
}

/// Connections of a run that never completed a request, by why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rejections {
    /// Refused at connect.
    pub refused: u64,
    /// Closed by the server before any reply.
    pub closed: u64,
    /// Rejected with an error line.
    pub rejected: u64,
    /// The first of each kind: (server, what it said), for the report.
    pub refused_example: Option<(String, String)>,
    /// The server that closed connections first.
    pub closed_example: Option<String>,
    /// The first rejection: (server, its error line).
    pub rejected_example: Option<(String, String)>,
    /// The last error line a server answered a connection with that
    /// never completed a request, open or lost (the first such connection
    /// of the run's): why a run's requests failed, for its verdict.
    pub error_line: Option<String>,
}

impl Rejections {
    /// Counts one connection lost for `why`.
    pub(crate) fn add(&mut self, why: &Rejection) {
        match why {
            Rejection::Refused { server, reason } => {
                self.refused += 1;
                self.refused_example
                    .get_or_insert_with(|| (server.clone(), reason.clone()));
            }
            Rejection::Closed { server } => {
                self.closed += 1;
                self.closed_example.get_or_insert_with(|| server.clone());
            }
            Rejection::Rejected { server, line } => {
                self.rejected += 1;
                self.rejected_example
                    .get_or_insert_with(|| (server.clone(), line.clone()));
            }
        }
    }

    /// Adds another thread's counts (its examples only where none yet).
    pub(crate) fn merge(&mut self, other: Rejections) {
        self.refused += other.refused;
        self.closed += other.closed;
        self.rejected += other.rejected;
        self.refused_example = self.refused_example.take().or(other.refused_example);
        self.closed_example = self.closed_example.take().or(other.closed_example);
        self.rejected_example = self.rejected_example.take().or(other.rejected_example);
        self.error_line = self.error_line.take().or(other.error_line);
    }

    /// Connections that never completed a request, of every kind.
    pub fn total(&self) -> u64 {
        self.refused + self.closed + self.rejected
    }
}
