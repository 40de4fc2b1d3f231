//! What a transport reports besides the results of calls: sockets going
//! down and coming back, with the times the engine needs to print them.

use std::fmt;
use std::time::{Duration, Instant};

use crate::{Server, TransportError};

/// A change of one socket's state.
///
/// `Display` gives memaslap's lines for the first two kinds:
/// `Server <host>:<port> disconnect` and
/// `Server <host>:<port> reconnect after <N>s`.
#[derive(Debug, Clone)]
pub enum TransportEvent {
    /// A socket that was up (or connecting for the first time) failed and
    /// was closed.
    Disconnected {
        /// The socket's index (its key minus the base key).
        socket: usize,
        /// Its server.
        server: Server,
        /// When the failure was seen.
        at: Instant,
        /// What failed.
        error: TransportError,
        /// When it will be tried again, if it will.
        retry_at: Option<Instant>,
    },
    /// A socket is connected again after a failure.
    Reconnected {
        /// The socket's index.
        socket: usize,
        /// Its server.
        server: Server,
        /// When it failed first.
        down_since: Instant,
        /// When it connected.
        at: Instant,
    },
    /// An attempt to bring a failed socket back failed too.
    RetryFailed {
        /// The socket's index.
        socket: usize,
        /// Its server.
        server: Server,
        /// When the attempt failed.
        at: Instant,
        /// Why.
        error: TransportError,
        /// When it will be tried again, if it will.
        retry_at: Option<Instant>,
    },
    /// A socket finished its TLS handshake (each connect and reconnect).
    Secured {
        /// The socket, as for [`TransportEvent::Disconnected`].
        socket: usize,
        /// Its server.
        server: Server,
        /// From the TCP connect to the end of the handshake.
        took: Duration,
        /// Whether it resumed an earlier session.
        resumed: bool,
    },
}

impl TransportEvent {
    /// The index of the socket concerned.
    pub fn socket(&self) -> usize {
        match self {
            TransportEvent::Disconnected { socket, .. }
            | TransportEvent::Reconnected { socket, .. }
            | TransportEvent::RetryFailed { socket, .. }
            | TransportEvent::Secured { socket, .. } => *socket,
        }
    }

    /// The same event for socket `index` of a transport of several.
    pub(crate) fn with_socket(mut self, index: usize) -> TransportEvent {
        match &mut self {
            TransportEvent::Disconnected { socket, .. }
            | TransportEvent::Reconnected { socket, .. }
            | TransportEvent::RetryFailed { socket, .. }
            | TransportEvent::Secured { socket, .. } => *socket = index,
        }
        self
    }

    /// The server concerned.
    pub fn server(&self) -> &Server {
        match self {
            TransportEvent::Disconnected { server, .. }
            | TransportEvent::Reconnected { server, .. }
            | TransportEvent::RetryFailed { server, .. }
            | TransportEvent::Secured { server, .. } => server,
        }
    }
}

impl fmt::Display for TransportEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransportEvent::Disconnected { server, .. } => write!(f, "Server {server} disconnect"),
            TransportEvent::Reconnected {
                server,
                down_since,
                at,
                ..
            } => {
                let seconds = at.saturating_duration_since(*down_since).as_secs();
                write!(f, "Server {server} reconnect after {seconds}s")
            }
            TransportEvent::RetryFailed { server, error, .. } => {
                write!(f, "Server {server} still down: {error}")
            }
            TransportEvent::Secured {
                server,
                took,
                resumed,
                ..
            } => {
                let how = if *resumed { "resumed" } else { "full" };
                write!(f, "Server {server} TLS handshake ({how}) in {took:?}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn displays_memaslap_lines() {
        let server = Server::new("127.0.0.1", 21611);
        let t0 = Instant::now();
        let down = TransportEvent::Disconnected {
            socket: 0,
            server: server.clone(),
            at: t0,
            error: TransportError::Closed {
                server: server.clone(),
            },
            retry_at: None,
        };
        assert_eq!(down.to_string(), "Server 127.0.0.1:21611 disconnect");
        let up = TransportEvent::Reconnected {
            socket: 3,
            server: server.clone(),
            down_since: t0,
            at: t0 + Duration::from_millis(2900),
        };
        assert_eq!(up.to_string(), "Server 127.0.0.1:21611 reconnect after 2s");
        assert_eq!((up.socket(), up.server()), (3, &server));
    }
}
