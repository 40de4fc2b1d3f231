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

/// Whether any byte of `key` is refused, eight bytes a step: a byte below
/// 0x21 (ASCII bytes only; those of 0x80 and up are accepted) or equal to
/// 0x7f sets its high bit in `below | del`.
fn has_refused_byte(key: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    let words = key.chunks_exact(8);
    let tail = words.remainder();
    let word_refused = |chunk: &[u8]| {
        let x = u64::from_ne_bytes(chunk.try_into().unwrap_or([0; 8]));
        let below = x.wrapping_sub(ONES * 0x21) & !x & HIGH;
        let y = x ^ (ONES * 0x7f);
        let del = y.wrapping_sub(ONES) & !y & HIGH;
        below | del != 0
    };
    let mut words = words;
    words.any(word_refused) || tail.iter().any(|&b| refused(b))
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
        for len in 1..=40 {
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
