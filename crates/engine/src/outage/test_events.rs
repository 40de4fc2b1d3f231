//! Socket events for the outage tests.

use memaslap_transport::{Server, TransportError, TransportEvent};
use std::time::Instant;

pub(super) fn server(port: u16) -> Server {
    format!("127.0.0.1:{port}").parse().unwrap()
}

pub(super) fn lost(port: u16, at: Instant) -> TransportEvent {
    TransportEvent::Disconnected {
        socket: 0,
        server: server(port),
        at,
        error: TransportError::NotConnected {
            servers: String::new(),
        },
        retry_at: None,
    }
}

pub(super) fn back(port: u16, down_since: Instant, at: Instant) -> TransportEvent {
    TransportEvent::Reconnected {
        socket: 0,
        server: server(port),
        down_since,
        at,
    }
}

pub(super) fn refused(port: u16, at: Instant) -> TransportEvent {
    TransportEvent::RetryFailed {
        socket: 0,
        server: server(port),
        at,
        error: TransportError::NotConnected {
            servers: String::new(),
        },
        retry_at: None,
    }
}
