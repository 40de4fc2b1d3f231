//! memcached's meta protocol as an exchange's codec. A set is `ms <key>
//! <len> T<ttl> F0 O<tag>` (`add`, `replace`, `append` and `prepend` with
//! their mode `M<E|R|A|P>`, `cas` with `C<unique>`); a single get is
//! `mg <key> v k O<tag>` (`c` for the cas unique of `gets`, `T<ttl>` to
//! touch for `gat`), answered `VA` or `EN`; a multi-get is one quiet `mg
//! <key> v k q O<tag+i>` per key, closed by `mn`: hits come back as `VA`
//! with their key and index, misses stay silent, and `MN` marks the end.
//! `delete` is `md`, `incr` and `decr` are `ma` (`MD` to decrement, `D`
//! the delta), `touch` is `mg <key> T<ttl>` without a value. The opaque
//! names the request (`tag`, its upper half) and a multi-get's key (the
//! lower half), so a reply to any other request, or for a key not asked,
//! is caught.

use super::codec::Codec;
use super::reply::Answer;
use super::{Blame, Desync, KeyList, Pending, Results, State, Unencodable};
use memaslap_proto::meta::{
    ArithMode, Code, Command, Flag, Limits, Parser, PreparedFlags, Reply, Response, SetMode,
    encode_arithmetic, encode_delete, encode_get, encode_noop, encode_set,
};
use memaslap_proto::parse_decimal;
use memaslap_workload::{Key, KeyOp, Retrieve, SetOutcome, Source, Store};

/// The opaque's bits holding a key's index in a multi-get.
const INDEX_MASK: u32 = 0xffff;

/// The meta protocol.
#[derive(Debug)]
pub(super) struct Meta {
    parser: Parser,
    /// A plain get's flags, `v k` (`[0]`) and, in a multi-get, `v k q`
    /// (`[1]`), checked and encoded once; `None` only if the encoder
    /// refused them, when each get is encoded flag by flag.
    gets: Option<[PreparedFlags; 2]>,
}

