//! The binary protocol's side of an exchange. A single get is a GET (a
//! GAT for `gat` and `gats`); a multi-get is one GETKQ (GATKQ) per key,
//! each with its index in the opaque's lower half, closed by a NOOP whose
//! reply marks the end: hits come back with their key and index, misses
//! stay silent. Every hit carries its cas unique, which `gets` and `gats`
//! hand to the source. A storage command is SET, ADD, REPLACE, APPEND or
//! PREPEND (`cas` a SET with the unique); `incr` and `decr` are INCREMENT
//! and DECREMENT with the expiry 0xffffffff, so a missing counter is
//! NOT_FOUND rather than created. The opaque's upper half names the
//! request (`tag`), so a reply to any other than the oldest is caught.

use super::codec::Codec;
use super::reply::Answer;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::binary::{self, EncodeError, Limits, Opcode, Parser, Response, Status};
use memaslap_workload::{Key, KeyOp, Retrieve, SetOutcome, Source, Store};

/// The expiry of INCREMENT and DECREMENT that makes a missing counter
/// NOT_FOUND instead of creating it.
const NO_CREATE: u32 = u32::MAX;

/// The opaque's bits holding a key's index in a multi-get.
const INDEX_MASK: u32 = 0xffff;

/// The binary protocol.
#[derive(Debug)]
pub(super) struct Binary {
    parser: Parser,
}

impl Binary {
    /// A codec accepting values of up to `max_value` bytes.
    pub(super) fn new(max_value: usize) -> Binary {
        Binary {
            parser: Parser::new(Limits {
                max_body: max_value + 64 + memaslap_proto::MAX_KEY_LEN,
            }),
        }
    }
}

impl Binary {
    /// The bytes of the reply at the start of `buf` when it is a hit of
    /// the single GET named by `tag`, whole: what [`Codec::receive`] would
    /// read as that get's hit and end. `None` for anything else.
    #[inline]
    pub(super) fn read_hit(&self, buf: &[u8], tag: u32) -> Option<usize> {
        let Ok(Some((response, used))) = self.parser.parse(buf) else {
            return None;
        };
        let hit = response.opcode() == Ok(Opcode::Get)
            && response.opaque() == tag
            && response.value_if_hit().is_some();
        hit.then_some(used)
    }
}

impl Codec for Binary {
    fn value_crlf(&self) -> bool {
        false
    }

    /// A SET (ADD, REPLACE, APPEND, PREPEND) with flags 0.
    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        store: Store,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let (opcode, cas) = match store {
            Store::Set => (Opcode::Set, 0),
            Store::Add => (Opcode::Add, 0),
            Store::Replace => (Opcode::Replace, 0),
            Store::Cas(unique) => (Opcode::Set, unique),
            Store::Append | Store::Prepend => {
                return binary::encode_append(out, store_opcode(store), key, value_len, tag, 0)
                    .map_err(|_| Unencodable);
            }
        };
        binary::encode_store(out, opcode, key, 0, exptime, value_len, tag, cas)
            .map_err(|_| Unencodable)
    }

    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        encode_get(out, keys, retrieve, tag).map_err(|_| Unencodable)
    }

    fn encode_get_one(
        &self,
        out: &mut Vec<u8>,
        key: Key<'_>,
        scratch: &mut Vec<u8>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        scratch.clear();
        key.append_to(scratch);
        let (single, _) = get_opcodes(retrieve);
        encode_one(out, single, scratch, retrieve, tag).map_err(|_| Unencodable)
    }

    fn encode_key(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        op: KeyOp,
        tag: u32,
    ) -> Result<(), Unencodable> {
        match op {
            KeyOp::Delete => binary::encode_delete(out, key, tag, 0, false),
            KeyOp::Incr(delta) => {
                binary::encode_counter(out, Opcode::Increment, key, delta, 0, NO_CREATE, tag)
            }
            KeyOp::Decr(delta) => {
                binary::encode_counter(out, Opcode::Decrement, key, delta, 0, NO_CREATE, tag)
            }
            KeyOp::Touch(exptime) => binary::encode_touch(out, key, exptime, tag),
        }
        .map_err(|_| Unencodable)
    }

    fn receive<'w, S: Source<'w>>(
        &self,
        buf: &[u8],
        pending: Pending,
        tag: u32,
        results: &mut Results<'_, S>,
    ) -> Result<(usize, State), Desync> {
        receive(&self.parser, buf, pending, tag, results)
    }
}

