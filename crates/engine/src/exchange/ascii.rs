//! memcached's text protocol as an exchange's codec.

use super::codec::Codec;
use super::reply::Answer;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::WriteKey;
use memaslap_proto::ascii::{self, Limits, Parser, Response, Storage, StorageCommand};
use memaslap_workload::{Key, KeyOp, Retrieve, SetOutcome, Source, Store};

/// The text protocol: a storage command with the value and `\r\n` after
/// the command line, a retrieval with every key of a multi-get on one
/// line.
#[derive(Debug)]
pub(super) struct Text {
    parser: Parser,
}

impl Text {
    /// A codec accepting values of up to `max_value` bytes.
    pub(super) fn new(max_value: usize) -> Text {
        Text {
            parser: Parser::new(Limits {
                max_value,
                ..Limits::default()
            }),
        }
    }
}

impl Text {
    /// The bytes of the reply at the start of `buf` when it is a whole hit
    /// (`VALUE`, its data and `END`) of a key `key_len` bytes long that
    /// `is_key` accepts: what [`Codec::receive`] would read as a plain
    /// one-key get's hit and end. `None` for anything else.
    #[inline]
    pub(super) fn read_hit(
        &self,
        buf: &[u8],
        key_len: usize,
        is_key: impl FnOnce(&[u8]) -> bool,
    ) -> Option<usize> {
        let (_, end) = self.parser.read_hit(buf, key_len, is_key)?;
        Some(end)
    }
}

impl Codec for Text {
    fn value_crlf(&self) -> bool {
        true
    }

    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        store: Store,
        _tag: u32,
    ) -> Result<(), Unencodable> {
        let command = match store {
            Store::Set => StorageCommand::Set,
            Store::Add => StorageCommand::Add,
            Store::Replace => StorageCommand::Replace,
            Store::Append => StorageCommand::Append,
            Store::Prepend => StorageCommand::Prepend,
            Store::Cas(unique) => StorageCommand::Cas(unique),
        };
        ascii::encode_storage(
            out,
            &Storage {
                command,
                key,
                flags: 0,
                exptime,
                value_len,
                noreply: false,
            },
        )
        .map_err(|_| Unencodable)
    }

    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        retrieve: Retrieve,
        _tag: u32,
    ) -> Result<(), Unencodable> {
        retrieval(out, keys.iter(), retrieve)
    }

    #[inline]
    fn encode_get_one(
        &self,
        out: &mut Vec<u8>,
        key: Key<'_>,
        _scratch: &mut Vec<u8>,
        retrieve: Retrieve,
        _tag: u32,
    ) -> Result<(), Unencodable> {
        match retrieve {
            Retrieve::Get => ascii::encode_get_key(out, &key).map_err(|_| Unencodable),
            _ => retrieval(out, [key], retrieve),
        }
    }

    fn encode_key(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        op: KeyOp,
        _tag: u32,
    ) -> Result<(), Unencodable> {
        match op {
            KeyOp::Delete => ascii::encode_delete(out, key, false),
            KeyOp::Incr(delta) => ascii::encode_incr(out, key, delta, false),
            KeyOp::Decr(delta) => ascii::encode_decr(out, key, delta, false),
            KeyOp::Touch(exptime) => ascii::encode_touch(out, key, exptime, false),
        }
        .map_err(|_| Unencodable)
    }

    fn receive<'w, S: Source<'w>>(
        &self,
        buf: &[u8],
        pending: Pending,
        _tag: u32,
        results: &mut Results<'_, S>,
    ) -> Result<(usize, State), Desync> {
        receive(&self.parser, buf, pending, results)
    }
}

/// Appends retrieval `retrieve` of `keys`, each written where it goes.
fn retrieval<K: WriteKey>(
    out: &mut Vec<u8>,
    keys: impl IntoIterator<Item = K>,
    retrieve: Retrieve,
) -> Result<(), Unencodable> {
    match retrieve {
        Retrieve::Get => ascii::encode_get(out, keys),
        Retrieve::Gets => ascii::encode_gets(out, keys),
        Retrieve::Gat(exptime) => ascii::encode_gat(out, exptime, keys),
        Retrieve::Gats(exptime) => ascii::encode_gats(out, exptime, keys),
    }
    .map_err(|_| Unencodable)
}

