//! The incremental response parser.

use crate::ascii::{ParseError, Response, Value};
use crate::line::{LineEnd, line_end};
use crate::{MAX_KEY_LEN, parse_decimal};

/// Bounds on what the parser accepts from a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Limits {
    /// The longest response line in bytes, `\r\n` included. A buffer holding
    /// this many bytes without a complete line is [`ParseError::LineTooLong`].
    /// Values below 5 (`END\r\n`) make every response too long.
    pub max_line: usize,
    /// The largest value data block in bytes a `VALUE` line may declare.
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

/// An incremental, zero-copy parser for every response line of the text
/// protocol.
///
/// The parser holds no state between calls: the caller keeps received bytes
/// in a buffer, calls [`Parser::parse`], drops the consumed bytes and calls
/// again.
///
/// Line endings: memcached ends every line with `\r\n`. A `\n` without a
/// `\r` before it, or a `\r` followed by anything but `\n`, is
/// [`ParseError::BadLineEnding`], reported as soon as the byte after the
/// `\r` (or the bare `\n`) is in the buffer. A value's data block is taken
/// by its declared length and may hold any bytes.
///
/// Lines that are not part of the responses modelled by [`Response`] (for
/// example `RESET` after `stats reset`, or the meta protocol) are
/// [`ParseError::UnknownResponse`].
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

    /// Parses the response at the start of `buf`.
    ///
    /// Returns `Ok(Some((response, consumed)))` with `consumed <= buf.len()`,
    /// `Ok(None)` when the response is not complete yet (a line without its
    /// `\r\n`, or a `VALUE` whose data and `\r\n` have not all arrived), or
    /// the reason the bytes are not a valid response.
    ///
    /// ```
    /// use memaslap_proto::ascii::{Parser, Response, Value};
    /// let parser = Parser::default();
    /// let buf = b"VALUE k 0 2\r\nhi\r\nEND\r\n";
    /// let (first, n) = parser.parse(buf)?.ok_or("incomplete")?;
    /// assert_eq!(first, Response::Value(Value { key: b"k", flags: 0, cas: None, data: b"hi" }));
    /// assert_eq!(parser.parse(&buf[n..])?, Some((Response::End, 5)));
    /// assert_eq!(parser.parse(b"STORED\r")?, None);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn parse<'a>(&self, buf: &'a [u8]) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        match self.quick(buf) {
            Some(parsed) => parsed,
            None => self.general(buf),
        }
    }

    /// Any response, one step at a time: the line's end, then its kind,
    /// then its fields.
    fn general<'a>(&self, buf: &'a [u8]) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let Some(cr) = self.line_end(buf)? else {
            return Ok(None);
        };
        let line = buf.get(..cr).unwrap_or_default();
        let consumed = cr + 2;
        if let Some(header) = line.strip_prefix(b"VALUE ") {
            return self.value(header, buf, consumed);
        }
        Ok(Some((line_response(line)?, consumed)))
    }

    /// Finds the `\r` of the first line's `\r\n`, enforcing `max_line` and
    /// strict line endings.
    fn line_end(&self, buf: &[u8]) -> Result<Option<usize>, ParseError> {
        match line_end(buf, self.limits.max_line) {
            LineEnd::Incomplete => Ok(None),
            LineEnd::At(at) => Ok(Some(at)),
            LineEnd::TooLong => Err(ParseError::LineTooLong),
            LineEnd::BadEnding => Err(ParseError::BadLineEnding),
        }
    }

    /// Completes a `VALUE` response once its data block and `\r\n` are in
    /// `buf`; `data_start` is where the data begins.
    fn value<'a>(
        &self,
        header: &'a [u8],
        buf: &'a [u8],
        data_start: usize,
    ) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let ValueHeader {
            key,
            flags,
            len,
            cas,
        } = ValueHeader::parse(header)?;
        self.value_data(key, flags, len, cas, buf, data_start)
    }

    /// A `VALUE` line's data block, after its line's `\r\n` at
    /// `data_start`: the value once the block and its `\r\n` are in `buf`.
    fn value_data<'a>(
        &self,
        key: &'a [u8],
        flags: u32,
        len: u64,
        cas: Option<u64>,
        buf: &'a [u8],
        data_start: usize,
    ) -> Result<Option<(Response<'a>, usize)>, ParseError> {
        let too_large = ParseError::ValueTooLarge { len };
        let data_len = usize::try_from(len).map_err(|_| too_large)?;
        if data_len > self.limits.max_value {
            return Err(too_large);
        }
        let data_end = data_start.checked_add(data_len).ok_or(too_large)?;
        match buf.get(data_end..) {
            None | Some([] | [b'\r']) => Ok(None),
            Some([b'\r', b'\n', ..]) => {
                let data = buf.get(data_start..data_end).unwrap_or_default();
                let value = Value {
                    key,
                    flags,
                    cas,
                    data,
                };
                Ok(Some((Response::Value(value), data_end + 2)))
            }
            Some(_) => Err(ParseError::MissingDataTerminator),
        }
    }
}

