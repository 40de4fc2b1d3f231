//! memcached's wire formats — the text protocol, the binary protocol and UDP
//! framing — as sans-IO encoders and incremental parsers.
//!
//! This crate does no I/O and knows nothing of sockets, clocks or workloads.
//! Encoders append only the small command bytes to a caller-owned buffer; a
//! value is never copied but sent by the caller as its own [`std::io::IoSlice`]
//! (followed by [`ascii::CRLF`] in the text protocol). Parsers take `&[u8]` and
//! return a response that borrows from it together with the number of bytes
//! consumed, `Ok(None)` when more bytes are needed, or a typed error. They never
//! panic, never allocate per response, and bound every length a server
//! declares.
#![forbid(unsafe_code)]

pub mod ascii;
pub mod binary;
mod key;
mod num;
pub mod udp;

pub use key::{KeyError, MAX_KEY_LEN, check_binary_key, check_text_key};
pub use num::{parse_decimal, push_decimal};
