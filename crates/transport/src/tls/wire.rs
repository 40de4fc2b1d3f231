//! The two byte buffers between a TLS session and its socket: what has
//! arrived and not been processed ([`Inbox`]), and what is sealed and not
//! yet written ([`Outbox`]). Both are sized when the session starts and
//! grow only during the handshake, so no request allocates.

use std::io;

use socket2::Socket;

use super::record::{HEADER, MAX_BODY};

/// Room for two whole records: one being read, the start of the next.
pub(super) const CAPACITY: usize = 2 * (HEADER + MAX_BODY);
/// The most a handshake may need (a long certificate chain in one message).
pub(super) const MAX_CAPACITY: usize = 1 << 20;

/// Bytes read from the socket, `buf[start..end]` not yet processed.
#[derive(Debug)]
pub(super) struct Inbox {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

impl Inbox {
    pub(super) fn new() -> Inbox {
        Inbox {
            buf: vec![0; CAPACITY],
            start: 0,
            end: 0,
        }
    }

    /// The bytes not yet processed.
    pub(super) fn filled(&mut self) -> &mut [u8] {
        self.buf.get_mut(self.start..self.end).unwrap_or_default()
    }

    /// Marks the first `n` unprocessed bytes processed.
    pub(super) fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Reads what the socket has (once): `Ok(0)` at the end of the
    /// stream. Room is made by moving the unprocessed bytes to the front,
    /// and, when `grow` allows, by doubling the buffer up to
    /// [`MAX_CAPACITY`]; a full buffer is an `OutOfMemory` error.
    pub(super) fn read_from(&mut self, socket: &Socket, grow: bool) -> io::Result<usize> {
        if self.end == self.buf.len() {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        if self.end == self.buf.len() {
            if !grow || self.buf.len() >= MAX_CAPACITY {
                return Err(io::Error::new(
                    io::ErrorKind::OutOfMemory,
                    "a TLS message larger than the receive buffer",
                ));
            }
            self.buf.resize(self.buf.len() * 2, 0);
        }
        loop {
            match crate::sock::recv(socket, self.buf.get_mut(self.end..).unwrap_or_default()) {
                Ok(n) => {
                    self.end += n;
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }
}

/// Sealed records, `buf[sent..len]` not yet written.
#[derive(Debug)]
pub(super) struct Outbox {
    buf: Vec<u8>,
    sent: usize,
    len: usize,
}

impl Outbox {
    pub(super) fn new() -> Outbox {
        Outbox {
            buf: vec![0; CAPACITY],
            sent: 0,
            len: 0,
        }
    }

    /// Whether nothing waits to be written.
    pub(super) fn is_empty(&self) -> bool {
        self.sent == self.len
    }

    /// The free space after what waits, grown to at least `want` bytes
    /// when `grow` allows (the handshake); otherwise as it is.
    pub(super) fn room(&mut self, want: usize, grow: bool) -> &mut [u8] {
        if self.is_empty() {
            self.sent = 0;
            self.len = 0;
        }
        if grow && self.buf.len() - self.len < want {
            self.buf.resize(self.len + want, 0);
        }
        self.buf.get_mut(self.len..).unwrap_or_default()
    }

    /// Marks `n` bytes of the room filled.
    pub(super) fn commit(&mut self, n: usize) {
        self.len = (self.len + n).min(self.buf.len());
    }

    /// Writes what waits: `Ok(true)` once all is written, `Ok(false)` when
    /// the socket would block first.
    pub(super) fn flush(&mut self, socket: &Socket) -> io::Result<bool> {
        while self.sent < self.len {
            match crate::sock::send(
                socket,
                self.buf.get(self.sent..self.len).unwrap_or_default(),
            ) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.sent = 0;
        self.len = 0;
        Ok(true)
    }
}
