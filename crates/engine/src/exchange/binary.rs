//! The binary protocol's side of an exchange. A single get is a GET; a
//! multi-get is one GETKQ per key, each with its index in the opaque's lower
//! half, closed by a NOOP whose reply marks the end: hits come back with
//! their key and index, misses stay silent. The opaque's upper half names
//! the request (`tag`), so a reply to any other than the oldest is caught.

use super::codec::Codec;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::binary::{self, EncodeError, Limits, Opcode, Parser, Response, Status};
use memaslap_workload::SetOutcome;

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

impl Codec for Binary {
    fn value_crlf(&self) -> bool {
        false
    }

    /// A SET with flags 0.
    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        tag: u32,
    ) -> Result<(), Unencodable> {
        binary::encode_store(out, Opcode::Set, key, 0, exptime, value_len, tag, 0)
            .map_err(|_| Unencodable)
    }

    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        tag: u32,
    ) -> Result<(), Unencodable> {
        encode_get(out, keys, tag).map_err(|_| Unencodable)
    }

    fn receive(
        &self,
        buf: &[u8],
        pending: Pending,
        tag: u32,
        results: &mut Results<'_, '_>,
    ) -> Result<(usize, State), Desync> {
        receive(&self.parser, buf, pending, tag, results)
    }
}

/// A GET for one key; GETKQ per key and a NOOP for several.
fn encode_get(out: &mut Vec<u8>, keys: KeyList<'_>, tag: u32) -> Result<(), EncodeError> {
    if keys.ends.len() == 1 {
        for key in keys.iter() {
            binary::encode_get(out, Opcode::Get, key, tag)?;
        }
        return Ok(());
    }
    let mut opaque = tag;
    for key in keys.iter() {
        binary::encode_get(out, Opcode::GetKQ, key, opaque)?;
        opaque += 1;
    }
    binary::encode_noop(out, opaque);
    Ok(())
}

/// Consumes replies until the request's end or the end of `buf`.
fn receive(
    parser: &Parser,
    buf: &[u8],
    mut pending: Pending,
    tag: u32,
    ctx: &mut Results<'_, '_>,
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
                if opcode != Opcode::Set || response.opaque() != tag {
                    return Err(Desync);
                }
                let (outcome, blame) = set_result(&response);
                return Ok((consumed, ctx.finish_set(outcome, object_bytes, blame)));
            }
            Pending::Get { keys: 1, .. } => {
                if opcode != Opcode::Get || response.opaque() != tag {
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
                let opaque = response.opaque();
                if opaque & !INDEX_MASK != tag {
                    return Err(Desync);
                }
                let index = (opaque & INDEX_MASK) as usize;
                match opcode {
                    Opcode::Noop if index == keys => {
                        return Ok((consumed, ctx.finish_get(keys, blame)));
                    }
                    Opcode::GetKQ if index < keys => {
                        if let Some(data) = response.value_if_hit() {
                            let asked = ctx.is_key(index, response.key).then_some(index);
                            ctx.hit(asked, data);
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
