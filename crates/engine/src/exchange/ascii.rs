//! memcached's text protocol as an exchange's codec.

use super::codec::Codec;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::ascii::{self, Limits, Parser, Response, Storage, StorageCommand};
use memaslap_workload::SetOutcome;

/// The text protocol: `set` with the value and `\r\n` after the command
/// line, `get` with every key of a multi-get on one line.
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
        _tag: u32,
    ) -> Result<(), Unencodable> {
        ascii::encode_storage(
            out,
            &Storage {
                command: StorageCommand::Set,
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
        _tag: u32,
    ) -> Result<(), Unencodable> {
        ascii::encode_get(out, keys.iter()).map_err(|_| Unencodable)
    }

    fn receive(
        &self,
        buf: &[u8],
        pending: Pending,
        _tag: u32,
        results: &mut Results<'_, '_>,
    ) -> Result<(usize, State), Desync> {
        receive(&self.parser, buf, pending, results)
    }
}

/// Consumes replies until the request's end or the end of `buf`.
fn receive(
    parser: &Parser,
    buf: &[u8],
    pending: Pending,
    ctx: &mut Results<'_, '_>,
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
