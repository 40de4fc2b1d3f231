//! memcached's text protocol: request encoders and one incremental response
//! parser.
//!
//! Encoders append only the command line to a caller-owned buffer. A storage
//! command's value is never copied: send the line, the value and [`CRLF`] as
//! three [`std::io::IoSlice`]s in one vectored write. The [`Parser`] reads
//! one response at a time from the bytes received so far and borrows from
//! them.
//!
//! ```
//! use memaslap_proto::ascii::{
//!     encode_get, encode_storage, Parser, Response, Storage, StorageCommand, Value, CRLF,
//! };
//!
//! // A set: the line, then the value and CRLF as separate slices.
//! let value = b"hello";
//! let mut line = Vec::new();
//! let set = Storage {
//!     command: StorageCommand::Set,
//!     key: b"greeting",
//!     flags: 0,
//!     exptime: 0,
//!     value_len: value.len(),
//!     noreply: false,
//! };
//! encode_storage(&mut line, &set)?;
//! assert_eq!(line, b"set greeting 0 0 5\r\n");
//! let request = [
//!     std::io::IoSlice::new(&line),
//!     std::io::IoSlice::new(value),
//!     std::io::IoSlice::new(CRLF),
//! ];
//! assert_eq!(request.iter().map(|s| s.len()).sum::<usize>(), 27);
//!
//! let parser = Parser::default();
//! assert_eq!(parser.parse(b"STORED\r\n")?, Some((Response::Stored, 8)));
//!
//! // A get: one VALUE per hit, then END.
//! line.clear();
//! encode_get(&mut line, [b"greeting"])?;
//! assert_eq!(line, b"get greeting\r\n");
//! let reply = b"VALUE greeting 0 5\r\nhello\r\nEND\r\n";
//! let mut at = 0;
//! let mut hits = Vec::new();
//! loop {
//!     let Some((response, consumed)) = parser.parse(&reply[at..])? else {
//!         break; // read more bytes from the socket
//!     };
//!     at += consumed;
//!     match response {
//!         Response::Value(Value { key, data, .. }) => hits.push((key, data)),
//!         Response::End => break,
//!         other => return Err(format!("unexpected {other:?}").into()),
//!     }
//! }
//! assert_eq!(hits, [(&b"greeting"[..], &b"hello"[..])]);
//! assert_eq!(at, reply.len());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod parser;
mod request;
mod response;

#[cfg(test)]
mod proptests;

pub use error::{EncodeError, ParseError};
pub use parser::{Limits, Parser};
pub use request::{
    Storage, StorageCommand, encode_decr, encode_delete, encode_flush_all, encode_gat, encode_gats,
    encode_get, encode_get_key, encode_gets, encode_incr, encode_quit, encode_stats,
    encode_storage, encode_touch, encode_verbosity, encode_version,
};
pub use response::{Response, Value};

/// The line terminator of the text protocol, also sent after a value's data.
pub const CRLF: &[u8] = b"\r\n";
