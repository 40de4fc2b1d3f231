//! The handshake, driven by rustls's unbuffered client over the session's
//! own buffers, and the hand-over of its traffic keys to the record layer
//! ([`super::traffic`]) once it is done.

use std::sync::Arc;

use rustls::client::{ClientConnectionData, UnbufferedClientConnection};
use rustls::kernel::KernelConnection;
use rustls::pki_types::ServerName;
use rustls::unbuffered::{ConnectionState, EncodeError};
use rustls::{ClientConfig, Error, ExtractedSecrets, HandshakeKind, ProtocolVersion};
use socket2::Socket;

use super::session::Fault;
use super::wire::{Inbox, Outbox};

/// What a handshake step came to.
pub(super) enum Step {
    /// The socket has nothing more for now: the handshake, to go on with.
    Waiting(Box<Handshake>),
    /// Done: the keys and what rustls keeps for the session's life.
    Done(Box<Finished>),
}

/// A finished handshake.
pub(super) struct Finished {
    /// The traffic keys, with the sequence numbers they start at.
    pub(super) secrets: ExtractedSecrets,
    /// Takes the server's session tickets and derives updated keys.
    pub(super) kernel: KernelConnection<ClientConnectionData>,
    /// Whether the version is TLS 1.3.
    pub(super) tls13: bool,
    /// Whether an earlier session was resumed.
    pub(super) resumed: bool,
}

/// A handshake in progress.
pub(super) struct Handshake {
    conn: UnbufferedClientConnection,
}

impl std::fmt::Debug for Handshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handshake").finish_non_exhaustive()
    }
}

impl Handshake {
    pub(super) fn new(
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Handshake, Error> {
        Ok(Handshake {
            conn: UnbufferedClientConnection::new(config, name)?,
        })
    }

    /// Moves the handshake on as far as the socket allows.
    pub(super) fn step(
        mut self: Box<Self>,
        socket: &Socket,
        inbox: &mut Inbox,
        outbox: &mut Outbox,
    ) -> Result<Step, Fault> {
        loop {
            if !outbox.flush(socket).map_err(Fault::Io)? {
                return Ok(Step::Waiting(self));
            }
            match self.advance(inbox, outbox)? {
                Progress::Again => {}
                Progress::Read => match inbox.read_from(socket, true) {
                    Ok(0) => return Err(Fault::Closed),
                    Ok(_) => {}
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                        return Ok(Step::Waiting(self));
                    }
                    Err(e) => return Err(Fault::Io(e)),
                },
                Progress::Done => break,
            }
        }
        // The client's last flight may still wait in the outbox; the
        // record layer flushes it before anything else.
        let resumed = self.conn.handshake_kind() == Some(HandshakeKind::Resumed);
        let tls13 = self.conn.protocol_version() == Some(ProtocolVersion::TLSv1_3);
        let (secrets, kernel) = self
            .conn
            .dangerous_into_kernel_connection()
            .map_err(Fault::Tls)?;
        let finished = Finished {
            secrets,
            kernel,
            tls13,
            resumed,
        };
        Ok(Step::Done(Box::new(finished)))
    }

    /// One turn of rustls's state machine.
    fn advance(&mut self, inbox: &mut Inbox, outbox: &mut Outbox) -> Result<Progress, Fault> {
        let status = self.conn.process_tls_records(inbox.filled());
        let discard = status.discard;
        let progress = match status.state {
            Err(e) => Err(e),
            Ok(ConnectionState::EncodeTlsData(mut data)) => {
                let mut want = 0;
                loop {
                    match data.encode(outbox.room(want, true)) {
                        Ok(n) => {
                            outbox.commit(n);
                            break Ok(Progress::Again);
                        }
                        Err(EncodeError::InsufficientSize(e)) if want == 0 => {
                            want = e.required_size;
                        }
                        Err(e) => break Err(Error::General(e.to_string())),
                    }
                }
            }
            Ok(ConnectionState::TransmitTlsData(data)) => {
                // The bytes are in the outbox; the next turn writes them.
                data.done();
                Ok(Progress::Again)
            }
            Ok(ConnectionState::BlockedHandshake) => Ok(Progress::Read),
            Ok(ConnectionState::WriteTraffic(_)) => Ok(Progress::Done),
            Ok(ConnectionState::PeerClosed | ConnectionState::Closed) => {
                inbox.consume(discard);
                return Err(Fault::Closed);
            }
            Ok(_) => Err(Error::General(
                "the server sent data before the handshake ended".to_string(),
            )),
        };
        inbox.consume(discard);
        match progress {
            Ok(progress) => Ok(progress),
            Err(e) => {
                self.queue_alert(outbox);
                Err(Fault::Tls(e))
            }
        }
    }

    /// Puts the alert rustls queued after an error in the outbox, so the
    /// server learns why the client leaves.
    fn queue_alert(&mut self, outbox: &mut Outbox) {
        let status = self.conn.process_tls_records(&mut []);
        if let Ok(ConnectionState::EncodeTlsData(mut data)) = status.state {
            if let Ok(n) = data.encode(outbox.room(64, true)) {
                outbox.commit(n);
            }
        }
    }
}

/// What the handshake needs next.
enum Progress {
    /// Another turn.
    Again,
    /// More bytes from the server.
    Read,
    /// Nothing: it is done.
    Done,
}
