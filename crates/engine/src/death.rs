//! Why connections ended dead, by cause, so that the report says what
//! happened in words that are true: a connection whose requests timed out
//! stalled (the server never closed it); one the server closed was closed;
//! one that could not connect was refused.

use memaslap_transport::{ResetReason, TransportError};
use std::fmt::Write;

/// What ended a connection for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Death {
    /// Its requests got no reply in time, and this side gave the socket up.
    Stalled,
    /// A reply broke the protocol, and this side gave the socket up.
    Broken,
    /// The server closed it.
    Closed,
    /// It could not connect (refused, unreachable, timed out, no address).
    Refused,
    /// TLS failed.
    Tls,
    /// The server refused its login.
    Login,
    /// The network or the system failed it (a reset, a send or receive
    /// error).
    Lost,
}

impl Death {
    /// What `error`, the last failure of a connection's socket, ended.
    pub fn of(error: &TransportError) -> Death {
        match error {
            TransportError::Reset {
                reason: ResetReason::Timeout,
                ..
            } => Death::Stalled,
            TransportError::Reset {
                reason: ResetReason::Protocol,
                ..
            } => Death::Broken,
            TransportError::Closed { .. } => Death::Closed,
            TransportError::Resolve { .. }
            | TransportError::NoAddress { .. }
            | TransportError::Connect { .. }
            | TransportError::ConnectTimeout { .. } => Death::Refused,
            TransportError::Tls { .. } => Death::Tls,
            TransportError::Login { .. } => Death::Login,
            _ => Death::Lost,
        }
    }
}

/// Dead connections by cause.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Deaths {
    /// See [`Death::Stalled`].
    pub stalled: usize,
    /// See [`Death::Broken`].
    pub broken: usize,
    /// See [`Death::Closed`].
    pub closed: usize,
    /// See [`Death::Refused`].
    pub refused: usize,
    /// See [`Death::Tls`].
    pub tls: usize,
    /// See [`Death::Login`].
    pub login: usize,
    /// See [`Death::Lost`], and connections dead for no recorded cause.
    pub lost: usize,
}

impl Deaths {
    /// Counts one connection that ended by `death`.
    pub fn add(&mut self, death: Option<Death>) {
        let slot = match death {
            Some(Death::Stalled) => &mut self.stalled,
            Some(Death::Broken) => &mut self.broken,
            Some(Death::Closed) => &mut self.closed,
            Some(Death::Refused) => &mut self.refused,
            Some(Death::Tls) => &mut self.tls,
            Some(Death::Login) => &mut self.login,
            Some(Death::Lost) | None => &mut self.lost,
        };
        *slot += 1;
    }

    /// Adds `other` in.
    pub fn merge(&mut self, other: &Deaths) {
        self.stalled += other.stalled;
        self.broken += other.broken;
        self.closed += other.closed;
        self.refused += other.refused;
        self.tls += other.tls;
        self.login += other.login;
        self.lost += other.lost;
    }

    /// The causes in words, e.g. `4 stalled (no reply in time), 2 closed
    /// by the server`; empty when none died.
    pub fn words(&self) -> String {
        let mut out = String::new();
        for (n, what) in [
            (
                self.stalled,
                "stalled (no reply in time; the server never closed them)",
            ),
            (self.closed, "closed by the server"),
            (self.refused, "could not connect"),
            (self.tls, "failed TLS"),
            (self.login, "had their login refused"),
            (self.broken, "broke the protocol"),
            (self.lost, "lost to the network or the system"),
        ] {
            if n > 0 {
                if !out.is_empty() {
                    out.push_str(", ");
                }
                let _ = write!(out, "{n} {what}");
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memaslap_transport::Server;

    #[test]
    fn stalls_closes_and_refusals_are_told_apart() {
        let server = Server::new("h", 1);
        let mut d = Deaths::default();
        for _ in 0..3 {
            d.add(Some(Death::of(&TransportError::Reset {
                server: server.clone(),
                reason: ResetReason::Timeout,
            })));
        }
        d.add(Some(Death::of(&TransportError::Closed {
            server: server.clone(),
        })));
        d.add(None);
        assert_eq!(
            d.words(),
            "3 stalled (no reply in time; the server never closed them), 1 closed by the server, \
             1 lost to the network or the system"
        );
        let mut all = Deaths::default();
        all.merge(&d);
        all.merge(&d);
        assert_eq!(all.stalled, 6);
        assert_eq!(Deaths::default().words(), "");
    }
}
