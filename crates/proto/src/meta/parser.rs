//! The incremental meta response parser.

use core::fmt;

use super::flags::Flags;
use super::response::{Code, Reply, Response};
use crate::line::{LineEnd, line_end};
use crate::{MAX_KEY_LEN, parse_decimal};

/// Bounds on what the parser accepts from a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The longest response line in bytes, `\r\n` included.
    pub max_line: usize,
    /// The largest value a `VA` line may declare, in bytes.
    pub max_value: usize,
}

impl Default for Limits {
    /// 8192-byte lines and 1 MiB values (memcached's default item size limit).
    fn default() -> Self {
        Limits {
            max_line: 8192,
            max_value: 1 << 20,
        }
    }
}

/// Why bytes are not a meta response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParseError {
    /// `max_line` bytes arrived without a complete line.
    LineTooLong,
    /// A `\n` without `\r`, or a `\r` followed by another byte.
    BadLineEnding,
    /// A `VA` line declared more bytes than `max_value`; reported before
    /// any of them is awaited.
    ValueTooLarge {
        /// The declared length.
        len: u64,
    },
    /// A `VA` line without a valid length.
    BadLength,
    /// A value's data is not followed by `\r\n`.
    MissingDataTerminator,
    /// A returned flag is not a letter with a valid token, or tokens are not
    /// separated by single spaces.
    BadFlag,
    /// An `ME` line without a key, or with a key longer than memcached's.
    BadDebugLine,
    /// The line is no meta response.
    UnknownResponse,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ParseError::LineTooLong => f.write_str("response line is longer than the limit"),
            ParseError::BadLineEnding => f.write_str("response line does not end with \\r\\n"),
            ParseError::ValueTooLarge { len } => {
                write!(f, "value of {len} bytes is larger than the limit")
            }
            ParseError::BadLength => f.write_str("VA line without a valid length"),
            ParseError::MissingDataTerminator => {
                f.write_str("value data is not followed by \\r\\n")
            }
            ParseError::BadFlag => f.write_str("malformed returned flag"),
            ParseError::BadDebugLine => f.write_str("malformed ME line"),
            ParseError::UnknownResponse => f.write_str("unknown meta response"),
        }
    }
}

impl core::error::Error for ParseError {}

/// An incremental, zero-copy parser for every meta response. It holds no
/// state between calls: keep received bytes, call [`Parser::parse`], drop
/// what it consumed and call again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Parser {
    limits: Limits,
}

impl Parser {
    /// A parser that enforces `limits`.
    pub fn new(limits: Limits) -> Parser {
        Parser { limits }
    }

    /// The limits this parser enforces.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Parses the response at the start of `buf`: `Ok(Some((response,
    /// consumed)))`, `Ok(None)` when it is not complete yet, or why the
    /// bytes are no meta response.
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        if let Some(quick) = self.quick_value(buf) {
            return quick;
        }
        self.general(buf)
    }

    /// [`Parser::parse`] without the quick path for common `VA` lines.
    pub(super) fn general<'a>(
        &self,
        buf: &'a [u8],
    ) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let cr = match line_end(buf, self.limits.max_line) {
            LineEnd::Incomplete => return Ok(None),
            LineEnd::At(at) => at,
            LineEnd::TooLong => return Err(ParseError::LineTooLong),
            LineEnd::BadEnding => return Err(ParseError::BadLineEnding),
        };
        let line = buf.get(..cr).unwrap_or_default();
        let consumed = cr + 2;
        if let Some(rest) = line.strip_prefix(b"VA ") {
            return self.value(rest, buf, consumed);
        }
        Ok(Some((line_response(line)?, consumed)))
    }

    /// Completes a `VA` reply once its data and `\r\n` are in `buf`.
    fn value<'a>(
        &self,
        rest: &'a [u8],
        buf: &'a [u8],
        data_start: usize,
    ) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let (len, flags) = match crate::scan::find_byte(rest, b' ') {
            Some(space) => (
                rest.get(..space).unwrap_or_default(),
                rest.get(space + 1..).unwrap_or_default(),
            ),
            None => (rest, &b""[..]),
        };
        let len = parse_decimal(len).ok_or(ParseError::BadLength)?;
        if len > self.limits.max_value as u64 {
            return Err(ParseError::ValueTooLarge { len });
        }
        let flags = flags_of(flags)?;
        self.value_data(len, flags, buf, data_start)
    }

    /// Completes a `VA` reply of `len` bytes with `flags`, whose data
    /// starts at `data_start` of `buf`.
    pub(super) fn value_data<'a>(
        &self,
        len: u64,
        flags: Flags<'a>,
        buf: &'a [u8],
        data_start: usize,
    ) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let too_large = ParseError::ValueTooLarge { len };
        if len > self.limits.max_value as u64 {
            return Err(too_large);
        }
        let data_end = data_start.checked_add(len as usize).ok_or(too_large)?;
        let Some(tail) = data_end
            .checked_add(2)
            .and_then(|end| buf.get(data_end..end))
        else {
            return Ok(None);
        };
        if tail != b"\r\n" {
            return Err(ParseError::MissingDataTerminator);
        }
        let reply = Reply {
            code: Code::Value,
            data: buf.get(data_start..data_end),
            flags,
        };
        Ok(Some((Response::Meta(reply), data_end + 2)))
    }
}

/// The flags of a reply line after its code: none, or a space then the
/// tokens.
fn flags_of(raw: &[u8]) -> Result<Flags<'_>, ParseError> {
    Flags::new(raw).ok_or(ParseError::BadFlag)
}

/// Every response but `VA`.
fn line_response(line: &[u8]) -> Result<Response<'_>, ParseError> {
    if line == b"ERROR" {
        return Ok(Response::Error);
    }
    if let Some(message) = message(line, b"CLIENT_ERROR") {
        return Ok(Response::ClientError(message));
    }
    if let Some(message) = message(line, b"SERVER_ERROR") {
        return Ok(Response::ServerError(message));
    }
    if let Some(rest) = line.strip_prefix(b"ME ") {
        return debug(rest);
    }
    let (code, rest) = line
        .split_first_chunk::<2>()
        .ok_or(ParseError::UnknownResponse)?;
    let code = Code::from_bytes(*code)
        .filter(|c| *c != Code::Value)
        .ok_or(ParseError::UnknownResponse)?;
    let flags = match rest {
        [] => Flags::default(),
        [b' ', tokens @ ..] => flags_of(tokens)?,
        _ => return Err(ParseError::UnknownResponse),
    };
    Ok(Response::Meta(Reply {
        code,
        data: None,
        flags,
    }))
}

/// The message of `NAME` or `NAME <message>`.
fn message<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    match line.strip_prefix(name)? {
        [] => Some(&[]),
        [b' ', message @ ..] => Some(message),
        _ => None,
    }
}

/// `ME <key> <pairs>`.
fn debug(rest: &[u8]) -> Result<Response<'_>, ParseError> {
    let (key, pairs) = match crate::scan::find_byte(rest, b' ') {
        Some(space) => (
            rest.get(..space).unwrap_or_default(),
            rest.get(space + 1..).unwrap_or_default(),
        ),
        None => (rest, &b""[..]),
    };
    if key.is_empty() || key.len() > MAX_KEY_LEN {
        return Err(ParseError::BadDebugLine);
    }
    Ok(Response::Debug { key, pairs })
}
