//! The binary protocol's side of an exchange. A single get is a GET; a
//! multi-get is one GETKQ per key, each with its index as opaque, closed by a
//! NOOP whose reply marks the end: hits come back with their key and index,
//! misses stay silent.

use super::{Blame, Ctx, Desync, KeyList, Pending, State};
use memaslap_proto::binary::{self, EncodeError, Opcode, Parser, Response, Status};
use memaslap_workload::{SetOutcome, SetTask};

/// A SET with flags 0 and the task's expiry.
pub(super) fn encode_set(
    out: &mut Vec<u8>,
    key: &[u8],
    set: &SetTask<'_>,
) -> Result<(), EncodeError> {
    binary::encode_store(out, Opcode::Set, key, 0, set.exptime, set.value.len(), 0, 0)
}

/// A GET for one key; GETKQ per key and a NOOP for several.
pub(super) fn encode_get(out: &mut Vec<u8>, keys: KeyList<'_>) -> Result<(), EncodeError> {
    if keys.ends.len() == 1 {
        for key in keys.iter() {
            binary::encode_get(out, Opcode::Get, key, 0)?;
        }
        return Ok(());
    }
    let mut opaque = 0u32;
    for key in keys.iter() {
        binary::encode_get(out, Opcode::GetKQ, key, opaque)?;
        opaque += 1;
    }
    binary::encode_noop(out, opaque);
    Ok(())
}

/// Consumes replies until the request's end or the end of `buf`.
pub(super) fn receive(
    parser: &Parser,
    buf: &[u8],
    mut pending: Pending,
    ctx: &mut Ctx<'_, '_>,
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
            Pending::Set { object_bytes } => {
                if opcode != Opcode::Set || response.opaque() != 0 {
                    return Err(Desync);
                }
                let (outcome, blame) = set_result(&response);
                return Ok((consumed, ctx.finish_set(outcome, object_bytes, blame)));
            }
            Pending::Get { keys: 1, .. } => {
                if opcode != Opcode::Get || response.opaque() != 0 {
                    return Err(Desync);
                }
                let blame = match response.value_if_hit() {
                    Some(data) => {
                        ctx.hit(Some(0), data);
                        None
                    }
                    None if response.is_miss() => None,
                    None => Some(status_blame(&response)),
                };
                return Ok((consumed, ctx.finish_get(1, blame)));
            }
            Pending::Get { keys, blame } => {
                let index = usize::try_from(response.opaque()).unwrap_or(usize::MAX);
                match opcode {
                    Opcode::Noop if index == keys => {
                        return Ok((consumed, ctx.finish_get(keys, blame)));
                    }
                    Opcode::GetKQ if index < keys => {
                        if let Some(data) = response.value_if_hit() {
                            let asked = ctx.generator.batch().position(response.key);
                            ctx.hit(asked.filter(|&i| i == index), data);
                        } else if !response.is_miss() {
                            pending = Pending::Get {
                                keys,
                                blame: blame.or(Some(status_blame(&response))),
                            };
                        }
                    }
                    _ => return Err(Desync),
                }
            }
        }
    }
}

/// What a reply to a SET means.
fn set_result(response: &Response<'_>) -> (SetOutcome, Option<Blame>) {
    match response.status() {
        Ok(Status::NoError) => (SetOutcome::Stored, None),
        Ok(Status::KeyExists | Status::ItemNotStored | Status::KeyNotFound) => {
            (SetOutcome::NotStored, None)
        }
        _ => match status_blame(response) {
            Blame::Server => (SetOutcome::Lost, Some(Blame::Server)),
            Blame::Client => (SetOutcome::NotStored, Some(Blame::Client)),
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
