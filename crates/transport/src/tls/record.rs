//! The TLS record layer once the handshake is done: sealing requests into
//! application-data records and opening the server's records, in place in
//! the caller's buffers, with the traffic keys rustls derived. TLS 1.3
//! (RFC 8446 §5.2) and TLS 1.2's AEAD suites (RFC 5246 §6.2.3.3, RFC 7905)
//! with AES-GCM and ChaCha20-Poly1305, the suites rustls negotiates.
//!
//! It knows records, keys and sequence numbers; not sockets, not the
//! handshake, not what the records carry.

use ring::aead::{
    AES_128_GCM, AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, NONCE_LEN, Nonce, UnboundKey,
};
use rustls::ConnectionTrafficSecrets;

/// A record's header: type, version, length.
pub(super) const HEADER: usize = 5;
/// The most plaintext one record carries.
pub(super) const MAX_PLAINTEXT: usize = 1 << 14;
/// An AEAD tag.
const TAG: usize = 16;
/// TLS 1.2 AES-GCM's explicit nonce, sent before each record's ciphertext.
const EXPLICIT_NONCE: usize = 8;
/// The longest record body opened: the plaintext with what TLS 1.3 may
/// add to it (content type, padding and tag: 256 bytes, RFC 8446 §5.2),
/// with room for TLS 1.2's explicit nonce and tag besides. Longer is not
/// a record.
pub(super) const MAX_BODY: usize = MAX_PLAINTEXT + 256 + TAG + EXPLICIT_NONCE;

/// A record's content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Content {
    /// An alert.
    Alert,
    /// A handshake message (after the handshake: tickets, key updates).
    Handshake,
    /// Application data.
    Data,
    /// Anything else.
    Other(u8),
}

impl Content {
    fn from_byte(byte: u8) -> Content {
        match byte {
            21 => Content::Alert,
            22 => Content::Handshake,
            23 => Content::Data,
            other => Content::Other(other),
        }
    }

    fn byte(self) -> u8 {
        match self {
            Content::Alert => 21,
            Content::Handshake => 22,
            Content::Data => 23,
            Content::Other(byte) => byte,
        }
    }
}

/// Which record format the keys are used with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    /// TLS 1.3: the content type inside the encryption.
    Tls13,
    /// TLS 1.2 AES-GCM: an explicit nonce before the ciphertext.
    Tls12Gcm,
    /// TLS 1.2 ChaCha20-Poly1305: the nonce from the sequence number.
    Tls12Chacha,
}

/// Why a record cannot be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Bad {
    /// Its header's version or length is not a TLS record's.
    Header,
    /// It does not decrypt: forged, corrupt or out of order.
    Decrypt,
    /// It decrypts to nothing but padding.
    NoContentType,
}

/// One direction's key, nonce base and next sequence number.
pub(super) struct Keys {
    key: LessSafeKey,
    iv: [u8; NONCE_LEN],
    seq: u64,
    format: Format,
}

impl std::fmt::Debug for Keys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keys")
            .field("seq", &self.seq)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

