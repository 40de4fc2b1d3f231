//! The text protocol's side of an exchange.

use super::{Blame, Ctx, Desync, KeyList, Pending, State};
use memaslap_proto::ascii::{self, EncodeError, Parser, Response, Storage, StorageCommand};
use memaslap_workload::{SetOutcome, SetTask};

/// `set <key> 0 <exptime> <len>\r\n`.
pub(super) fn encode_set(
    out: &mut Vec<u8>,
    key: &[u8],
    set: &SetTask<'_>,
) -> Result<(), EncodeError> {
    ascii::encode_storage(
        out,
        &Storage {
            command: StorageCommand::Set,
            key,
            flags: 0,
            exptime: set.exptime,
            value_len: set.value.len(),
            noreply: false,
        },
    )
}

/// `get <k1> [<k2> …]\r\n`.
pub(super) fn encode_get(out: &mut Vec<u8>, keys: KeyList<'_>) -> Result<(), EncodeError> {
    ascii::encode_get(out, keys.iter())
}

/// Consumes replies until the request's end or the end of `buf`.
pub(super) fn receive(
    parser: &Parser,
    buf: &[u8],
    pending: Pending,
    ctx: &mut Ctx<'_, '_>,
) -> Result<(usize, State), Desync> {
    let mut consumed = 0;
    loop {
        let rest = buf.get(consumed..).unwrap_or_default();
        let Some((response, used)) = parser.parse(rest).map_err(|_| Desync)? else {
            return Ok((consumed, State::waiting(pending)));
        };
        consumed += used;
        match (pending, response) {
            (Pending::Get { .. }, Response::Value(value)) => {
                let index = ctx.position(value.key);
                ctx.hit(index, value.data);
            }
            (Pending::Get { keys, blame }, Response::End) => {
                return Ok((consumed, ctx.finish_get(keys, blame)));
            }
            (Pending::Get { keys, .. }, error) => {
                // An error ends a get: memcached sends no END after it.
                let blame = error_blame(&error).ok_or(Desync)?;
                return Ok((consumed, ctx.finish_get(keys, Some(blame))));
            }
            (Pending::Set { object_bytes }, response) => {
                let (outcome, blame) = set_result(&response).ok_or(Desync)?;
                return Ok((consumed, ctx.finish_set(outcome, object_bytes, blame)));
            }
        }
    }
}

/// What a reply to a set means, or `None` when it is no reply to a set.
fn set_result(response: &Response<'_>) -> Option<(SetOutcome, Option<Blame>)> {
    match response {
        Response::Stored => Some((SetOutcome::Stored, None)),
        Response::NotStored | Response::Exists | Response::NotFound => {
            Some((SetOutcome::NotStored, None))
        }
        Response::ServerError(_) => Some((SetOutcome::Lost, Some(Blame::Server))),
        Response::ClientError(_) | Response::Error => {
            Some((SetOutcome::NotStored, Some(Blame::Client)))
        }
        _ => None,
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
