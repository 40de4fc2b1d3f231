//! The incremental response parser.

use core::fmt;

use zerocopy::FromBytes;

use super::header::{DATA_TYPE_RAW, HEADER_LEN, RESPONSE_MAGIC, ResponseHeader};
use super::response::Response;

/// Bounds on what a server may declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The longest body (extras, key and value) accepted, in bytes.
    pub max_body: usize,
}

impl Limits {
    /// memcached's default item size limit (1 MiB) plus room for extras and
    /// key.
    pub const DEFAULT_MAX_BODY: usize = 1024 * 1024 + 1024;
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_body: Limits::DEFAULT_MAX_BODY,
        }
    }
}

/// Parses responses one at a time from the front of a buffer.
///
/// The parser keeps no state between calls: the caller keeps the bytes it
/// has received and drops the consumed prefix after each response.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parser {
    limits: Limits,
}

impl Parser {
    /// A parser enforcing `limits`.
    pub const fn new(limits: Limits) -> Parser {
        Parser { limits }
    }

    /// The limits in force.
    pub const fn limits(&self) -> Limits {
        self.limits
    }

    /// Parses the response at the front of `buf`.
    ///
    /// Returns the response and the number of bytes it took, or `Ok(None)`
    /// while the header or part of the body is still missing. The magic byte
    /// is checked as soon as it arrives, the declared lengths as soon as the
    /// header is complete, before waiting for the body.
    ///
    /// ```
    /// use memaslap_proto::binary::{Parser, Status};
    ///
    /// let bytes = [
    ///     0x81, 0x01, 0, 0, 0, 0, 0, 0, // SET answered, no key or extras, NoError
    ///     0, 0, 0, 0, 0, 0, 0, 9, // empty body, opaque 9
    ///     0, 0, 0, 0, 0, 0, 0, 0x17, // CAS 23
    /// ];
    /// let parser = Parser::default();
    /// assert_eq!(parser.parse(&bytes[..10])?, None);
    /// let (response, consumed) = parser.parse(&bytes)?.unwrap();
    /// assert_eq!(consumed, 24);
    /// assert_eq!(response.status(), Ok(Status::NoError));
    /// assert_eq!((response.opaque(), response.cas()), (9, 23));
    /// # Ok::<(), memaslap_proto::binary::ParseError>(())
    /// ```
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        match buf.first() {
            None => return Ok(None),
            Some(&RESPONSE_MAGIC) => {}
            Some(&other) => return Err(ParseError::BadMagic(other)),
        }
        let Ok((header, body)) = ResponseHeader::ref_from_prefix(buf) else {
            return Ok(None);
        };
        if header.data_type != DATA_TYPE_RAW {
            return Err(ParseError::BadDataType(header.data_type));
        }
        let declared = header.body_len.get();
        let body_len = usize::try_from(declared).unwrap_or(usize::MAX);
        if body_len > self.limits.max_body {
            return Err(ParseError::BodyTooLarge {
                len: declared,
                max: self.limits.max_body,
            });
        }
        let extras_len = usize::from(header.extras_len);
        let key_len = usize::from(header.key_len.get());
        let bad_lengths = ParseError::BadLengths {
            extras_len: header.extras_len,
            key_len: header.key_len.get(),
            body_len: declared,
        };
        if extras_len + key_len > body_len {
            return Err(bad_lengths);
        }
        let Some(body) = body.get(..body_len) else {
            return Ok(None);
        };
        let (extras, rest) = body.split_at_checked(extras_len).ok_or(bad_lengths)?;
        let (key, value) = rest.split_at_checked(key_len).ok_or(bad_lengths)?;
        let response = Response {
            header,
            extras,
            key,
            value,
        };
        Ok(Some((response, HEADER_LEN + body_len)))
    }
}

/// Why the bytes from the server are not a valid response. The connection
/// cannot be resynchronised after any of these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// The first byte is not the response magic 0x81.
    BadMagic(u8),
    /// The data type is not 0 (raw bytes), the only one memcached defines.
    BadDataType(u8),
    /// Extras and key together are longer than the whole body.
    BadLengths {
        /// The declared extras length.
        extras_len: u8,
        /// The declared key length.
        key_len: u16,
        /// The declared body length.
        body_len: u32,
    },
    /// The declared body is longer than [`Limits::max_body`].
    BodyTooLarge {
        /// The declared body length.
        len: u32,
        /// The limit in force.
        max: usize,
    },
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::BadMagic(byte) => {
                write!(f, "response starts with 0x{byte:02x}, not the magic 0x81")
            }
            ParseError::BadDataType(byte) => write!(f, "unknown data type 0x{byte:02x}"),
            ParseError::BadLengths {
                extras_len,
                key_len,
                body_len,
            } => write!(
                f,
                "extras ({extras_len}) and key ({key_len}) are longer than the body ({body_len})"
            ),
            ParseError::BodyTooLarge { len, max } => {
                write!(f, "body of {len} bytes exceeds the limit of {max}")
            }
        }
    }
}

impl core::error::Error for ParseError {}

#[cfg(test)]
mod tests;
