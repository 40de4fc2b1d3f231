//! A server as the user named it, and its resolution into addresses.

use std::fmt;
use std::net::{SocketAddr, ToSocketAddrs};
use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;

use crate::{Endpoint, TransportError};

/// A memcached server: a host name or address literal and a port, or the
/// path of a Unix domain socket (`unix:/path`, stream transports only).
///
/// Displays as `host:port` (`[v6]:port` for an IPv6 literal), the form
/// memaslap prints in `Server <host>:<port> disconnect`, or `unix:/path`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Server {
    host: String,
    port: u16,
    unix: Option<Arc<Path>>,
}

/// Why a `host:port` string is not a server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseServerError {
    /// There is no `:port` part.
    #[error("`{0}` has no port (expected host:port or [v6]:port)")]
    MissingPort(String),
    /// The port is not a number from 1 to 65535.
    #[error("`{0}` has no valid port (expected 1..=65535)")]
    BadPort(String),
    /// The host part is empty or an unterminated `[` literal.
    #[error("`{0}` has no valid host")]
    BadHost(String),
}

impl Server {
    /// A server from a host (name or address literal, IPv6 without brackets)
    /// and a port.
    pub fn new(host: impl Into<String>, port: u16) -> Server {
        Server {
            host: host.into(),
            port,
            unix: None,
        }
    }

    /// The server listening on the Unix domain socket at `path`.
    pub fn unix(path: impl AsRef<Path>) -> Server {
        let path = path.as_ref();
        Server {
            host: path.display().to_string(),
            port: 0,
            unix: Some(Arc::from(path)),
        }
    }

    /// Whether the server is a Unix domain socket.
    pub fn is_unix(&self) -> bool {
        self.unix.is_some()
    }

    /// Where stream sockets connect: every address the host resolves to,
    /// or the Unix socket's path.
    pub fn endpoints(&self) -> Result<Vec<Endpoint>, TransportError> {
        match &self.unix {
            Some(path) => Ok(vec![Endpoint::Unix(Arc::clone(path))]),
            None => Ok(self.resolve()?.into_iter().map(Endpoint::Inet).collect()),
        }
    }

    /// The host as given.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Resolves the host into every address it has, in the resolver's order.
    ///
    /// This blocks on the system resolver; transports call it once, when
    /// they are built, and keep the addresses for reconnects.
    /// A Unix domain socket has no internet address: it resolves to none.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, TransportError> {
        if self.is_unix() {
            return Err(TransportError::NoAddress {
                server: self.clone(),
            });
        }
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| TransportError::Resolve {
                server: self.clone(),
                source: Arc::new(e),
            })?
            .collect();
        if addrs.is_empty() {
            return Err(TransportError::NoAddress {
                server: self.clone(),
            });
        }
        Ok(addrs)
    }
}

impl From<SocketAddr> for Server {
    fn from(addr: SocketAddr) -> Server {
        Server::new(addr.ip().to_string(), addr.port())
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.unix {
            write!(f, "unix:{}", path.display())
        } else if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

impl FromStr for Server {
    type Err = ParseServerError;

    /// Parses `host:port`, `[v6-address]:port` or `unix:/path`.
    fn from_str(text: &str) -> Result<Server, ParseServerError> {
        if let Some(path) = text.strip_prefix("unix:") {
            if path.is_empty() {
                return Err(ParseServerError::BadHost(text.to_owned()));
            }
            return Ok(Server::unix(path));
        }
        let (host, port) = text
            .rsplit_once(':')
            .ok_or_else(|| ParseServerError::MissingPort(text.to_owned()))?;
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p != 0)
            .ok_or_else(|| ParseServerError::BadPort(text.to_owned()))?;
        let host = match host.strip_prefix('[') {
            Some(rest) => rest
                .strip_suffix(']')
                .ok_or_else(|| ParseServerError::BadHost(text.to_owned()))?,
            None if host.contains(':') => {
                return Err(ParseServerError::BadHost(text.to_owned()));
            }
            None => host,
        };
        if host.is_empty() {
            return Err(ParseServerError::BadHost(text.to_owned()));
        }
        Ok(Server::new(host, port))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let cases = [
            ("127.0.0.1:11211", "127.0.0.1", 11211),
            ("localhost:1", "localhost", 1),
            ("[::1]:11211", "::1", 11211),
        ];
        for (text, host, port) in cases {
            let server: Server = text.parse().unwrap();
            assert_eq!((server.host(), server.port()), (host, port), "{text}");
            assert_eq!(server.to_string(), text);
        }
    }

    #[test]
    fn rejects_bad_forms() {
        assert_eq!(
            "localhost".parse::<Server>(),
            Err(ParseServerError::MissingPort("localhost".into()))
        );
        for text in ["h:0", "h:65536", "h:x", "h:"] {
            assert!(
                matches!(text.parse::<Server>(), Err(ParseServerError::BadPort(_))),
                "{text}"
            );
        }
        for text in [":11211", "[::1:11211", "::1:11211", "[]:1"] {
            assert!(
                matches!(text.parse::<Server>(), Err(ParseServerError::BadHost(_))),
                "{text}"
            );
        }
    }

    #[test]
    fn resolves_literals_of_both_families() {
        let v4 = Server::new("127.0.0.1", 7).resolve().unwrap();
        assert_eq!(v4, vec!["127.0.0.1:7".parse().unwrap()]);
        let v6 = Server::new("::1", 7).resolve().unwrap();
        assert_eq!(v6, vec!["[::1]:7".parse().unwrap()]);
    }

    #[test]
    fn unix_sockets_by_path() {
        let server: Server = "unix:/run/memcached.sock".parse().unwrap();
        assert!(server.is_unix());
        assert_eq!(server.to_string(), "unix:/run/memcached.sock");
        assert_eq!(
            server.endpoints().unwrap(),
            vec![Endpoint::Unix(Arc::from(Path::new("/run/memcached.sock")))]
        );
        assert!(server.resolve().is_err());
        assert!(matches!(
            "unix:".parse::<Server>(),
            Err(ParseServerError::BadHost(_))
        ));
    }

    #[test]
    fn from_socket_addr_keeps_the_literal() {
        let addr: SocketAddr = "[::1]:9".parse().unwrap();
        assert_eq!(Server::from(addr).to_string(), "[::1]:9");
    }
}
