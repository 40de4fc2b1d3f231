//! Where a stream socket connects: an internet address, or the path of a
//! Unix domain socket (`unix:/path`).

use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use socket2::{Domain, SockAddr};

/// An address a stream socket connects to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// An IPv4 or IPv6 address and port.
    Inet(SocketAddr),
    /// The path of a Unix domain socket.
    Unix(Arc<Path>),
}

impl Endpoint {
    /// The socket domain it needs.
    pub(crate) fn domain(&self) -> Domain {
        match self {
            Endpoint::Inet(addr) => Domain::for_address(*addr),
            Endpoint::Unix(_) => Domain::UNIX,
        }
    }

    /// The address to connect to.
    pub(crate) fn sock_addr(&self) -> io::Result<SockAddr> {
        match self {
            Endpoint::Inet(addr) => Ok(SockAddr::from(*addr)),
            Endpoint::Unix(path) => SockAddr::unix(path),
        }
    }

    /// Whether it is a Unix domain socket.
    pub fn is_unix(&self) -> bool {
        matches!(self, Endpoint::Unix(_))
    }
}

impl From<SocketAddr> for Endpoint {
    fn from(addr: SocketAddr) -> Endpoint {
        Endpoint::Inet(addr)
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Endpoint::Inet(addr) => addr.fmt(f),
            Endpoint::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}
