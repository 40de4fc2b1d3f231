//! memcached's wire formats — the text protocol, the binary protocol, the
//! meta protocol and UDP framing — as sans-IO encoders and incremental
//! parsers.
//!
//! This crate does no I/O and knows nothing of sockets, clocks or workloads.
//! Encoders append only the small command bytes to a caller-owned buffer; a
//! value is never copied but sent by the caller as its own [`std::io::IoSlice`]
//! (followed by [`ascii::CRLF`] in the text protocol). Parsers take `&[u8]` and
//! return a response that borrows from it together with the number of bytes
//! consumed, `Ok(None)` when more bytes are needed, or a typed error. They never
//! panic, never allocate per response, and bound every length a server
//! declares.
//!
//! - [`ascii`]: the text protocol — request encoders and one incremental
//!   parser for every response line, and [`ascii::Parser::read_hit`], a
//!   get's whole hit read in one pass when the key asked for is known.
//! - [`binary`]: the binary protocol — 24-byte headers as zero-copy
//!   big-endian structs, opcodes, statuses, encoders and a parser.
//! - [`meta`]: the meta protocol — request encoders with typed flags, one
//!   incremental parser for every meta response, and
//!   [`meta::Parser::read_hit`], a plain `mg`'s whole hit read in one pass
//!   when the key and opaque asked for are known.
//! - [`auth`]: logging in before the first request (SASL PLAIN, and the
//!   text protocol's auth file scheme).
//! - [`udp`]: the 8-byte UDP frame header and a reassembler for responses
//!   that span several datagrams.
//!
//! # Example
//!
//! Encode a `set` whose value goes out as its own slice, then parse the
//! server's replies:
//!
//! ```
//! use memaslap_proto::ascii::{self, Parser, Response, Storage, StorageCommand, Value};
//! use std::io::IoSlice;
//!
//! let value = b"hello";
//! let mut header = Vec::new();
//! ascii::encode_storage(
//!     &mut header,
//!     &Storage {
//!         command: StorageCommand::Set,
//!         key: b"greeting",
//!         flags: 0,
//!         exptime: 60,
//!         value_len: value.len(),
//!         noreply: false,
//!     },
//! )?;
//! assert_eq!(header, b"set greeting 0 60 5\r\n");
//! // One vectored write sends the request; the value is never copied.
//! let request = [IoSlice::new(&header), IoSlice::new(value), IoSlice::new(ascii::CRLF)];
//! assert_eq!(request.iter().map(|s| s.len()).sum::<usize>(), 28);
//!
//! let parser = Parser::default();
//! assert_eq!(parser.parse(b"STO")?, None); // need more bytes
//! assert_eq!(parser.parse(b"STORED\r\n")?, Some((Response::Stored, 8)));
//!
//! let reply = b"VALUE greeting 0 5\r\nhello\r\nEND\r\n";
//! let (response, used) = parser.parse(reply)?.ok_or("need more bytes")?;
//! assert_eq!(
//!     response,
//!     Response::Value(Value { key: b"greeting", flags: 0, cas: None, data: b"hello" })
//! );
//! assert_eq!(parser.parse(&reply[used..])?, Some((Response::End, 5)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]

pub mod ascii;
pub mod auth;
pub mod binary;
mod key;
mod line;
pub mod meta;
mod num;
mod scan;
pub mod udp;

pub use key::{KeyError, MAX_KEY_LEN, WriteKey, check_binary_key, check_text_key};
pub use num::{parse_decimal, push_decimal};

/// The crate README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeExample;
