//! One socket's TLS session: the handshake, and requests and replies
//! through it, over a non-blocking socket whose readiness is
//! edge-triggered — so every call reads and writes until the socket would
//! block, or until it has what was asked for.

use std::io;
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use socket2::Socket;

use super::handshake::{Handshake, Step};
use super::traffic::Traffic;
use super::wire::{Inbox, Outbox};

/// Why a session call failed.
#[derive(Debug)]
pub(crate) enum Fault {
    /// The socket failed.
    Io(io::Error),
    /// TLS failed (a certificate, an alert, a record that is not TLS).
    Tls(rustls::Error),
    /// The server closed the stream.
    Closed,
}

/// Where the session is.
#[derive(Debug)]
enum Phase {
    Handshaking(Box<Handshake>),
    Traffic(Box<Traffic>),
    /// A call failed; the socket is closed next.
    Failed,
}

/// A TLS client session over one socket.
#[derive(Debug)]
pub(crate) struct Session {
    phase: Phase,
    inbox: Inbox,
    outbox: Outbox,
    resumed: bool,
}

impl Session {
    /// A session that will greet `name`.
    pub(super) fn new(
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Session, rustls::Error> {
        Ok(Session {
            phase: Phase::Handshaking(Box::new(Handshake::new(config, name)?)),
            inbox: Inbox::new(),
            outbox: Outbox::new(),
            resumed: false,
        })
    }

    /// Whether the handshake resumed an earlier session.
    pub(crate) fn resumed(&self) -> bool {
        self.resumed
    }

    /// Moves the handshake on as far as the socket allows: true once it is
    /// done and its last flight written (the next call can send).
    pub(crate) fn handshake(&mut self, socket: &Socket) -> Result<bool, Fault> {
        match std::mem::replace(&mut self.phase, Phase::Failed) {
            Phase::Handshaking(handshake) => {
                match handshake.step(socket, &mut self.inbox, &mut self.outbox)? {
                    Step::Waiting(handshake) => {
                        self.phase = Phase::Handshaking(handshake);
                        return Ok(false);
                    }
                    Step::Done(finished) => {
                        self.resumed = finished.resumed;
                        self.phase = Phase::Traffic(Box::new(Traffic::new(*finished)?));
                    }
                }
            }
            other => self.phase = other,
        }
        self.outbox.flush(socket).map_err(Fault::Io)
    }

    /// Encrypts the request `bufs` from byte `*written` on and writes it:
    /// true once all of it is on the socket. `*written` counts the request
    /// bytes sealed so far.
    pub(crate) fn send(
        &mut self,
        socket: &Socket,
        bufs: &[&[u8]],
        written: &mut usize,
    ) -> Result<bool, Fault> {
        match &mut self.phase {
            Phase::Traffic(traffic) => traffic.send(socket, &mut self.outbox, bufs, written),
            _ => Err(not_ready()),
        }
    }

    /// Reads what has arrived into `buf`: `None` when nothing has.
    pub(crate) fn recv(&mut self, socket: &Socket, buf: &mut [u8]) -> Result<Option<usize>, Fault> {
        match &mut self.phase {
            Phase::Traffic(traffic) => traffic.recv(socket, &mut self.inbox, &mut self.outbox, buf),
            _ => Err(not_ready()),
        }
    }

    /// Replaces the sending key after every `records` records.
    #[cfg(test)]
    pub(super) fn set_record_limit(&mut self, records: u64) {
        if let Phase::Traffic(traffic) = &mut self.phase {
            traffic.set_record_limit(records);
        }
    }

    /// Tells the server the session ends (`close_notify`), as far as the
    /// socket takes it without waiting.
    pub(crate) fn close(&mut self, socket: &Socket) {
        if let Phase::Traffic(traffic) = &mut self.phase {
            traffic.close(socket, &mut self.outbox);
        }
    }
}

/// A request or a read before the handshake is done.
fn not_ready() -> Fault {
    Fault::Tls(rustls::Error::General(
        "the TLS session is not established".to_string(),
    ))
}