impl Keys {
    /// Keys from rustls's traffic secrets, starting at sequence `seq`;
    /// `None` for an algorithm this layer does not know. `tls13` says
    /// which version's format the records have.
    pub(super) fn new(secrets: &ConnectionTrafficSecrets, seq: u64, tls13: bool) -> Option<Keys> {
        let (algorithm, key, iv, format) = match secrets {
            ConnectionTrafficSecrets::Aes128Gcm { key, iv } => {
                (&AES_128_GCM, key, iv, Format::Tls12Gcm)
            }
            ConnectionTrafficSecrets::Aes256Gcm { key, iv } => {
                (&AES_256_GCM, key, iv, Format::Tls12Gcm)
            }
            ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } => {
                (&CHACHA20_POLY1305, key, iv, Format::Tls12Chacha)
            }
            _ => return None,
        };
        let format = if tls13 { Format::Tls13 } else { format };
        Keys::with(algorithm, key.as_ref(), iv.as_ref(), seq, format)
    }

    /// Keys for `algorithm` from the raw `key` and `iv`.
    fn with(
        algorithm: &'static ring::aead::Algorithm,
        key: &[u8],
        iv: &[u8],
        seq: u64,
        format: Format,
    ) -> Option<Keys> {
        let key = UnboundKey::new(algorithm, key).ok()?;
        Some(Keys {
            key: LessSafeKey::new(key),
            iv: iv.try_into().ok()?,
            seq,
            format,
        })
    }

    /// The sequence number of the next record.
    pub(super) fn seq(&self) -> u64 {
        self.seq
    }

    /// The nonce of the next record: the base with the sequence number
    /// folded into its last eight bytes.
    fn nonce(&self) -> [u8; NONCE_LEN] {
        let mut nonce = self.iv;
        for (n, s) in nonce.iter_mut().skip(4).zip(self.seq.to_be_bytes()) {
            *n ^= s;
        }
        nonce
    }

    /// TLS 1.2's additional data: sequence, type, version, plaintext length.
    fn aad12(&self, content: u8, len: usize) -> [u8; 13] {
        let mut aad = [0u8; 13];
        let len = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
        aad[..8].copy_from_slice(&self.seq.to_be_bytes());
        aad[8..].copy_from_slice(&[content, 3, 3, len[0], len[1]]);
        aad
    }

    /// The most a record of `plaintext` bytes takes.
    pub(super) fn sealed_len(&self, plaintext: usize) -> usize {
        HEADER
            + plaintext
            + TAG
            + match self.format {
                Format::Tls13 => 1,
                Format::Tls12Gcm => EXPLICIT_NONCE,
                Format::Tls12Chacha => 0,
            }
    }

    /// Where the plaintext of a record goes in the buffer handed to
    /// [`Keys::seal`].
    pub(super) fn plaintext_at(&self) -> usize {
        match self.format {
            Format::Tls12Gcm => HEADER + EXPLICIT_NONCE,
            _ => HEADER,
        }
    }

    /// Seals the `len` plaintext bytes already at [`Keys::plaintext_at`] of
    /// `out` into one record of `content` starting at `out[0]`; returns the
    /// record's length. `out` holds at least [`Keys::sealed_len`]`(len)`
    /// bytes and `len` is at most [`MAX_PLAINTEXT`].
    pub(super) fn seal(&mut self, content: Content, len: usize, out: &mut [u8]) -> Option<usize> {
        let total = self.sealed_len(len);
        let at = self.plaintext_at();
        let record = out.get_mut(..total)?;
        let nonce = Nonce::assume_unique_for_key(self.nonce());
        let body = u16::try_from(total - HEADER).ok()?.to_be_bytes();
        let outer = match self.format {
            Format::Tls13 => Content::Data.byte(),
            _ => content.byte(),
        };
        let header = [outer, 3, 3, body[0], body[1]];
        let (sealed, tag) = match self.format {
            Format::Tls13 => {
                *record.get_mut(at + len)? = content.byte();
                let sealed = at..at + len + 1;
                let tag = self
                    .key
                    .seal_in_place_separate_tag(nonce, Aad::from(header), record.get_mut(sealed)?)
                    .ok()?;
                (at + len + 1, tag)
            }
            Format::Tls12Gcm | Format::Tls12Chacha => {
                let aad = self.aad12(content.byte(), len);
                if self.format == Format::Tls12Gcm {
                    let explicit = self.nonce();
                    record
                        .get_mut(HEADER..at)?
                        .copy_from_slice(explicit.get(4..)?);
                }
                let tag = self
                    .key
                    .seal_in_place_separate_tag(
                        nonce,
                        Aad::from(aad),
                        record.get_mut(at..at + len)?,
                    )
                    .ok()?;
                (at + len, tag)
            }
        };
        record.get_mut(sealed..total)?.copy_from_slice(tag.as_ref());
        record.get_mut(..HEADER)?.copy_from_slice(&header);
        self.seq += 1;
        Some(total)
    }

    /// Opens the record whose header is `header` and whose body is `body`,
    /// in place: its content type and the range of `body` that now holds
    /// its plaintext.
    pub(super) fn open(
        &mut self,
        header: [u8; HEADER],
        body: &mut [u8],
    ) -> Result<(Content, std::ops::Range<usize>), Bad> {
        let [outer, major, _, ..] = header;
        if major != 3 || body.len() > MAX_BODY {
            return Err(Bad::Header);
        }
        let result = match self.format {
            Format::Tls13 => {
                let nonce = Nonce::assume_unique_for_key(self.nonce());
                let plain = self
                    .key
                    .open_in_place(nonce, Aad::from(header), body)
                    .map_err(|_| Bad::Decrypt)?;
                // The content type is the last byte that is not padding.
                let end = plain
                    .iter()
                    .rposition(|&b| b != 0)
                    .ok_or(Bad::NoContentType)?;
                let content = Content::from_byte(*plain.get(end).ok_or(Bad::NoContentType)?);
                (content, 0..end)
            }
            Format::Tls12Gcm | Format::Tls12Chacha => {
                let skip = if self.format == Format::Tls12Gcm {
                    EXPLICIT_NONCE
                } else {
                    0
                };
                let len = body.len().checked_sub(skip + TAG).ok_or(Bad::Header)?;
                let nonce = if skip == 0 {
                    self.nonce()
                } else {
                    let mut nonce = self.iv;
                    let explicit = body.get(..skip).ok_or(Bad::Header)?;
                    nonce
                        .get_mut(4..)
                        .ok_or(Bad::Header)?
                        .copy_from_slice(explicit);
                    nonce
                };
                let aad = self.aad12(outer, len);
                let sealed = body.get_mut(skip..).ok_or(Bad::Header)?;
                self.key
                    .open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), sealed)
                    .map_err(|_| Bad::Decrypt)?;
                (Content::from_byte(outer), skip..skip + len)
            }
        };
        self.seq += 1;
        Ok(result)
    }
}

