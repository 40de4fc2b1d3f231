//! The one error type of the crate: which server, which operation, why.

use std::io;
use std::sync::Arc;
use std::time::Duration;

use crate::{Endpoint, Server};

/// What the transport was doing when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// Turning a host name into addresses.
    Resolve,
    /// Creating a socket and connecting it.
    Connect,
    /// Writing a request.
    Send,
    /// Reading a response.
    Receive,
    /// Waiting for something that did not happen in time.
    Timeout,
    /// Choosing a socket for the next request.
    Select,
}

/// Why the engine gave up a stream socket ([`crate::Transport::reset`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ResetReason {
    /// A reply broke the protocol: the stream is out of step.
    Protocol,
    /// A reply did not come in time; a late one would arrive out of step.
    Timeout,
}

impl std::fmt::Display for ResetReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ResetReason::Protocol => "a reply broke the protocol",
            ResetReason::Timeout => "a reply did not come in time",
        })
    }
}

/// A failure of one socket (or of the whole transport), naming the server and
/// the operation. Cheap to clone: the I/O error inside is shared.
#[derive(Debug, Clone, thiserror::Error)]
pub enum TransportError {
    /// The host name could not be resolved.
    #[error("cannot resolve {server}: {source}")]
    Resolve {
        /// The server as given.
        server: Server,
        /// The resolver's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The host name resolved to no address at all.
    #[error("{server} resolves to no address")]
    NoAddress {
        /// The server as given.
        server: Server,
    },
    /// Creating, configuring, registering or connecting a socket failed for
    /// the last address tried.
    #[error("cannot connect to {}: {source}", place(.server, .addr))]
    Connect {
        /// The server as given.
        server: Server,
        /// The address of the last attempt.
        addr: Endpoint,
        /// The system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The last address tried did not accept the connection in time.
    #[error("connecting to {} timed out after {timeout:?}", place(.server, .addr))]
    ConnectTimeout {
        /// The server as given.
        server: Server,
        /// The address of the last attempt.
        addr: Endpoint,
        /// The configured connect timeout.
        timeout: Duration,
    },
    /// Writing to the socket failed.
    #[error("cannot send to {server}: {source}")]
    Send {
        /// The server as given.
        server: Server,
        /// The system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// Reading from the socket failed.
    #[error("cannot receive from {server}: {source}")]
    Receive {
        /// The server as given.
        server: Server,
        /// The system's error.
        #[source]
        source: Arc<io::Error>,
    },
    /// The server closed the connection (end of stream).
    #[error("{server} closed the connection")]
    Closed {
        /// The server as given.
        server: Server,
    },
    /// A UDP request does not fit one datagram.
    #[error("a request of {len} bytes does not fit one UDP datagram to {server} (at most {max})")]
    RequestTooLarge {
        /// The server as given.
        server: Server,
        /// The request's length without the frame header.
        len: usize,
        /// The largest request that fits.
        max: usize,
    },
    /// The engine closed the socket because its stream could no longer be
    /// trusted: a reply broke the protocol or did not come in time.
    #[error("connection to {server} closed by memaslap: {reason}")]
    Reset {
        /// The server as given.
        server: Server,
        /// Why the stream was given up.
        reason: ResetReason,
    },
    /// The TLS handshake or session failed: the server's certificate was
    /// not trusted, its name did not match, the server does not speak TLS,
    /// it refused this client, or the handshake did not finish in time.
    #[error("TLS with {server} failed: {reason}")]
    Tls {
        /// The server as given.
        server: Server,
        /// Why, in words (`unknown certificate authority`, `name mismatch`,
        /// …, and rustls's own account).
        reason: String,
    },
    /// The server refused the login (`--user`), or answered it with
    /// something else.
    #[error("login to {server} as {user} refused: {reason}")]
    Login {
        /// The server as given.
        server: Server,
        /// Who tried to log in.
        user: String,
        /// What the server said.
        reason: String,
    },
    /// No socket of the transport is connected.
    #[error("no connected socket (servers: {servers})")]
    NotConnected {
        /// The transport's servers, comma-separated.
        servers: String,
    },
}

/// `server`, and the address tried when the server was given by name.
fn place(server: &Server, addr: &Endpoint) -> String {
    let given = server.to_string();
    if given == addr.to_string() {
        given
    } else {
        format!("{given} at {addr}")
    }
}

impl TransportError {
    /// A failed send (`sending`) or receive on a socket to `server`.
    pub(crate) fn io(server: &Server, e: io::Error, sending: bool) -> TransportError {
        let (server, source) = (server.clone(), Arc::new(e));
        if sending {
            TransportError::Send { server, source }
        } else {
            TransportError::Receive { server, source }
        }
    }

    /// No socket to `server` is connected.
    pub(crate) fn not_connected(server: &Server) -> TransportError {
        TransportError::NotConnected {
            servers: server.to_string(),
        }
    }

    /// The operation that failed.
    pub fn operation(&self) -> Operation {
        match self {
            TransportError::Resolve { .. } | TransportError::NoAddress { .. } => Operation::Resolve,
            TransportError::Connect { .. }
            | TransportError::Tls { .. }
            | TransportError::Login { .. } => Operation::Connect,
            TransportError::ConnectTimeout { .. } => Operation::Timeout,
            TransportError::Send { .. } | TransportError::RequestTooLarge { .. } => Operation::Send,
            TransportError::Receive { .. }
            | TransportError::Closed { .. }
            | TransportError::Reset { .. } => Operation::Receive,
            TransportError::NotConnected { .. } => Operation::Select,
        }
    }

    /// The server concerned, when the error is about one server.
    pub fn server(&self) -> Option<&Server> {
        match self {
            TransportError::Resolve { server, .. }
            | TransportError::NoAddress { server }
            | TransportError::Connect { server, .. }
            | TransportError::ConnectTimeout { server, .. }
            | TransportError::Send { server, .. }
            | TransportError::Receive { server, .. }
            | TransportError::Closed { server }
            | TransportError::Reset { server, .. }
            | TransportError::Tls { server, .. }
            | TransportError::Login { server, .. }
            | TransportError::RequestTooLarge { server, .. } => Some(server),
            TransportError::NotConnected { .. } => None,
        }
    }

    /// The system's error kind, when the failure came from the system.
    pub fn io_kind(&self) -> Option<io::ErrorKind> {
        match self {
            TransportError::Resolve { source, .. }
            | TransportError::Connect { source, .. }
            | TransportError::Send { source, .. }
            | TransportError::Receive { source, .. } => Some(source.kind()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_server_and_operation() {
        let server = Server::new("cache.example", 11211);
        let error = TransportError::Receive {
            server: server.clone(),
            source: Arc::new(io::ErrorKind::ConnectionReset.into()),
        };
        assert_eq!(error.operation(), Operation::Receive);
        assert_eq!(error.server(), Some(&server));
        assert_eq!(error.io_kind(), Some(io::ErrorKind::ConnectionReset));
        let text = error.to_string();
        assert!(
            text.starts_with("cannot receive from cache.example:11211: "),
            "{text}"
        );
    }

    #[test]
    fn timeout_is_its_own_operation() {
        let error = TransportError::ConnectTimeout {
            server: Server::new("::1", 1),
            addr: "[::1]:1".parse::<std::net::SocketAddr>().unwrap().into(),
            timeout: Duration::from_millis(50),
        };
        assert_eq!(error.operation(), Operation::Timeout);
        assert_eq!(error.io_kind(), None);
        assert_eq!(
            error.to_string(),
            "connecting to [::1]:1 timed out after 50ms"
        );
    }
}

#[cfg(test)]
mod place_tests {
    use super::*;

    #[test]
    fn an_address_is_named_once() {
        let error = |server: Server| TransportError::Connect {
            server,
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 1)).into(),
            source: Arc::new(io::Error::from(io::ErrorKind::ConnectionRefused)),
        };
        let by_address = error(Server::new("127.0.0.1", 1)).to_string();
        assert!(
            by_address.starts_with("cannot connect to 127.0.0.1:1: "),
            "{by_address}"
        );
        let by_name = error(Server::new("localhost", 1)).to_string();
        assert!(
            by_name.starts_with("cannot connect to localhost:1 at 127.0.0.1:1: "),
            "{by_name}"
        );
    }
}
