//! Requests: the general encoder and the rules every opcode imposes on key,
//! extras and value.

use core::fmt;

use zerocopy::IntoBytes;
use zerocopy::byteorder::network_endian::{U16, U32, U64};

use super::header::{DATA_TYPE_RAW, HEADER_LEN, REQUEST_MAGIC, RequestHeader};
use super::opcode::Opcode;
use crate::{KeyError, check_binary_key};

/// The extras section of a request: fixed-size fields between header and key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extras {
    /// No extras.
    None,
    /// SET, ADD, REPLACE and their quiet forms: 8 bytes.
    Store {
        /// Opaque flags stored with the item and returned by GET.
        flags: u32,
        /// Expiration: seconds from now, an absolute Unix time, or 0 for never.
        exptime: u32,
    },
    /// INCREMENT, DECREMENT and their quiet forms: 20 bytes.
    Counter {
        /// The amount to add or subtract.
        delta: u64,
        /// The value to create the counter with when the key is absent.
        initial: u64,
        /// Expiration of a created counter; `0xffff_ffff` means fail with
        /// [`Status::KeyNotFound`](super::Status::KeyNotFound) instead of
        /// creating.
        exptime: u32,
    },
    /// TOUCH and the GAT family (the new expiration), or FLUSH (the delay
    /// in seconds): 4 bytes.
    Expiry(u32),
    /// VERBOSITY: the new level, 4 bytes.
    Verbosity(u32),
}

impl Extras {
    /// The number of bytes the extras take on the wire.
    pub const fn len(&self) -> usize {
        match self {
            Extras::None => 0,
            Extras::Store { .. } => 8,
            Extras::Counter { .. } => 20,
            Extras::Expiry(_) | Extras::Verbosity(_) => 4,
        }
    }

    /// Whether there are no extras.
    pub const fn is_empty(&self) -> bool {
        matches!(self, Extras::None)
    }

    fn write(&self, out: &mut Vec<u8>) {
        match *self {
            Extras::None => {}
            Extras::Store { flags, exptime } => {
                out.extend_from_slice(&flags.to_be_bytes());
                out.extend_from_slice(&exptime.to_be_bytes());
            }
            Extras::Counter {
                delta,
                initial,
                exptime,
            } => {
                out.extend_from_slice(&delta.to_be_bytes());
                out.extend_from_slice(&initial.to_be_bytes());
                out.extend_from_slice(&exptime.to_be_bytes());
            }
            Extras::Expiry(n) | Extras::Verbosity(n) => out.extend_from_slice(&n.to_be_bytes()),
        }
    }

    /// Whether `opcode` takes extras of this shape.
    fn fit(&self, opcode: Opcode) -> bool {
        use Opcode::*;
        match self {
            Extras::None => {
                !matches!(
                    opcode,
                    Set | Add
                        | Replace
                        | SetQ
                        | AddQ
                        | ReplaceQ
                        | Increment
                        | Decrement
                        | IncrementQ
                        | DecrementQ
                        | Touch
                        | Verbosity
                ) && !opcode.is_retrieval_with_expiry()
            }
            Extras::Store { .. } => matches!(opcode, Set | Add | Replace | SetQ | AddQ | ReplaceQ),
            Extras::Counter { .. } => opcode.is_counter(),
            Extras::Expiry(_) => {
                matches!(opcode, Touch | Flush | FlushQ) || opcode.is_retrieval_with_expiry()
            }
            Extras::Verbosity(_) => opcode == Verbosity,
        }
    }
}

impl Opcode {
    const fn is_retrieval_with_expiry(self) -> bool {
        matches!(
            self,
            Opcode::Gat | Opcode::GatQ | Opcode::GatK | Opcode::GatKQ
        )
    }

    /// What the opcode demands of the key: `Some(true)` a key, `Some(false)`
    /// no key, `None` either (STAT's optional group).
    const fn needs_key(self) -> Option<bool> {
        use Opcode::*;
        match self {
            Stat => None,
            Quit | QuitQ | Flush | FlushQ | Noop | Version | Verbosity | SaslListMechs => {
                Some(false)
            }
            _ => Some(true),
        }
    }

    /// Whether a value follows the key.
    const fn carries_value(self) -> bool {
        use Opcode::*;
        matches!(
            self,
            Set | Add
                | Replace
                | SetQ
                | AddQ
                | ReplaceQ
                | Append
                | Prepend
                | AppendQ
                | PrependQ
                | SaslAuth
                | SaslStep
        )
    }
}

/// One request, described field by field; [`encode_request`] checks it
/// against its opcode's rules and writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    /// The command.
    pub opcode: Opcode,
    /// The key; empty for commands without one.
    pub key: &'a [u8],
    /// The extras, whose shape must fit the opcode.
    pub extras: Extras,
    /// The length of the value the caller sends after the encoded bytes;
    /// 0 for commands without a value.
    pub value_len: usize,
    /// Copied by the server into the response.
    pub opaque: u32,
    /// The CAS token to check, or 0.
    pub cas: u64,
    /// The virtual bucket; 0 for plain memcached.
    pub vbucket: u16,
}