/// The fields of a `VALUE` line after `VALUE `.
struct ValueHeader<'a> {
    key: &'a [u8],
    flags: u32,
    len: u64,
    cas: Option<u64>,
}

impl<'a> ValueHeader<'a> {
    /// Reads `<key> <flags> <bytes> [<cas>]`, fields separated by one space.
    fn parse(header: &'a [u8]) -> Result<ValueHeader<'a>, ParseError> {
        let bad = ParseError::BadValueLine;
        // The key is the long field: its end is found several bytes a step.
        let (key, rest) = match memchr::memchr(b' ', header) {
            Some(at) => (header.get(..at), header.get(at + 1..)),
            None => (Some(header), None),
        };
        let key = key
            .filter(|k| !k.is_empty() && k.len() <= MAX_KEY_LEN)
            .ok_or(bad)?;
        let mut fields = rest.unwrap_or_default().split(|&b| b == b' ');
        let flags = fields
            .next()
            .and_then(parse_decimal)
            .and_then(|f| u32::try_from(f).ok())
            .ok_or(bad)?;
        let len = fields.next().and_then(parse_decimal).ok_or(bad)?;
        let cas = match fields.next() {
            None => None,
            Some(field) => Some(parse_decimal(field).ok_or(bad)?),
        };
        if fields.next().is_some() {
            return Err(bad);
        }
        Ok(ValueHeader {
            key,
            flags,
            len,
            cas,
        })
    }
}

/// Classifies a complete line other than `VALUE`, dispatching on its first
/// byte.
fn line_response(line: &[u8]) -> Result<Response<'_>, ParseError> {
    let unknown = Err(ParseError::UnknownResponse);
    match line.first() {
        Some(b'E') => match line {
            b"END" => Ok(Response::End),
            b"EXISTS" => Ok(Response::Exists),
            _ => message(line, b"ERROR").map(|_| Response::Error),
        },
        Some(b'S') => match line {
            b"STORED" => Ok(Response::Stored),
            _ => match line.strip_prefix(b"STAT ") {
                Some(stat) => parse_stat(stat),
                None => message(line, b"SERVER_ERROR").map(Response::ServerError),
            },
        },
        Some(b'N') => match line {
            b"NOT_FOUND" => Ok(Response::NotFound),
            b"NOT_STORED" => Ok(Response::NotStored),
            _ => unknown,
        },
        Some(b'D') if line == b"DELETED" => Ok(Response::Deleted),
        Some(b'T') if line == b"TOUCHED" => Ok(Response::Touched),
        Some(b'O') if line == b"OK" => Ok(Response::Ok),
        Some(b'C') => message(line, b"CLIENT_ERROR").map(Response::ClientError),
        Some(b'V') => message(line, b"VERSION").map(Response::Version),
        Some(b'0'..=b'9') => parse_decimal(line)
            .map(Response::Number)
            .ok_or(ParseError::BadNumber),
        _ => unknown,
    }
}

/// The text after `token` when the line is exactly `token` (empty text) or
/// `token`, a space and the text.
fn message<'a>(line: &'a [u8], token: &[u8]) -> Result<&'a [u8], ParseError> {
    match line.strip_prefix(token) {
        Some([]) => Ok(&[]),
        Some([b' ', text @ ..]) => Ok(text),
        _ => Err(ParseError::UnknownResponse),
    }
}

/// Splits `<name> <value>`: the name ends at the first space, the value is
/// everything after it.
fn parse_stat(stat: &[u8]) -> Result<Response<'_>, ParseError> {
    let space = stat
        .iter()
        .position(|&b| b == b' ')
        .filter(|&at| at > 0)
        .ok_or(ParseError::BadStatLine)?;
    let (name, rest) = stat
        .split_at_checked(space)
        .ok_or(ParseError::BadStatLine)?;
    let value = rest.get(1..).unwrap_or_default();
    Ok(Response::Stat { name, value })
}

mod hit;
mod quick;
#[cfg(test)]
mod tests;
