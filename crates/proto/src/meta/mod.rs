//! memcached's meta protocol (`mg`, `ms`, `md`, `ma`, `mn`, `me`): request
//! encoders with typed flags, and one incremental parser for every meta
//! response, with the flags a server returns typed and borrowed from the
//! input.
//!
//! Every meta response is a two-letter code, an optional data length (for
//! `VA`), then flags, each a letter and an optional token:
//! `VA 2 k<key> O<opaque> c<cas>\r\n<data>\r\n`, `HD c42\r\n`, `EN\r\n`,
//! `MN\r\n`. Error lines (`ERROR`, `CLIENT_ERROR …`, `SERVER_ERROR …`) are
//! the text protocol's, and `me`'s debug reply is `ME <key> <name>=<value>…`.
//!
//! ```
//! use memaslap_proto::meta::{Code, Parser, Response, ReturnFlag};
//!
//! let parser = Parser::default();
//! let buf = b"VA 2 kfoo O7 c99\r\nhi\r\nMN\r\n";
//! let (first, used) = parser.parse(buf)?.ok_or("incomplete")?;
//! let Response::Meta(reply) = first else { panic!("a meta reply") };
//! assert_eq!((reply.code, reply.data), (Code::Value, Some(&b"hi"[..])));
//! assert_eq!(reply.opaque(), Some(&b"7"[..]));
//! assert_eq!(reply.key(), Some(&b"foo"[..]));
//! assert!(reply.flags().any(|f| f == ReturnFlag::Cas(99)));
//! let (end, _) = parser.parse(&buf[used..])?.ok_or("incomplete")?;
//! assert!(matches!(end, Response::Meta(r) if r.code == Code::NoOp));
//! assert_eq!(parser.parse(b"HD c4")?, None); // need more bytes
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod flags;
mod hit;
mod parser;
mod prepared;
#[cfg(test)]
mod proptests;
mod quick;
mod request;
#[cfg(test)]
mod request_tests;
mod response;
#[cfg(test)]
mod tests;

pub use flags::{Flags, ReturnFlag};
pub use parser::{Limits, ParseError, Parser};
pub use prepared::PreparedFlags;
pub use request::{
    ArithMode, Command, EncodeError, Flag, MAX_OPAQUE_LEN, SetMode, encode_arithmetic,
    encode_debug, encode_delete, encode_get, encode_noop, encode_set,
};
pub use response::{Code, Reply, Response};
