//! memcached's meta protocol as an exchange's codec. A set is `ms <key>
//! <len> T<ttl> F0 O<tag>`; a single get is `mg <key> v k O<tag>`,
//! answered `VA` or `EN`; a multi-get is one quiet `mg <key> v k q O<tag+i>`
//! per key, closed by `mn`: hits come back as `VA` with their key and
//! index, misses stay silent, and `MN` marks the end. The opaque names the
//! request (`tag`, its upper half) and a multi-get's key (the lower half),
//! so a reply to any other request, or for a key not asked, is caught.

use super::codec::Codec;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::meta::{
    Code, Flag, Limits, Parser, Reply, Response, encode_get, encode_noop, encode_set,
};
use memaslap_proto::parse_decimal;
use memaslap_workload::SetOutcome;

/// The opaque's bits holding a key's index in a multi-get.
const INDEX_MASK: u32 = 0xffff;

/// The meta protocol.
#[derive(Debug)]
pub(super) struct Meta {
    parser: Parser,
}

impl Meta {
    /// A codec accepting values of up to `max_value` bytes.
    pub(super) fn new(max_value: usize) -> Meta {
        Meta {
            parser: Parser::new(Limits {
                max_value,
                ..Limits::default()
            }),
        }
    }
}

/// `opaque` as decimal digits, without allocating.
fn digits(opaque: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut n = opaque;
    let mut at = buf.len();
    loop {
        at -= 1;
        if let Some(slot) = buf.get_mut(at) {
            *slot = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || at == 0 {
            break;
        }
    }
    buf.get(at..).unwrap_or_default()
}

impl Codec for Meta {
    fn value_crlf(&self) -> bool {
        true
    }

    fn encode_set(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        exptime: u32,
        value_len: usize,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let mut buf = [0; 10];
        let flags = [
            Flag::Ttl(exptime),
            Flag::SetFlags(0),
            Flag::Opaque(digits(tag, &mut buf)),
        ];
        encode_set(out, key, value_len, &flags).map_err(|_| Unencodable)
    }

    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let mut buf = [0; 10];
        if keys.ends.len() == 1 {
            let flags = [
                Flag::ReturnValue,
                Flag::ReturnKey,
                Flag::Opaque(digits(tag, &mut buf)),
            ];
            for key in keys.iter() {
                encode_get(out, key, &flags).map_err(|_| Unencodable)?;
            }
            return Ok(());
        }
        let mark = out.len();
        for (index, key) in keys.iter().enumerate() {
            let opaque = tag | (index as u32 & INDEX_MASK);
            let flags = [
                Flag::ReturnValue,
                Flag::ReturnKey,
                Flag::Quiet,
                Flag::Opaque(digits(opaque, &mut buf)),
            ];
            if encode_get(out, key, &flags).is_err() {
                out.truncate(mark);
                return Err(Unencodable);
            }
        }
        encode_noop(out);
        Ok(())
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

/// The opaque of `reply` as a number, if it has one.
fn opaque(reply: &Reply<'_>) -> Option<u32> {
    reply
        .opaque()
        .and_then(parse_decimal)
        .and_then(|n| u32::try_from(n).ok())
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
        let reply = match response {
            Response::Meta(reply) => reply,
            Response::Debug { .. } => return Err(Desync),
            error => {
                let blame = error_blame(&error).ok_or(Desync)?;
                if let Pending::Get { keys, blame: first } = pending
                    && keys > 1
                {
                    // A quiet get's error; the batch still ends with MN.
                    pending = Pending::Get {
                        keys,
                        blame: first.or(Some(blame)),
                    };
                    continue;
                }
                return Ok((consumed, end_with_error(pending, blame, ctx)));
            }
        };
        match pending {
            Pending::Set { object_bytes } => {
                if opaque(&reply) != Some(tag) {
                    return Err(Desync);
                }
                let outcome = match reply.code {
                    Code::Stored => SetOutcome::Stored,
                    Code::NotStored | Code::Exists | Code::NotFound => SetOutcome::NotStored,
                    _ => return Err(Desync),
                };
                return Ok((consumed, ctx.finish_set(outcome, object_bytes, None)));
            }
            Pending::Get { keys: 1, blame } => {
                if opaque(&reply) != Some(tag) {
                    return Err(Desync);
                }
                match (reply.code, reply.data) {
                    (Code::Value, Some(data)) => {
                        let key = reply.key().unwrap_or_default();
                        ctx.hit(ctx.is_key(0, key).then_some(0), data);
                    }
                    (Code::Miss, _) => {}
                    _ => return Err(Desync),
                }
                return Ok((consumed, ctx.finish_get(1, blame)));
            }
            Pending::Get { keys, blame } => {
                if reply.code == Code::NoOp {
                    return Ok((consumed, ctx.finish_get(keys, blame)));
                }
                let Some(opaque) = opaque(&reply).filter(|o| o & !INDEX_MASK == tag) else {
                    return Err(Desync);
                };
                let index = (opaque & INDEX_MASK) as usize;
                match (reply.code, reply.data) {
                    (Code::Value, Some(data)) if index < keys => {
                        let key = reply.key().unwrap_or_default();
                        let asked = ctx.is_key(index, key).then_some(index);
                        ctx.hit(asked, data);
                    }
                    _ => return Err(Desync),
                }
                pending = Pending::Get { keys, blame };
            }
        }
    }
}

/// Ends a set or a single get with an error reply (memcached sends
/// nothing more for it).
fn end_with_error(pending: Pending, blame: Blame, ctx: &mut Results<'_, '_>) -> State {
    match pending {
        Pending::Get { keys, .. } => ctx.finish_get(keys, Some(blame)),
        Pending::Set { object_bytes } => {
            let outcome = match blame {
                Blame::Server => SetOutcome::Lost,
                Blame::Client => SetOutcome::NotStored,
            };
            ctx.finish_set(outcome, object_bytes, Some(blame))
        }
    }
}

/// Who an error reply blames.
fn error_blame(response: &Response<'_>) -> Option<Blame> {
    match response {
        Response::ServerError(_) => Some(Blame::Server),
        Response::ClientError(_) | Response::Error => Some(Blame::Client),
        _ => None,
    }
}