/// The opcodes of a retrieval: alone, and one key of a multi-get.
fn get_opcodes(retrieve: Retrieve) -> (Opcode, Opcode) {
    match retrieve.touch() {
        Some(_) => (Opcode::Gat, Opcode::GatKQ),
        None => (Opcode::Get, Opcode::GetKQ),
    }
}

/// A GET (GAT) for one key; GETKQ (GATKQ) per key and a NOOP for several.
fn encode_get(
    out: &mut Vec<u8>,
    keys: KeyList<'_>,
    retrieve: Retrieve,
    tag: u32,
) -> Result<(), EncodeError> {
    let (single, each) = get_opcodes(retrieve);
    if keys.ends.len() == 1 {
        for key in keys.iter() {
            encode_one(out, single, key, retrieve, tag)?;
        }
        return Ok(());
    }
    let mut opaque = tag;
    for key in keys.iter() {
        encode_one(out, each, key, retrieve, opaque)?;
        opaque += 1;
    }
    binary::encode_noop(out, opaque);
    Ok(())
}

/// One GET or GETKQ (GAT or GATKQ for a touching `retrieve`) of `key`.
fn encode_one(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    retrieve: Retrieve,
    opaque: u32,
) -> Result<(), EncodeError> {
    match retrieve.touch() {
        Some(exptime) => binary::encode_gat(out, opcode, key, exptime, opaque),
        None => binary::encode_get(out, opcode, key, opaque),
    }
}

/// The opcode of the reply to storage command `store`.
fn store_opcode(store: Store) -> Opcode {
    match store {
        Store::Set | Store::Cas(_) => Opcode::Set,
        Store::Add => Opcode::Add,
        Store::Replace => Opcode::Replace,
        Store::Append => Opcode::Append,
        Store::Prepend => Opcode::Prepend,
    }
}

/// The opcode of the reply to `op`.
fn key_opcode(op: KeyOp) -> Opcode {
    match op {
        KeyOp::Delete => Opcode::Delete,
        KeyOp::Incr(_) => Opcode::Increment,
        KeyOp::Decr(_) => Opcode::Decrement,
        KeyOp::Touch(_) => Opcode::Touch,
    }
}

