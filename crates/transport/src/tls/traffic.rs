//! A session after its handshake: requests sealed into records straight
//! into the outbox, replies opened in place in the inbox, and the few
//! messages TLS still sends then — session tickets (kept by rustls for
//! resumption), key updates, alerts. Nothing here allocates.

use std::io;
use std::ops::Range;

use rustls::client::ClientConnectionData;
use rustls::kernel::KernelConnection;
use rustls::{AlertDescription, Error, SupportedCipherSuite};
use socket2::Socket;

use super::handshake::Finished;
use super::record::{self, Bad, Content, HEADER, Keys, MAX_PLAINTEXT};
use super::session::Fault;
use super::wire::{Inbox, Outbox};

/// TLS 1.3 handshake message types seen after the handshake.
const NEW_SESSION_TICKET: u8 = 4;
const KEY_UPDATE: u8 = 24;
/// TLS 1.2's request to renegotiate, which a client may ignore.
const HELLO_REQUEST: u8 = 0;
/// Records sealed under one key before it is replaced, below every
/// suite's limit with room to spare.
const REKEY_MARGIN: u64 = 1 << 16;

/// The record layer of one session.
pub(super) struct Traffic {
    seal: Keys,
    open: Keys,
    kernel: KernelConnection<ClientConnectionData>,
    tls13: bool,
    /// Records to seal under one key before replacing it.
    limit: u64,
    /// The server asked for a key update not yet sent.
    owe_update: bool,
    /// Opened plaintext not yet handed out, within the inbox's unprocessed
    /// bytes, and the length of the record holding it.
    plain: Range<usize>,
    record: usize,
}

impl std::fmt::Debug for Traffic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Traffic")
            .field("seal", &self.seal)
            .field("open", &self.open)
            .finish_non_exhaustive()
    }
}

impl Traffic {
    /// The record layer with the keys of a finished handshake.
    pub(super) fn new(finished: Finished) -> Result<Traffic, Fault> {
        let Finished {
            secrets,
            kernel,
            tls13,
            ..
        } = finished;
        let unknown = || {
            Fault::Tls(Error::General(format!(
                "cipher suite {:?} is not supported",
                kernel.negotiated_cipher_suite().suite()
            )))
        };
        let seal = Keys::new(&secrets.tx.1, secrets.tx.0, tls13).ok_or_else(unknown)?;
        let open = Keys::new(&secrets.rx.1, secrets.rx.0, tls13).ok_or_else(unknown)?;
        let limit = match kernel.negotiated_cipher_suite() {
            SupportedCipherSuite::Tls13(s) => s.common.confidentiality_limit,
            SupportedCipherSuite::Tls12(s) => s.common.confidentiality_limit,
        };
        Ok(Traffic {
            seal,
            open,
            kernel,
            tls13,
            limit: limit.saturating_sub(REKEY_MARGIN).max(1),
            owe_update: false,
            plain: 0..0,
            record: 0,
        })
    }

    /// Replaces the sending key after every `records` records.
    #[cfg(test)]
    pub(super) fn set_record_limit(&mut self, records: u64) {
        self.limit = records;
    }

    /// Seals the request `bufs` from byte `*written` on and writes it:
    /// true once all of it is on the socket.
    pub(super) fn send(
        &mut self,
        socket: &Socket,
        outbox: &mut Outbox,
        bufs: &[&[u8]],
        written: &mut usize,
    ) -> Result<bool, Fault> {
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        loop {
            if !outbox.flush(socket).map_err(Fault::Io)? {
                return Ok(false);
            }
            self.settle(outbox)?;
            if *written >= total {
                return outbox.flush(socket).map_err(Fault::Io);
            }
            // As many whole records as the outbox holds, then write them.
            while *written < total {
                let len = (total - *written).min(MAX_PLAINTEXT);
                let at = self.seal.plaintext_at();
                let room = outbox.room(0, false);
                if room.len() < self.seal.sealed_len(len) {
                    break;
                }
                let text = room.get_mut(at..at + len).unwrap_or_default();
                gather(bufs, *written, text);
                let n = self.seal(Content::Data, len, room)?;
                outbox.commit(n);
                *written += len;
                self.settle(outbox)?;
            }
        }
    }

