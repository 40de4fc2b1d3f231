//! Why a request could not be encoded or a response could not be parsed.

use core::fmt;

use crate::KeyError;

/// Why a request encoder refused its input. The output buffer is left exactly
/// as it was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// A key is empty, too long, or holds a byte the text protocol cannot carry.
    Key(KeyError),
    /// A retrieval command (`get`, `gets`, `gat`, `gats`) was given no key.
    NoKeys,
    /// A `stats` group is empty, longer than a key may be, or holds a space or
    /// a control byte.
    InvalidStatsGroup,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Key(e) => write!(f, "invalid key: {e}"),
            EncodeError::NoKeys => f.write_str("a retrieval command needs at least one key"),
            EncodeError::InvalidStatsGroup => {
                f.write_str("stats group must be 1 to 250 bytes without spaces or control bytes")
            }
        }
    }
}

impl core::error::Error for EncodeError {
    fn source(&self) -> Option<&(dyn core::error::Error + 'static)> {
        match self {
            EncodeError::Key(e) => Some(e),
            EncodeError::NoKeys | EncodeError::InvalidStatsGroup => None,
        }
    }
}

impl From<KeyError> for EncodeError {
    fn from(e: KeyError) -> Self {
        EncodeError::Key(e)
    }
}

/// Why the bytes a server sent are not a valid text-protocol response.
///
/// Every error is final for the connection: the parser cannot tell where the
/// next response starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseError {
    /// `max_line` bytes arrived without a complete line (`\r\n` included).
    /// Reported as soon as the buffer holds `max_line` bytes, so a server
    /// cannot make the caller buffer without bound.
    LineTooLong,
    /// A `VALUE` line declared more data bytes than `max_value`. Reported
    /// before any of the data is awaited.
    ValueTooLarge {
        /// The declared length in bytes.
        len: u64,
    },
    /// A value's data block was not followed by `\r\n`.
    MissingDataTerminator,
    /// A `VALUE` line has the wrong number of fields, an empty or over-long
    /// key, flags that are not a `u32`, or a length or cas that is not a `u64`.
    BadValueLine,
    /// A `STAT` line has no name or no space after its name.
    BadStatLine,
    /// A line starting with a digit (an `incr`/`decr` reply) is not a decimal
    /// `u64`.
    BadNumber,
    /// A `\n` not preceded by `\r`, or a `\r` not followed by `\n`. memcached
    /// ends every line with `\r\n`; a bare byte means the stream is not what
    /// it should be.
    BadLineEnding,
    /// The line is not one of the text protocol's responses (status tokens
    /// must match exactly: `STOREDX` is unknown).
    UnknownResponse,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::LineTooLong => f.write_str("response line is longer than the limit"),
            ParseError::ValueTooLarge { len } => {
                write!(f, "value of {len} bytes is larger than the limit")
            }
            ParseError::MissingDataTerminator => {
                f.write_str("value data is not followed by \\r\\n")
            }
            ParseError::BadValueLine => f.write_str("malformed VALUE line"),
            ParseError::BadStatLine => f.write_str("malformed STAT line"),
            ParseError::BadNumber => f.write_str("numeric reply is not a decimal u64"),
            ParseError::BadLineEnding => {
                f.write_str("line ending is not \\r\\n (bare \\n or stray \\r)")
            }
            ParseError::UnknownResponse => f.write_str("unknown response line"),
        }
    }
}

impl core::error::Error for ParseError {}

#[cfg(test)]
mod tests {
    use super::*;
    use core::error::Error;

    #[test]
    fn encode_error_display_and_source() {
        let e = EncodeError::from(KeyError::Empty);
        assert_eq!(e, EncodeError::Key(KeyError::Empty));
        assert_eq!(e.to_string(), "invalid key: key is empty");
        assert!(e.source().is_some());
        assert!(EncodeError::NoKeys.source().is_none());
        assert!(!EncodeError::InvalidStatsGroup.to_string().is_empty());
    }

    #[test]
    fn parse_error_display() {
        assert_eq!(
            ParseError::ValueTooLarge { len: 7 }.to_string(),
            "value of 7 bytes is larger than the limit"
        );
        for e in [
            ParseError::LineTooLong,
            ParseError::MissingDataTerminator,
            ParseError::BadValueLine,
            ParseError::BadStatLine,
            ParseError::BadNumber,
            ParseError::BadLineEnding,
            ParseError::UnknownResponse,
        ] {
            assert!(!e.to_string().is_empty());
        }
    }
}