/// Consumes replies until the request's end or the end of `buf`.
fn receive<'w, S: Source<'w>>(
    parser: &Parser,
    buf: &[u8],
    mut pending: Pending,
    tag: u32,
    ctx: &mut Results<'_, S>,
) -> Result<(usize, State), Desync> {
    let mut consumed = 0;
    loop {
        let rest = buf.get(consumed..).unwrap_or_default();
        let Some((response, used)) = parser.parse(rest).map_err(|_| Desync)? else {
            return Ok((consumed, State::waiting(pending)));
        };
        consumed += used;
        let opcode = response.opcode().map_err(|_| Desync)?;
        match pending {
            Pending::Set {
                object_bytes,
                store,
                ..
            } => {
                if opcode != store_opcode(store) || response.opaque() != tag {
                    return Err(Desync);
                }
                let (outcome, answer, blame) = set_result(&response);
                return Ok((
                    consumed,
                    ctx.finish_set(outcome, answer, object_bytes, blame),
                ));
            }
            Pending::Key { op } => {
                if opcode != key_opcode(op) || response.opaque() != tag {
                    return Err(Desync);
                }
                return Ok((consumed, key_reply(&response, ctx)));
            }
            Pending::Get {
                keys: 1, retrieve, ..
            } => {
                if opcode != get_opcodes(retrieve).0 || response.opaque() != tag {
                    return Err(Desync);
                }
                let blame = match response.value_if_hit() {
                    Some(data) => {
                        hit(ctx, Some(0), &response, retrieve, data);
                        None
                    }
                    None if response.is_miss() => None,
                    None => Some(status_blame(&response)),
                };
                return Ok((consumed, ctx.finish_get(1, blame)));
            }
            Pending::Get {
                keys,
                blame,
                retrieve,
            } => {
                let opaque = response.opaque();
                if opaque & !INDEX_MASK != tag {
                    return Err(Desync);
                }
                let index = (opaque & INDEX_MASK) as usize;
                if opcode == Opcode::Noop && index == keys {
                    return Ok((consumed, ctx.finish_get(keys, blame)));
                }
                if opcode != get_opcodes(retrieve).1 || index >= keys {
                    return Err(Desync);
                }
                if let Some(error) = batch_value(&response, index, retrieve, ctx) {
                    pending = Pending::Get {
                        keys,
                        blame: blame.or(Some(error)),
                        retrieve,
                    };
                }
            }
        }
    }
}

/// The reply to a key command (delete, incr, decr, touch).
fn key_reply<'w, S: Source<'w>>(response: &Response<'_>, ctx: &mut Results<'_, S>) -> State {
    let (answer, blame) = match response.status() {
        Ok(Status::NoError) => (Answer::Hit, None),
        Ok(Status::KeyNotFound) => (Answer::Miss, None),
        _ => (Answer::Miss, Some(status_blame(response))),
    };
    ctx.finish_key(answer, blame)
}

/// The reply for key `index` of a batch of quiet gets: a value, a miss, or
/// an error, whose blame is returned (the batch still ends with its no-op).
fn batch_value<'w, S: Source<'w>>(
    response: &Response<'_>,
    index: usize,
    retrieve: Retrieve,
    ctx: &mut Results<'_, S>,
) -> Option<Blame> {
    if let Some(data) = response.value_if_hit() {
        let asked = ctx.is_key(index, response.key).then_some(index);
        hit(ctx, asked, response, retrieve, data);
        None
    } else if response.is_miss() {
        None
    } else {
        Some(status_blame(response))
    }
}

/// A value for key `index`; its cas unique goes to the source when the
/// retrieval asked for it.
fn hit<'w, S: Source<'w>>(
    ctx: &mut Results<'_, S>,
    index: Option<usize>,
    response: &Response<'_>,
    retrieve: Retrieve,
    data: &[u8],
) {
    if retrieve.wants_cas() {
        ctx.saw_cas(index, response.cas());
    }
    ctx.hit(index, data);
}

/// What a reply to a storage command means.
fn set_result(response: &Response<'_>) -> (SetOutcome, Answer, Option<Blame>) {
    match response.status() {
        Ok(Status::NoError) => (SetOutcome::Stored, Answer::Hit, None),
        Ok(Status::KeyExists | Status::ItemNotStored) => {
            (SetOutcome::NotStored, Answer::Refused, None)
        }
        Ok(Status::KeyNotFound) => (SetOutcome::NotStored, Answer::Miss, None),
        _ => match status_blame(response) {
            Blame::Server => (SetOutcome::Lost, Answer::Miss, Some(Blame::Server)),
            Blame::Client => (SetOutcome::NotStored, Answer::Miss, Some(Blame::Client)),
        },
    }
}

/// Who an error status blames.
fn status_blame(response: &Response<'_>) -> Blame {
    match response.status() {
        Ok(
            Status::ValueTooLarge
            | Status::InvalidArguments
            | Status::NonNumericValue
            | Status::UnknownCommand
            | Status::AuthError
            | Status::AuthContinue
            | Status::VbucketNotHere,
        ) => Blame::Client,
        _ => Blame::Server,
    }
}
