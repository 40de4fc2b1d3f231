//! Key validation shared by the text and binary encoders.

use core::fmt;

/// The longest key memcached accepts, in bytes.
pub const MAX_KEY_LEN: usize = 250;

/// Why a key was refused by an encoder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyError {
    /// The key has no bytes.
    Empty,
    /// The key is longer than [`MAX_KEY_LEN`] bytes.
    TooLong {
        /// The key's length in bytes.
        len: usize,
    },
    /// The key holds a space, a control byte or DEL, which the text protocol
    /// cannot carry.
    InvalidByte {
        /// Where in the key the byte stands.
        position: usize,
        /// The byte itself.
        byte: u8,
    },
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyError::Empty => f.write_str("key is empty"),
            KeyError::TooLong { len } => {
                write!(
                    f,
                    "key is {len} bytes long; at most {MAX_KEY_LEN} are accepted"
                )
            }
            KeyError::InvalidByte { position, byte } => write!(
                f,
                "key byte {position} is 0x{byte:02x}; spaces and control bytes are not accepted"
            ),
        }
    }
}

impl core::error::Error for KeyError {}

/// A key that appends its own bytes to an encoder's buffer, so that a key
/// kept in pieces (a common prefix, a number, a suffix) is written once,
/// where it goes, and not joined in a buffer of its own first. Every
/// `AsRef<[u8]>` is one; the text protocol's retrievals take any.
///
/// The encoder checks the bytes written as it would check a key given
/// whole, and takes them back when they are refused. A key whose bytes are
/// printable by construction says so ([`WriteKey::is_printable`]), and
/// only its length is checked.
///
/// ```
/// use memaslap_proto::{ascii, WriteKey};
///
/// /// A key made of a name and a number, never joined.
/// struct Numbered<'a>(&'a [u8], u32);
///
/// impl WriteKey for Numbered<'_> {
///     fn write_key(&self, out: &mut Vec<u8>) {
///         out.extend_from_slice(self.0);
///         memaslap_proto::push_decimal(out, u64::from(self.1));
///     }
/// }
///
/// let mut out = Vec::new();
/// ascii::encode_get(&mut out, [Numbered(b"user:", 42)])?;
/// assert_eq!(out, b"get user:42\r\n");
/// # Ok::<(), ascii::EncodeError>(())
/// ```
pub trait WriteKey {
    /// Appends the key's bytes to `out`.
    fn write_key(&self, out: &mut Vec<u8>);

    /// Whether every byte [`WriteKey::write_key`] writes is known, without
    /// looking, to be printable ASCII (`!` to `~`), as when the key is made
    /// of pieces each checked once, or drawn from a printable alphabet.
    /// The text protocol's encoders then check only the key's length
    /// instead of every byte. The default, `false`, has every byte checked.
    ///
    /// Like [`ExactSizeIterator::len`], this is a promise the encoder
    /// believes: a key that answers `true` and writes a space, a control
    /// byte or DEL is sent as written, and the server refuses the request
    /// (or reads the rest of the line as another key). Memory safety never
    /// depends on it.
    ///
    /// ```
    /// use memaslap_proto::{ascii, WriteKey};
    ///
    /// /// A key of letters from a fixed alphabet, by index.
    /// struct Letters<'a>(&'a [u8]);
    ///
    /// impl WriteKey for Letters<'_> {
    ///     fn write_key(&self, out: &mut Vec<u8>) {
    ///         out.extend(self.0.iter().map(|&i| b'a' + i % 26));
    ///     }
    ///     fn is_printable(&self) -> bool {
    ///         true
    ///     }
    /// }
    ///
    /// let mut out = Vec::new();
    /// ascii::encode_get(&mut out, [Letters(&[7, 8])])?;
    /// assert_eq!(out, b"get hi\r\n");
    /// // The length is still checked.
    /// let long = [0u8; 251];
    /// assert!(ascii::encode_get(&mut out, [Letters(&long)]).is_err());
    /// # Ok::<(), ascii::EncodeError>(())
    /// ```
    #[inline]
    fn is_printable(&self) -> bool {
        false
    }
}

impl<T: AsRef<[u8]> + ?Sized> WriteKey for T {
    #[inline]
    fn write_key(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(self.as_ref());
    }
}

