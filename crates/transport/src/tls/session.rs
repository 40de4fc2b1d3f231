//! One socket's TLS session: the handshake, and requests and replies
//! through it, over a non-blocking socket whose readiness is
//! edge-triggered — so every call reads and writes until the socket would
//! block, or until it has what was asked for.

use std::io::{self, IoSlice, Read, Write};
use std::sync::Arc;

use rustls::pki_types::ServerName;
use rustls::{ClientConfig, ClientConnection, HandshakeKind};
use socket2::Socket;

/// The most slices handed to TLS at once: a whole batch of requests, so
/// that it goes in as few records as their size allows.
const TLS_SLICES: usize = 64;

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

/// A TLS client session over one socket.
#[derive(Debug)]
pub(crate) struct Session {
    conn: ClientConnection,
}

impl Session {
    /// A session that will greet `name`.
    pub(super) fn new(
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Session, rustls::Error> {
        Ok(Session {
            conn: ClientConnection::new(config, name)?,
        })
    }

    /// Whether the handshake resumed an earlier session.
    pub(crate) fn resumed(&self) -> bool {
        self.conn.handshake_kind() == Some(HandshakeKind::Resumed)
    }

    /// Moves the handshake on as far as the socket allows: true once it is
    /// done (the next call can send).
    pub(crate) fn handshake(&mut self, socket: &Socket) -> Result<bool, Fault> {
        loop {
            if !self.flush(socket)? {
                return Ok(false);
            }
            if !self.conn.is_handshaking() {
                return Ok(true);
            }
            if !self.fill(socket)? {
                return Ok(false);
            }
        }
    }

    /// Encrypts the request `bufs` from byte `*written` on and writes it:
    /// true once all of it is on the socket. `*written` counts the request
    /// bytes handed to TLS so far.
    pub(crate) fn send(
        &mut self,
        socket: &Socket,
        bufs: &[&[u8]],
        written: &mut usize,
    ) -> Result<bool, Fault> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        loop {
            // Whatever TLS took (a slice limit, its buffer's) goes out
            // before more is handed over; readiness is edge-triggered, so
            // nothing may be left while the socket can still take it.
            if !self.flush(socket)? {
                return Ok(false);
            }
            if *written >= total {
                return Ok(true);
            }
            let mut slices = [IoSlice::new(&[]); TLS_SLICES];
            let count = crate::sock::slices_from(bufs, *written, &mut slices);
            let ready = slices.get(..count).unwrap_or_default();
            let n = self
                .conn
                .writer()
                .write_vectored(ready)
                .map_err(Fault::Io)?;
            if n == 0 && !self.conn.wants_write() {
                return Err(Fault::Io(io::Error::new(
                    io::ErrorKind::WriteZero,
                    "TLS took none of the request",
                )));
            }
            *written += n;
        }
    }

    /// Reads what has arrived into `buf`: `None` when nothing has.
    pub(crate) fn recv(&mut self, socket: &Socket, buf: &mut [u8]) -> Result<Option<usize>, Fault> {
        loop {
            match self.conn.reader().read(buf) {
                Ok(0) if !buf.is_empty() => return Err(Fault::Closed),
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Err(Fault::Closed),
                Err(e) => return Err(Fault::Io(e)),
            }
            if !self.fill(socket)? {
                return Ok(None);
            }
            // What the records asked for (a key update, an alert) goes now
            // or with the next request.
            self.flush(socket)?;
        }
    }

    /// Tells the server the session ends (`close_notify`), as far as the
    /// socket takes it without waiting.
    pub(crate) fn close(&mut self, socket: &Socket) {
        self.conn.send_close_notify();
        let _ = self.flush(socket);
    }

    /// Writes the TLS data waiting to go: true once none is left, false when
    /// the socket would block.
    fn flush(&mut self, socket: &Socket) -> Result<bool, Fault> {
        while self.conn.wants_write() {
            let mut writer: &Socket = socket;
            match self.conn.write_tls(&mut writer) {
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(e)),
            }
        }
        Ok(true)
    }

    /// Reads TLS records from the socket and processes them: false when
    /// the socket has nothing more.
    fn fill(&mut self, socket: &Socket) -> Result<bool, Fault> {
        loop {
            let mut reader: &Socket = socket;
            match self.conn.read_tls(&mut reader) {
                Ok(0) => return Err(Fault::Closed),
                Ok(_) => {
                    if let Err(e) = self.conn.process_new_packets() {
                        // The alert rustls queued tells the server why.
                        let _ = self.flush(socket);
                        return Err(Fault::Tls(e));
                    }
                    return Ok(true);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Fault::Io(e)),
            }
        }
    }
}