/// The length of the body of the record whose header is `header`.
pub(super) fn body_len(header: [u8; HEADER]) -> usize {
    usize::from(u16::from_be_bytes([header[3], header[4]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(kind: u8, tls13: bool) -> (Keys, Keys) {
        let (algorithm, key_len, format) = match kind {
            0 => (&CHACHA20_POLY1305, 32, Format::Tls12Chacha),
            1 => (&AES_256_GCM, 32, Format::Tls12Gcm),
            _ => (&AES_128_GCM, 16, Format::Tls12Gcm),
        };
        let format = if tls13 { Format::Tls13 } else { format };
        let key = vec![7u8; key_len];
        let keys = || Keys::with(algorithm, &key, &[9u8; NONCE_LEN], 5, format).unwrap();
        (keys(), keys())
    }

    fn round_trip(sealer: &mut Keys, opener: &mut Keys, content: Content, text: &[u8]) {
        let mut buf = vec![0u8; sealer.sealed_len(text.len())];
        let at = sealer.plaintext_at();
        buf[at..at + text.len()].copy_from_slice(text);
        let n = sealer.seal(content, text.len(), &mut buf).unwrap();
        assert_eq!(n, buf.len());
        let header: [u8; HEADER] = buf[..HEADER].try_into().unwrap();
        assert_eq!(body_len(header), n - HEADER);
        let (got, range) = opener.open(header, &mut buf[HEADER..]).unwrap();
        assert_eq!(got, content);
        assert_eq!(&buf[HEADER..][range], text);
    }

    #[test]
    fn every_format_opens_what_it_seals_in_sequence() {
        for kind in 0..3 {
            for tls13 in [true, false] {
                let (mut sealer, mut opener) = pair(kind, tls13);
                for (i, content) in [Content::Data, Content::Alert, Content::Handshake]
                    .into_iter()
                    .enumerate()
                {
                    let text = vec![i as u8 + 1; 100 * i];
                    round_trip(&mut sealer, &mut opener, content, &text);
                }
                assert_eq!((sealer.seq(), opener.seq()), (8, 8));
            }
        }
    }

    #[test]
    fn a_changed_byte_or_a_skipped_record_does_not_open() {
        let (mut sealer, mut opener) = pair(1, true);
        let mut buf = vec![0u8; sealer.sealed_len(4)];
        buf[HEADER..HEADER + 4].copy_from_slice(b"abcd");
        sealer.seal(Content::Data, 4, &mut buf).unwrap();
        let header: [u8; HEADER] = buf[..HEADER].try_into().unwrap();
        let mut corrupt = buf.clone();
        corrupt[HEADER + 1] ^= 1;
        assert_eq!(
            opener.open(header, &mut corrupt[HEADER..]).unwrap_err(),
            Bad::Decrypt
        );
        // Out of order: the opener's sequence moved on past this record.
        let (_, mut later) = pair(1, true);
        later.seq = 6;
        assert_eq!(
            later.open(header, &mut buf[HEADER..]).unwrap_err(),
            Bad::Decrypt
        );
        let mut bad = header;
        bad[1] = 2;
        assert_eq!(
            opener.open(bad, &mut buf[HEADER..]).unwrap_err(),
            Bad::Header
        );
    }

    #[test]
    fn tls13_records_look_like_application_data() {
        let (mut sealer, _) = pair(0, true);
        let mut buf = vec![0u8; sealer.sealed_len(2)];
        sealer.seal(Content::Alert, 2, &mut buf).unwrap();
        assert_eq!(&buf[..3], &[23, 3, 3]);
        let (mut sealer, _) = pair(1, false);
        let mut buf = vec![0u8; sealer.sealed_len(2)];
        sealer.seal(Content::Alert, 2, &mut buf).unwrap();
        assert_eq!(&buf[..3], &[21, 3, 3]);
    }
}
