//! The binary protocol.
//!
//! Every packet is a 24-byte header ([`RequestHeader`] or
//! [`ResponseHeader`], big-endian fields, read in place) followed by a body
//! of extras, key and value, in that order, whose lengths the header gives.
//!
//! Encoders ([`encode_request`] and one typed encoder per command family)
//! append header, extras and key to a caller-owned buffer and leave the
//! value out: the caller sends it as its own [`IoSlice`](std::io::IoSlice),
//! and the header's body length already counts it. [`Parser::parse`] takes
//! whatever bytes have arrived and returns a [`Response`] borrowing from them
//! with the number of bytes it took, or `Ok(None)` until a whole response is
//! there.
//!
//! ```
//! use std::io::IoSlice;
//! use memaslap_proto::binary::{encode_store, Opcode, Parser, Status};
//!
//! // SET "greeting" = "hello" with flags 0xcafe, no expiration, opaque 1.
//! let value = b"hello";
//! let mut head = Vec::new();
//! encode_store(&mut head, Opcode::Set, b"greeting", 0xcafe, 0, value.len(), 1, 0)?;
//! assert_eq!(head.len(), 24 + 8 + 8);
//! let request = [IoSlice::new(&head), IoSlice::new(value)];
//! assert_eq!(request.iter().map(|s| s.len()).sum::<usize>(), 24 + 8 + 8 + 5);
//!
//! // The server's answer to a GET of that key: flags in the extras, then the value.
//! let answer: &[u8] = &[
//!     0x81, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, // GET, no key, 4 bytes of extras, NoError
//!     0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x02, // body of 9 bytes, opaque 2
//!     0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, // CAS 5
//!     0x00, 0x00, 0xca, 0xfe, b'h', b'e', b'l', b'l', b'o',
//! ];
//! let parser = Parser::default();
//! assert_eq!(parser.parse(&answer[..30])?, None, "the body is not all there yet");
//! let (response, consumed) = parser.parse(answer)?.expect("a whole response");
//! assert_eq!(consumed, answer.len());
//! assert_eq!(response.status(), Ok(Status::NoError));
//! assert_eq!(response.opaque(), 2);
//! assert_eq!(response.flags(), Some(0xcafe));
//! assert_eq!(response.value_if_hit(), Some(&b"hello"[..]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod commands;
mod header;
mod opcode;
mod parser;
mod request;
mod response;
mod status;

#[cfg(test)]
mod proptests;

pub use commands::{
    encode_append, encode_counter, encode_delete, encode_flush, encode_gat, encode_get,
    encode_noop, encode_quit, encode_stat, encode_store, encode_touch, encode_verbosity,
    encode_version,
};
pub use header::{
    DATA_TYPE_RAW, HEADER_LEN, REQUEST_MAGIC, RESPONSE_MAGIC, RequestHeader, ResponseHeader,
};
pub use opcode::{Opcode, UnknownOpcode};
pub use parser::{Limits, ParseError, Parser};
pub use request::{EncodeError, Extras, Request, encode_request};
pub use response::Response;
pub use status::{Status, UnknownStatus};