    /// Reads what has arrived into `buf`: `None` when nothing has.
    pub(super) fn recv(
        &mut self,
        socket: &Socket,
        inbox: &mut Inbox,
        outbox: &mut Outbox,
        buf: &mut [u8],
    ) -> Result<Option<usize>, Fault> {
        loop {
            if !self.plain.is_empty() {
                let start = self.plain.start;
                let n = self.plain.len().min(buf.len());
                let text = inbox.filled().get(start..start + n).unwrap_or_default();
                buf.get_mut(..n).unwrap_or_default().copy_from_slice(text);
                self.plain.start += n;
                if self.plain.is_empty() {
                    inbox.consume(self.record);
                }
                return Ok(Some(n));
            }
            if self.open_next(inbox)? {
                continue;
            }
            match inbox.read_from(socket, false) {
                Ok(0) => return Err(Fault::Closed),
                Ok(_) => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    // A key update the server asked for goes now, or
                    // with the next request.
                    self.settle(outbox)?;
                    outbox.flush(socket).map_err(Fault::Io)?;
                    return Ok(None);
                }
                Err(e) => return Err(Fault::Io(e)),
            }
        }
    }

    /// Tells the server the session ends, as far as the socket takes it.
    pub(super) fn close(&mut self, socket: &Socket, outbox: &mut Outbox) {
        let room = outbox.room(0, false);
        let at = self.seal.plaintext_at();
        if let Some(alert) = room.get_mut(at..at + 2) {
            alert.copy_from_slice(&[1, u8::from(AlertDescription::CloseNotify)]);
            if let Ok(n) = self.seal(Content::Alert, 2, room) {
                outbox.commit(n);
            }
        }
        let _ = outbox.flush(socket);
    }

    /// Opens the next whole record in the inbox, if there is one, and
    /// deals with what it holds: true when it did.
    fn open_next(&mut self, inbox: &mut Inbox) -> Result<bool, Fault> {
        let filled = inbox.filled();
        let Some(header) = filled
            .get(..HEADER)
            .and_then(|h| <[u8; HEADER]>::try_from(h).ok())
        else {
            return Ok(false);
        };
        let total = HEADER + record::body_len(header);
        let Some(body) = filled.get_mut(HEADER..total) else {
            if total > HEADER + record::MAX_BODY {
                return Err(bad(Bad::Header));
            }
            return Ok(false);
        };
        let (content, range) = self.open.open(header, body).map_err(bad)?;
        let text = body.get(range.clone()).unwrap_or_default();
        match content {
            Content::Data => {
                self.plain = HEADER + range.start..HEADER + range.end;
                self.record = total;
                if self.plain.is_empty() {
                    inbox.consume(total);
                }
                return Ok(true);
            }
            Content::Handshake => self.post_handshake(text)?,
            Content::Alert => return Err(alert(text)),
            Content::Other(kind) => {
                return Err(Fault::Tls(Error::General(format!(
                    "a record of content type {kind} after the handshake"
                ))));
            }
        }
        inbox.consume(total);
        Ok(true)
    }

    /// The handshake messages of one record after the handshake.
    fn post_handshake(&mut self, mut messages: &[u8]) -> Result<(), Fault> {
        while let [kind, a, b, c, rest @ ..] = messages {
            let len = usize::from(*a) << 16 | usize::from(*b) << 8 | usize::from(*c);
            let (payload, rest) = rest.split_at_checked(len).ok_or_else(|| {
                Fault::Tls(Error::General(
                    "a handshake message split across records after the handshake".to_string(),
                ))
            })?;
            messages = rest;
            match (*kind, self.tls13) {
                (NEW_SESSION_TICKET, true) => self
                    .kernel
                    .handle_new_session_ticket(payload)
                    .map_err(Fault::Tls)?,
                (KEY_UPDATE, true) => {
                    let (seq, secrets) = self.kernel.update_rx_secret().map_err(Fault::Tls)?;
                    self.open = Keys::new(&secrets, seq, true).ok_or(Fault::Tls(
                        Error::General("a key update failed".to_string()),
                    ))?;
                    match payload {
                        [0] => {}
                        [1] => self.owe_update = true,
                        _ => return Err(bad(Bad::Header)),
                    }
                }
                (HELLO_REQUEST, false) => {}
                (other, _) => {
                    return Err(Fault::Tls(Error::General(format!(
                        "handshake message {other} after the handshake"
                    ))));
                }
            }
        }
        if messages.is_empty() {
            Ok(())
        } else {
            Err(bad(Bad::Header))
        }
    }

    /// Sends the key update the server asked for, or the one its own
    /// sending key is due for after as many records as its suite allows,
    /// when the outbox has room for it.
    fn settle(&mut self, outbox: &mut Outbox) -> Result<(), Fault> {
        // TLS 1.2 has no key update: `seal` refuses the next record.
        let due = self.tls13 && self.seal.seq() >= self.limit;
        if !self.owe_update && !due {
            return Ok(());
        }
        let room = outbox.room(0, false);
        if room.len() < self.seal.sealed_len(5) {
            return Ok(());
        }
        self.owe_update = false;
        let n = self.update_tx(room)?;
        outbox.commit(n);
        Ok(())
    }

    /// Seals one record into `out`, which starts with room for its header
    /// and holds its plaintext after.
    fn seal(&mut self, content: Content, len: usize, out: &mut [u8]) -> Result<usize, Fault> {
        if !self.tls13 && content == Content::Data && self.seal.seq() >= self.limit {
            return Err(Fault::Tls(Error::General(
                "the cipher suite's record limit is reached; the connection must end".to_string(),
            )));
        }
        self.seal
            .seal(content, len, out)
            .ok_or(Fault::Io(io::ErrorKind::WriteZero.into()))
    }

    /// Seals a key update (not asking the server for one) into `out` and
    /// replaces the sending key: the record's length.
    fn update_tx(&mut self, out: &mut [u8]) -> Result<usize, Fault> {
        let at = self.seal.plaintext_at();
        out.get_mut(at..at + 5)
            .ok_or(Fault::Io(io::ErrorKind::WriteZero.into()))?
            .copy_from_slice(&[KEY_UPDATE, 0, 0, 1, 0]);
        let n = self
            .seal
            .seal(Content::Handshake, 5, out)
            .ok_or(Fault::Io(io::ErrorKind::WriteZero.into()))?;
        let (seq, secrets) = self.kernel.update_tx_secret().map_err(Fault::Tls)?;
        self.seal = Keys::new(&secrets, seq, true).ok_or(Fault::Tls(Error::General(
            "a key update failed".to_string(),
        )))?;
        Ok(n)
    }
}

/// Copies `bufs` from byte `skip` of their concatenation into `out`.
fn gather(bufs: &[&[u8]], skip: usize, out: &mut [u8]) {
    let mut skip = skip;
    let mut at = 0;
    for buf in bufs {
        let Some(rest) = buf.get(skip..) else {
            skip -= buf.len();
            continue;
        };
        skip = 0;
        let n = rest.len().min(out.len() - at);
        if let (Some(dst), Some(src)) = (out.get_mut(at..at + n), rest.get(..n)) {
            dst.copy_from_slice(src);
        }
        at += n;
        if at == out.len() {
            break;
        }
    }
}

/// A record that cannot be opened.
fn bad(why: Bad) -> Fault {
    Fault::Tls(match why {
        Bad::Decrypt => Error::DecryptError,
        Bad::Header => Error::General("a malformed TLS record after the handshake".to_string()),
        Bad::NoContentType => Error::General("a TLS record with no content type".to_string()),
    })
}

/// The alert `text` the server sent.
fn alert(text: &[u8]) -> Fault {
    match text {
        [_, 0] => Fault::Closed,
        [_, description] => Fault::Tls(Error::AlertReceived(AlertDescription::from(*description))),
        _ => bad(Bad::Header),
    }
}