/// Consumes replies until the request's end or the end of `buf`.
fn receive<'w, S: Source<'w>>(
    parser: &Parser,
    buf: &[u8],
    pending: Pending,
    ctx: &mut Results<'_, S>,
) -> Result<(usize, State), Desync> {
    let mut consumed = 0;
    loop {
        let rest = buf.get(consumed..).unwrap_or_default();
        let Some((response, used)) = parser.parse(rest).map_err(|_| Desync)? else {
            return Ok((consumed, State::waiting(pending)));
        };
        consumed += used;
        match (pending, response) {
            (
                Pending::Get {
                    keys,
                    blame,
                    retrieve,
                },
                Response::Value(value),
            ) => {
                let index = ctx.position(value.key);
                match (retrieve.wants_cas(), value.cas) {
                    (true, Some(cas)) => ctx.saw_cas(index, cas),
                    (false, None) => {}
                    // A unique where none was asked for, or none where one was.
                    _ => return Err(Desync),
                }
                ctx.hit(index, value.data);
                // The END after the last value, read here rather than by
                // another pass through the parser.
                if rest.get(used..).and_then(|r| r.first_chunk::<5>()) == Some(b"END\r\n") {
                    return Ok((consumed + 5, ctx.finish_get(keys, blame)));
                }
            }
            (Pending::Get { keys, blame, .. }, Response::End) => {
                return Ok((consumed, ctx.finish_get(keys, blame)));
            }
            (Pending::Get { keys, .. }, error) => {
                // An error ends a get: memcached sends no END after it.
                let blame = error_blame(&error).ok_or(Desync)?;
                return Ok((consumed, ctx.finish_get(keys, Some(blame))));
            }
            (Pending::Set { object_bytes, .. }, response) => {
                let (outcome, answer, blame) = set_result(&response).ok_or(Desync)?;
                return Ok((
                    consumed,
                    ctx.finish_set(outcome, answer, object_bytes, blame),
                ));
            }
            (Pending::Key { op }, response) => {
                let (answer, blame) = key_result(op, &response).ok_or(Desync)?;
                return Ok((consumed, ctx.finish_key(answer, blame)));
            }
        }
    }
}

/// What a reply to a storage command means, or `None` when it is no reply
/// to one.
fn set_result(response: &Response<'_>) -> Option<(SetOutcome, Answer, Option<Blame>)> {
    match response {
        Response::Stored => Some((SetOutcome::Stored, Answer::Hit, None)),
        Response::NotStored | Response::Exists => {
            Some((SetOutcome::NotStored, Answer::Refused, None))
        }
        Response::NotFound => Some((SetOutcome::NotStored, Answer::Miss, None)),
        Response::ServerError(_) => Some((SetOutcome::Lost, Answer::Miss, Some(Blame::Server))),
        Response::ClientError(_) | Response::Error => {
            Some((SetOutcome::NotStored, Answer::Miss, Some(Blame::Client)))
        }
        _ => None,
    }
}

/// What a reply to `op` means, or `None` when it is no reply to it.
fn key_result(op: KeyOp, response: &Response<'_>) -> Option<(Answer, Option<Blame>)> {
    match (op, response) {
        (KeyOp::Delete, Response::Deleted)
        | (KeyOp::Touch(_), Response::Touched)
        | (KeyOp::Incr(_) | KeyOp::Decr(_), Response::Number(_)) => Some((Answer::Hit, None)),
        (_, Response::NotFound) => Some((Answer::Miss, None)),
        (_, error) => error_blame(error).map(|blame| (Answer::Miss, Some(blame))),
    }
}

/// Who an error reply blames, or `None` when it is no error reply.
fn error_blame(response: &Response<'_>) -> Option<Blame> {
    match response {
        Response::ServerError(_) => Some(Blame::Server),
        Response::ClientError(_) | Response::Error => Some(Blame::Client),
        _ => None,
    }
}
