//! The seam between an exchange and a wire protocol: a [`Codec`] encodes
//! a task's request and consumes the bytes of its reply, sending results
//! to the generator and the counters. The exchange around it keeps the
//! requests outstanding, the write being gathered and the matching of
//! replies to requests in order; a protocol is one codec module beside
//! [`super::ascii`], [`super::binary`] and [`super::meta`], and a variant
//! of [`AnyCodec`].

use super::ascii::Text;
use super::binary::Binary;
use super::meta::Meta;
use super::{Desync, KeyList, Pending, Protocol, Results, State, Unencodable};
use memaslap_workload::{Key, KeyOp, Retrieve, Source, Store};

/// One wire protocol's encoding of requests and reading of replies.
pub(super) trait Codec {
    /// Whether a set's value is followed by `\r\n` on the wire.
    fn value_crlf(&self) -> bool;

    /// Appends the command bytes of storage command `store` of `key`
    /// (expiring after `exptime` seconds, 0 for never) with a value of
    /// `value_len` bytes to `out`: every byte before the value, which is
    /// sent from the workload without copying. `tag` names the request in
    /// protocols that echo one.
    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        store: Store,
        tag: u32,
    ) -> Result<(), Unencodable>;

    /// Appends retrieval `retrieve` of every key of `keys`, in order, to
    /// `out`.
    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable>;

    /// Appends retrieval `retrieve` of the one key `key` to `out`: what
    /// [`Codec::encode_get`] appends for it, without a key list. `scratch`
    /// is room to join the key's pieces, for a protocol that takes it whole.
    fn encode_get_one(
        &self,
        out: &mut Vec<u8>,
        key: Key<'_>,
        scratch: &mut Vec<u8>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable>;

    /// Appends `op` (delete, incr, decr, touch) of `key` to `out`.
    fn encode_key(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        op: KeyOp,
        tag: u32,
    ) -> Result<(), Unencodable>;

    /// Consumes reply bytes from the start of `buf` for the oldest request
    /// (`pending`, named by `tag`) until its reply is complete or more bytes
    /// are needed; returns the bytes consumed and what is left.
    fn receive<'w, S: Source<'w>>(
        &self,
        buf: &[u8],
        pending: Pending,
        tag: u32,
        results: &mut Results<'_, S>,
    ) -> Result<(usize, State), Desync>;
}

/// Every codec, for dispatch without boxing.
#[derive(Debug)]
pub(super) enum AnyCodec {
    /// memcached's text protocol.
    Text(Text),
    /// memcached's binary protocol.
    Binary(Binary),
    /// memcached's meta protocol.
    Meta(Meta),
}

impl AnyCodec {
    /// The codec of `protocol`, accepting values of up to `max_value` bytes.
    pub(super) fn new(protocol: Protocol, max_value: usize) -> AnyCodec {
        match protocol {
            Protocol::Ascii => AnyCodec::Text(Text::new(max_value)),
            Protocol::Binary => AnyCodec::Binary(Binary::new(max_value)),
            Protocol::Meta => AnyCodec::Meta(Meta::new(max_value)),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $c:ident => $e:expr) => {
        match $self {
            AnyCodec::Text($c) => $e,
            AnyCodec::Binary($c) => $e,
            AnyCodec::Meta($c) => $e,
        }
    };
}

impl Codec for AnyCodec {
    #[inline]
    fn value_crlf(&self) -> bool {
        dispatch!(self, c => c.value_crlf())
    }

    #[inline]
    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        store: Store,
        tag: u32,
    ) -> Result<(), Unencodable> {
        dispatch!(self, c => c.encode_set(out, key, exptime, value_len, store, tag))
    }

    #[inline]
    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        dispatch!(self, c => c.encode_get(out, keys, retrieve, tag))
    }

    #[inline]
    fn encode_get_one(
        &self,
        out: &mut Vec<u8>,
        key: Key<'_>,
        scratch: &mut Vec<u8>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        dispatch!(self, c => c.encode_get_one(out, key, scratch, retrieve, tag))
    }

    #[inline]
    fn encode_key(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        op: KeyOp,
        tag: u32,
    ) -> Result<(), Unencodable> {
        dispatch!(self, c => c.encode_key(out, key, op, tag))
    }

    #[inline]
    fn receive<'w, S: Source<'w>>(
        &self,
        buf: &[u8],
        pending: Pending,
        tag: u32,
        results: &mut Results<'_, S>,
    ) -> Result<(usize, State), Desync> {
        dispatch!(self, c => c.receive(buf, pending, tag, results))
    }
}