impl<'a> Request<'a> {
    /// A request with no key, extras or value, opaque, CAS and vbucket 0.
    pub const fn new(opcode: Opcode) -> Request<'a> {
        Request {
            opcode,
            key: &[],
            extras: Extras::None,
            value_len: 0,
            opaque: 0,
            cas: 0,
            vbucket: 0,
        }
    }

    /// Checks the request against its opcode's rules and builds its header.
    pub fn header(&self) -> Result<RequestHeader, EncodeError> {
        let opcode = self.opcode;
        let key_len = match (opcode.needs_key(), self.key.is_empty()) {
            (Some(false), false) => return Err(EncodeError::KeyNotAllowed { opcode }),
            (None, true) | (Some(false), true) => 0,
            (None, false) | (Some(true), _) => checked_key_len(self.key)?,
        };
        if !self.extras.fit(opcode) {
            return Err(EncodeError::ExtrasMismatch { opcode });
        }
        if self.value_len != 0 && !opcode.carries_value() {
            return Err(EncodeError::ValueNotAllowed { opcode });
        }
        let body_len = self
            .extras
            .len()
            .checked_add(self.key.len())
            .and_then(|n| n.checked_add(self.value_len))
            .unwrap_or(usize::MAX);
        let body_len =
            u32::try_from(body_len).map_err(|_| EncodeError::BodyTooLarge { len: body_len })?;
        Ok(self.header_with(key_len, body_len))
    }

    /// The header of this request, its key and body lengths computed (and
    /// checked) by the caller.
    #[inline]
    pub(super) fn header_with(&self, key_len: u16, body_len: u32) -> RequestHeader {
        RequestHeader {
            magic: REQUEST_MAGIC,
            opcode: self.opcode.to_u8(),
            key_len: U16::new(key_len),
            // Extras are at most 20 bytes.
            extras_len: self.extras.len() as u8,
            data_type: DATA_TYPE_RAW,
            vbucket: U16::new(self.vbucket),
            body_len: U32::new(body_len),
            opaque: U32::new(self.opaque),
            cas: U64::new(self.cas),
        }
    }
}

/// `key`'s length for a header, once the key is checked: a checked key is
/// at most `MAX_KEY_LEN` (250) bytes.
#[inline]
pub(super) fn checked_key_len(key: &[u8]) -> Result<u16, KeyError> {
    check_binary_key(key)?;
    u16::try_from(key.len()).map_err(|_| KeyError::TooLong { len: key.len() })
}

/// Appends a request's header, extras and key to `out`.
///
/// The value is not copied: the caller sends `value_len` bytes of it right
/// after the bytes written here, for example as a second
/// [`IoSlice`](std::io::IoSlice). On error `out` is left unchanged.
///
/// ```
/// use memaslap_proto::binary::{encode_request, Extras, Opcode, Request};
///
/// let mut out = Vec::new();
/// let req = Request {
///     key: b"k",
///     extras: Extras::Store { flags: 0, exptime: 0 },
///     value_len: 5,
///     ..Request::new(Opcode::Set)
/// };
/// encode_request(&mut out, &req)?;
/// assert_eq!(out.len(), 24 + 8 + 1);
/// assert_eq!(out[8..12], [0, 0, 0, 8 + 1 + 5]); // the body length counts the value
/// # Ok::<(), memaslap_proto::binary::EncodeError>(())
/// ```
pub fn encode_request(out: &mut Vec<u8>, req: &Request<'_>) -> Result<(), EncodeError> {
    let header = req.header()?;
    out.reserve(HEADER_LEN + req.extras.len() + req.key.len());
    out.extend_from_slice(header.as_bytes());
    req.extras.write(out);
    out.extend_from_slice(req.key);
    Ok(())
}

/// Why a request could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The key is empty where one is needed, or too long.
    Key(KeyError),
    /// The opcode takes no key but one was given.
    KeyNotAllowed {
        /// The request's opcode.
        opcode: Opcode,
    },
    /// The extras do not have the shape the opcode takes.
    ExtrasMismatch {
        /// The request's opcode.
        opcode: Opcode,
    },
    /// The opcode takes no value but a value length was given.
    ValueNotAllowed {
        /// The request's opcode.
        opcode: Opcode,
    },
    /// The opcode does not belong to the family the encoder writes.
    WrongOpcode {
        /// The opcode given.
        opcode: Opcode,
    },
    /// Extras, key and value together exceed the 32-bit body length.
    BodyTooLarge {
        /// The body's length in bytes (saturated at `usize::MAX`).
        len: usize,
    },
}

impl From<KeyError> for EncodeError {
    fn from(e: KeyError) -> EncodeError {
        EncodeError::Key(e)
    }
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Key(e) => write!(f, "bad key: {e}"),
            EncodeError::KeyNotAllowed { opcode } => write!(f, "{opcode:?} takes no key"),
            EncodeError::ExtrasMismatch { opcode } => {
                write!(f, "extras do not fit {opcode:?}")
            }
            EncodeError::ValueNotAllowed { opcode } => write!(f, "{opcode:?} takes no value"),
            EncodeError::WrongOpcode { opcode } => {
                write!(f, "{opcode:?} cannot be written by this encoder")
            }
            EncodeError::BodyTooLarge { len } => {
                write!(f, "body of {len} bytes exceeds the 32-bit length field")
            }
        }
    }
}

impl core::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            EncodeError::Key(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests;