impl Meta {
    /// A codec accepting values of up to `max_value` bytes.
    pub(super) fn new(max_value: usize) -> Meta {
        let prepare = |flags: &[Flag<'_>]| PreparedFlags::new(Command::Get, flags).ok();
        let (v, k, q) = (Flag::ReturnValue, Flag::ReturnKey, Flag::Quiet);
        Meta {
            parser: Parser::new(Limits {
                max_value,
                ..Limits::default()
            }),
            gets: prepare(&[v, k])
                .zip(prepare(&[v, k, q]))
                .map(<[_; 2]>::from),
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

impl Meta {
    /// The prepared flags of a plain get (`retrieve` is `get`): alone or
    /// one key of a multi-get.
    fn prepared(&self, retrieve: Retrieve, single: bool) -> Option<&PreparedFlags> {
        match (&self.gets, retrieve) {
            (Some([one, many]), Retrieve::Get) => Some(if single { one } else { many }),
            _ => None,
        }
    }

    /// Appends one `mg` of `key`: alone (`multi` is `None`), or quiet as
    /// key `index` of a multi-get (`Some(index)`). Leaves `out` as it was
    /// when the key is refused.
    fn encode_one(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        retrieve: Retrieve,
        tag: u32,
        multi: Option<usize>,
    ) -> Result<(), Unencodable> {
        let mut buf = [0; 10];
        let single = multi.is_none();
        let opaque = match multi {
            None => tag,
            Some(index) => tag | (index as u32 & INDEX_MASK),
        };
        if let Some(flags) = self.prepared(retrieve, single) {
            return flags
                .encode(out, key, None, Some(opaque))
                .map_err(|_| Unencodable);
        }
        // `v k`, then what this get asks for besides, then the opaque.
        let mut flags = [
            Flag::ReturnValue,
            Flag::ReturnKey,
            Flag::Quiet,
            Flag::Quiet,
            Flag::Quiet,
            Flag::Quiet,
        ];
        let mut n = 2;
        let wanted = [
            retrieve.wants_cas().then_some(Flag::ReturnCas),
            retrieve.touch().map(Flag::Ttl),
            (!single).then_some(Flag::Quiet),
        ];
        for flag in wanted.into_iter().flatten() {
            if let Some(slot) = flags.get_mut(n) {
                *slot = flag;
                n += 1;
            }
        }
        if let Some(slot) = flags.get_mut(n) {
            *slot = Flag::Opaque(digits(opaque, &mut buf));
            n += 1;
        }
        let flags = flags.get(..n).unwrap_or_default();
        encode_get(out, key, flags).map_err(|_| Unencodable)
    }
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
        store: Store,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let mut buf = [0; 10];
        let opaque = Flag::Opaque(digits(tag, &mut buf));
        let (ttl, client) = (Flag::Ttl(exptime), Flag::SetFlags(0));
        let mode = |mode| Flag::SetMode(mode);
        match store {
            Store::Set => encode_set(out, key, value_len, &[ttl, client, opaque]),
            Store::Add => encode_set(
                out,
                key,
                value_len,
                &[ttl, client, mode(SetMode::Add), opaque],
            ),
            Store::Replace => {
                let flags = [ttl, client, mode(SetMode::Replace), opaque];
                encode_set(out, key, value_len, &flags)
            }
            Store::Append => encode_set(out, key, value_len, &[mode(SetMode::Append), opaque]),
            Store::Prepend => encode_set(out, key, value_len, &[mode(SetMode::Prepend), opaque]),
            Store::Cas(unique) => {
                let flags = [ttl, client, Flag::CompareCas(unique), opaque];
                encode_set(out, key, value_len, &flags)
            }
        }
        .map_err(|_| Unencodable)
    }

    fn encode_get(
        &self,
        out: &mut Vec<u8>,
        keys: KeyList<'_>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let single = keys.ends.len() == 1;
        let mark = out.len();
        for (index, key) in keys.iter().enumerate() {
            if self
                .encode_one(out, key, retrieve, tag, (!single).then_some(index))
                .is_err()
            {
                out.truncate(mark);
                return Err(Unencodable);
            }
        }
        if !single {
            encode_noop(out);
        }
        Ok(())
    }

    fn encode_get_one(
        &self,
        out: &mut Vec<u8>,
        key: Key<'_>,
        scratch: &mut Vec<u8>,
        retrieve: Retrieve,
        tag: u32,
    ) -> Result<(), Unencodable> {
        // A plain get writes the key in its pieces where it goes.
        if let Some(flags) = self.prepared(retrieve, true) {
            return flags
                .encode(out, key, None, Some(tag))
                .map_err(|_| Unencodable);
        }
        scratch.clear();
        key.append_to(scratch);
        self.encode_one(out, scratch, retrieve, tag, None)
    }

    fn encode_key(
        &self,
        out: &mut Vec<u8>,
        key: &[u8],
        op: KeyOp,
        tag: u32,
    ) -> Result<(), Unencodable> {
        let mut buf = [0; 10];
        let opaque = Flag::Opaque(digits(tag, &mut buf));
        let decrement = Flag::ArithMode(ArithMode::Decrement);
        match op {
            KeyOp::Delete => encode_delete(out, key, &[opaque]),
            KeyOp::Incr(delta) => encode_arithmetic(out, key, &[Flag::Delta(delta), opaque]),
            KeyOp::Decr(delta) => {
                encode_arithmetic(out, key, &[decrement, Flag::Delta(delta), opaque])
            }
            KeyOp::Touch(exptime) => encode_get(out, key, &[Flag::Ttl(exptime), opaque]),
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

impl Meta {
    /// The bytes of the reply at the start of `buf` when it is a whole hit
    /// of the single get named by `tag` of a key `key_len` bytes long that
    /// `is_key` accepts, its flags as asked (`VA <len> k<key> O<tag>`):
    /// what [`Codec::receive`] would read as that get's hit and end. `None`
    /// for anything else.
    #[inline]
    pub(super) fn read_hit(
        &self,
        buf: &[u8],
        tag: u32,
        key_len: usize,
        is_key: impl FnOnce(&[u8]) -> bool,
    ) -> Option<usize> {
        let (_, end) = self.parser.read_hit(buf, key_len, is_key, tag)?;
        Some(end)
    }
}

/// The flags of a reply the engine reads, found in one walk.
struct Returned<'a> {
    /// The opaque (`O`) as a number, if returned and a number.
    opaque: Option<u32>,
    /// The key (`k`), if returned.
    key: Option<&'a [u8]>,
    /// The cas unique's token (`c`), if returned.
    cas: Option<&'a [u8]>,
}

impl<'a> Returned<'a> {
    fn of(reply: &Reply<'a>) -> Returned<'a> {
        let [opaque, key, cas] = reply.flags.tokens_of([b'O', b'k', b'c']);
        Returned {
            opaque: opaque
                .and_then(parse_decimal)
                .and_then(|n| u32::try_from(n).ok()),
            key,
            cas,
        }
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
        let reply = match response {
            Response::Meta(reply) => reply,
            Response::Debug { .. } => return Err(Desync),
            error => {
                let blame = error_blame(&error).ok_or(Desync)?;
                if let Pending::Get {
                    keys,
                    blame: first,
                    retrieve,
                } = pending
                    && keys > 1
                {
                    // A quiet get's error; the batch still ends with MN.
                    pending = Pending::Get {
                        keys,
                        blame: first.or(Some(blame)),
                        retrieve,
                    };
                    continue;
                }
                return Ok((consumed, end_with_error(pending, blame, ctx)));
            }
        };
        let returned = Returned::of(&reply);
        match pending {
            Pending::Set { object_bytes, .. } => {
                if returned.opaque != Some(tag) {
                    return Err(Desync);
                }
                let (outcome, answer) = match reply.code {
                    Code::Stored => (SetOutcome::Stored, Answer::Hit),
                    Code::NotStored | Code::Exists => (SetOutcome::NotStored, Answer::Refused),
                    Code::NotFound => (SetOutcome::NotStored, Answer::Miss),
                    _ => return Err(Desync),
                };
                return Ok((
                    consumed,
                    ctx.finish_set(outcome, answer, object_bytes, None),
                ));
            }
            Pending::Key { op } => {
                if returned.opaque != Some(tag) {
                    return Err(Desync);
                }
                let answer = match (op, reply.code) {
                    (_, Code::Stored) => Answer::Hit,
                    (KeyOp::Touch(_), Code::Miss) => Answer::Miss,
                    (KeyOp::Delete | KeyOp::Incr(_) | KeyOp::Decr(_), Code::NotFound) => {
                        Answer::Miss
                    }
                    _ => return Err(Desync),
                };
                return Ok((consumed, ctx.finish_key(answer, None)));
            }
            Pending::Get {
                keys: 1,
                blame,
                retrieve,
            } => {
                if returned.opaque != Some(tag) {
                    return Err(Desync);
                }
                match (reply.code, reply.data) {
                    (Code::Value, Some(data)) => {
                        let key = returned.key.unwrap_or_default();
                        let index = ctx.is_key(0, key).then_some(0);
                        hit(ctx, index, returned.cas, retrieve, data)?;
                    }
                    (Code::Miss, _) => {}
                    _ => return Err(Desync),
                }
                return Ok((consumed, ctx.finish_get(1, blame)));
            }
            Pending::Get {
                keys,
                blame,
                retrieve,
            } => {
                if reply.code == Code::NoOp {
                    return Ok((consumed, ctx.finish_get(keys, blame)));
                }
                let Some(opaque) = returned.opaque.filter(|o| o & !INDEX_MASK == tag) else {
                    return Err(Desync);
                };
                let index = (opaque & INDEX_MASK) as usize;
                match (reply.code, reply.data) {
                    (Code::Value, Some(data)) if index < keys => {
                        let key = returned.key.unwrap_or_default();
                        let asked = ctx.is_key(index, key).then_some(index);
                        hit(ctx, asked, returned.cas, retrieve, data)?;
                    }
                    _ => return Err(Desync),
                }
            }
        }
    }
}

/// A value for key `index` of the get in flight, with its cas unique
/// (token `cas`) when the retrieval asked for one (a unique asked for and
/// missing, or sent unasked, breaks the protocol).
fn hit<'w, S: Source<'w>>(
    ctx: &mut Results<'_, S>,
    index: Option<usize>,
    cas: Option<&[u8]>,
    retrieve: Retrieve,
    data: &[u8],
) -> Result<(), Desync> {
    match (retrieve.wants_cas(), cas) {
        (true, Some(token)) => {
            let unique = parse_decimal(token).ok_or(Desync)?;
            ctx.saw_cas(index, unique);
        }
        (false, None) => {}
        _ => return Err(Desync),
    }
    ctx.hit(index, data);
    Ok(())
}

/// Ends a set or a single get with an error reply (memcached sends
/// nothing more for it).
fn end_with_error<'w, S: Source<'w>>(
    pending: Pending,
    blame: Blame,
    ctx: &mut Results<'_, S>,
) -> State {
    match pending {
        Pending::Get { keys, .. } => ctx.finish_get(keys, Some(blame)),
        Pending::Set { object_bytes, .. } => {
            let outcome = match blame {
                Blame::Server => SetOutcome::Lost,
                Blame::Client => SetOutcome::NotStored,
            };
            ctx.finish_set(outcome, Answer::Miss, object_bytes, Some(blame))
        }
        Pending::Key { .. } => ctx.finish_key(Answer::Miss, Some(blame)),
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
