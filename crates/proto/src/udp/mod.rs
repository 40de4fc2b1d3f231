//! memcached's UDP framing: the 8-byte frame header and the reassembly of
//! multi-datagram responses.
//!
//! Every datagram to or from memcached starts with a [`FrameHeader`]: request
//! id, sequence number, datagram count and a reserved field, each a
//! big-endian `u16`. A request must fit in one datagram (sequence 0 of 1),
//! framed with [`encode_request_header`]. memcached splits a response into
//! datagrams of at most [`MAX_PAYLOAD`] payload bytes that carry the request
//! id and sequence numbers `0..total`; they may arrive in any order,
//! duplicated, or not at all, and late datagrams of an earlier request may
//! arrive while a later one is outstanding.
//!
//! A [`Reassembler`] collects the response to one request at a time. It
//! never panics and never waits: every datagram yields a [`Push`] value,
//! stray ones are ignored and counted in [`Counters`], and the caller decides
//! when to give up and reads [`Reassembler::missing`] to count the loss.
//! Nothing here does I/O.
//!
//! ```
//! use memaslap_proto::udp::{self, Push, Reassembler};
//!
//! // The request: frame header, then the text command.
//! let mut request = Vec::new();
//! udp::encode_request_header(&mut request, 7);
//! request.extend_from_slice(b"get k\r\n");
//! assert_eq!(request, b"\x00\x07\x00\x00\x00\x01\x00\x00get k\r\n");
//!
//! // The response came back in two datagrams, the second one first.
//! let first = b"\x00\x07\x00\x00\x00\x02\x00\x00VALUE k 0 2\r\n";
//! let second = b"\x00\x07\x00\x01\x00\x02\x00\x00hi\r\nEND\r\n";
//! let mut reassembler = Reassembler::default();
//! reassembler.start(7);
//! assert_eq!(reassembler.push(second), Push::Accepted);
//! assert_eq!(reassembler.payload(), None);
//! assert_eq!(reassembler.missing(), 1);
//! assert_eq!(reassembler.push(first), Push::Complete);
//! assert_eq!(reassembler.payload(), Some(&b"VALUE k 0 2\r\nhi\r\nEND\r\n"[..]));
//! assert_eq!(reassembler.counters().disorder, 1);
//! ```

mod frame;
mod reassembly;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod reassembly_tests;

pub use frame::{
    FRAME_HEADER_LEN, FrameError, FrameHeader, MAX_PAYLOAD, encode_request_header, split_datagram,
};
pub use reassembly::{Counters, DEFAULT_MAX_DATAGRAMS, Push, Reassembler};