/// Checks `written`, the bytes `key` just wrote, as a text key: its length
/// alone when the key is printable by construction
/// ([`WriteKey::is_printable`]), else every byte too.
#[inline]
pub(crate) fn check_written_text_key<K: WriteKey + ?Sized>(
    key: &K,
    written: &[u8],
) -> Result<(), KeyError> {
    if key.is_printable() {
        check_binary_key(written)
    } else {
        check_text_key(written)
    }
}

/// Checks a key for the text protocol: 1 to 250 bytes, none of them a space,
/// a control byte (below 0x21) or DEL (0x7f).
///
/// ```
/// use memaslap_proto::{check_text_key, KeyError};
/// assert_eq!(check_text_key(b"user:42"), Ok(()));
/// assert_eq!(check_text_key(b"a b"), Err(KeyError::InvalidByte { position: 1, byte: b' ' }));
/// ```
pub fn check_text_key(key: &[u8]) -> Result<(), KeyError> {
    check_binary_key(key)?;
    if !has_refused_byte(key) {
        return Ok(());
    }
    match key.iter().position(|&b| refused(b)) {
        Some(position) => Err(KeyError::InvalidByte {
            position,
            byte: key.get(position).copied().unwrap_or_default(),
        }),
        None => Ok(()),
    }
}

/// Whether the text protocol refuses `b` in a key.
fn refused(b: u8) -> bool {
    b <= b' ' || b == 0x7f
}

/// Whether any byte of `key` is refused, sixteen bytes a step: a step ORs
/// the verdicts of a fixed-size block without branching, which the compiler
/// turns into a few vector instructions (SSE2 on every x86_64). The last
/// block ends at the key's end, overlapping the one before it.
fn has_refused_byte(key: &[u8]) -> bool {
    let block_refused =
        |block: &[u8; 16]| block.iter().fold(0u8, |acc, &b| acc | u8::from(refused(b))) != 0;
    let Some(last) = key.last_chunk::<16>() else {
        return key.iter().any(|&b| refused(b));
    };
    key.chunks_exact(16)
        .any(|chunk| chunk.first_chunk::<16>().is_some_and(block_refused))
        || block_refused(last)
}

/// Checks a key for the binary protocol: 1 to 250 bytes of any value.
///
/// ```
/// use memaslap_proto::{check_binary_key, KeyError};
/// assert_eq!(check_binary_key(b"a b"), Ok(()));
/// assert_eq!(check_binary_key(b""), Err(KeyError::Empty));
/// ```
pub fn check_binary_key(key: &[u8]) -> Result<(), KeyError> {
    if key.is_empty() {
        Err(KeyError::Empty)
    } else if key.len() > MAX_KEY_LEN {
        Err(KeyError::TooLong { len: key.len() })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_byte_is_found_in_every_position() {
        for len in 1..=70 {
            for at in 0..len {
                for byte in 0..=255u8 {
                    let mut key = vec![b'k'; len];
                    key[at] = byte;
                    let want = if refused(byte) {
                        Err(KeyError::InvalidByte { position: at, byte })
                    } else {
                        Ok(())
                    };
                    assert_eq!(check_text_key(&key), want, "{key:?}");
                }
            }
        }
    }

    #[test]
    fn text_keys() {
        assert_eq!(check_text_key(&[b'k'; 250]), Ok(()));
        assert_eq!(
            check_text_key(&[b'k'; 251]),
            Err(KeyError::TooLong { len: 251 })
        );
        assert_eq!(check_text_key(b""), Err(KeyError::Empty));
        for bad in [0u8, b'\r', b'\n', b'\t', b' ', 0x7f] {
            assert_eq!(
                check_text_key(&[b'a', bad]),
                Err(KeyError::InvalidByte {
                    position: 1,
                    byte: bad
                })
            );
        }
        assert_eq!(check_text_key("ключ".as_bytes()), Ok(()));
    }

    #[test]
    fn binary_keys() {
        assert_eq!(check_binary_key(b"a\r\n b"), Ok(()));
        assert_eq!(
            check_binary_key(&[0; 251]),
            Err(KeyError::TooLong { len: 251 })
        );
    }
}
