//! Typed encoders, one per command family, on top of [`encode_request`].
//!
//! Each takes an opcode only where the family has several, and refuses an
//! opcode from another family with [`EncodeError::WrongOpcode`]. Like
//! [`encode_request`], each leaves `out` unchanged on error and never copies
//! a value: the caller sends `value_len` bytes right after the encoded ones.

use zerocopy::IntoBytes;

use super::header::HEADER_LEN;
use super::opcode::Opcode;
use super::request::{EncodeError, Extras, Request, checked_key_len, encode_request};

fn check_family(opcode: Opcode, family: &[Opcode]) -> Result<(), EncodeError> {
    if family.contains(&opcode) {
        Ok(())
    } else {
        Err(EncodeError::WrongOpcode { opcode })
    }
}

fn quiet_or(quiet: bool, loud: Opcode, silent: Opcode) -> Opcode {
    if quiet { silent } else { loud }
}

/// Encodes a GET, GETQ, GETK or GETKQ.
///
/// ```
/// use memaslap_proto::binary::{encode_get, Opcode};
/// let mut out = Vec::new();
/// encode_get(&mut out, Opcode::GetK, b"key", 7)?;
/// assert_eq!(out.len(), 24 + 3);
/// # Ok::<(), memaslap_proto::binary::EncodeError>(())
/// ```
pub fn encode_get(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    opaque: u32,
) -> Result<(), EncodeError> {
    use Opcode::*;
    check_family(opcode, &[Get, GetQ, GetK, GetKQ])?;
    // What encode_request writes for a get, without the checks a get
    // cannot fail once its key is checked: no extras, no value, the key
    // alone in the body.
    let key_len = checked_key_len(key)?;
    let req = Request {
        key,
        opaque,
        ..Request::new(opcode)
    };
    let header = req.header_with(key_len, u32::from(key_len));
    out.reserve(HEADER_LEN + key.len());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(key);
    Ok(())
}

/// Encodes a SET, ADD or REPLACE or a quiet form of one; a non-zero `cas`
/// makes the store conditional on the item's CAS token.
#[allow(
    clippy::too_many_arguments,
    reason = "one argument per field of the command"
)]
pub fn encode_store(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    flags: u32,
    exptime: u32,
    value_len: usize,
    opaque: u32,
    cas: u64,
) -> Result<(), EncodeError> {
    use Opcode::*;
    check_family(opcode, &[Set, Add, Replace, SetQ, AddQ, ReplaceQ])?;
    let req = Request {
        key,
        extras: Extras::Store { flags, exptime },
        value_len,
        opaque,
        cas,
        ..Request::new(opcode)
    };
    encode_request(out, &req)
}

/// Encodes an APPEND or PREPEND or a quiet form of one.
pub fn encode_append(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    value_len: usize,
    opaque: u32,
    cas: u64,
) -> Result<(), EncodeError> {
    use Opcode::*;
    check_family(opcode, &[Append, Prepend, AppendQ, PrependQ])?;
    let req = Request {
        key,
        value_len,
        opaque,
        cas,
        ..Request::new(opcode)
    };
    encode_request(out, &req)
}

/// Encodes a DELETE, or a DELETEQ when `quiet`.
pub fn encode_delete(
    out: &mut Vec<u8>,
    key: &[u8],
    opaque: u32,
    cas: u64,
    quiet: bool,
) -> Result<(), EncodeError> {
    let req = Request {
        key,
        opaque,
        cas,
        ..Request::new(quiet_or(quiet, Opcode::Delete, Opcode::DeleteQ))
    };
    encode_request(out, &req)
}

/// Encodes an INCREMENT or DECREMENT or a quiet form of one.
///
/// An absent key is created holding `initial` unless `exptime` is
/// `0xffff_ffff`, which makes the server answer
/// [`Status::KeyNotFound`](super::Status::KeyNotFound) instead.
pub fn encode_counter(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    delta: u64,
    initial: u64,
    exptime: u32,
    opaque: u32,
) -> Result<(), EncodeError> {
    use Opcode::*;
    check_family(opcode, &[Increment, Decrement, IncrementQ, DecrementQ])?;
    let req = Request {
        key,
        extras: Extras::Counter {
            delta,
            initial,
            exptime,
        },
        opaque,
        ..Request::new(opcode)
    };
    encode_request(out, &req)
}

/// Encodes a TOUCH, which sets an item's expiration time.
pub fn encode_touch(
    out: &mut Vec<u8>,
    key: &[u8],
    exptime: u32,
    opaque: u32,
) -> Result<(), EncodeError> {
    let req = Request {
        key,
        extras: Extras::Expiry(exptime),
        opaque,
        ..Request::new(Opcode::Touch)
    };
    encode_request(out, &req)
}

/// Encodes a GAT, GATQ, GATK or GATKQ: a GET that also sets the
/// expiration time.
pub fn encode_gat(
    out: &mut Vec<u8>,
    opcode: Opcode,
    key: &[u8],
    exptime: u32,
    opaque: u32,
) -> Result<(), EncodeError> {
    use Opcode::*;
    check_family(opcode, &[Gat, GatQ, GatK, GatKQ])?;
    let req = Request {
        key,
        extras: Extras::Expiry(exptime),
        opaque,
        ..Request::new(opcode)
    };
    encode_request(out, &req)
}

/// Encodes a STAT for every general statistic, or for one `group` such as
/// `b"settings"` or `b"items"`.
pub fn encode_stat(
    out: &mut Vec<u8>,
    group: Option<&[u8]>,
    opaque: u32,
) -> Result<(), EncodeError> {
    let req = Request {
        key: group.unwrap_or_default(),
        opaque,
        ..Request::new(Opcode::Stat)
    };
    encode_request(out, &req)
}

/// Writes a request that has no key, extras or value; those cannot fail.
fn encode_bare(out: &mut Vec<u8>, opcode: Opcode, extras: Extras, opaque: u32) {
    let req = Request {
        extras,
        opaque,
        ..Request::new(opcode)
    };
    // Neither a key nor a value is given, and each caller pairs the opcode
    // with the extras it takes, so there is no error to report.
    let result = encode_request(out, &req);
    debug_assert_eq!(result, Ok(()));
}

/// Encodes a NOOP, whose answer marks the end of a pipeline of quiet
/// commands.
pub fn encode_noop(out: &mut Vec<u8>, opaque: u32) {
    encode_bare(out, Opcode::Noop, Extras::None, opaque);
}

/// Encodes a VERSION.
pub fn encode_version(out: &mut Vec<u8>, opaque: u32) {
    encode_bare(out, Opcode::Version, Extras::None, opaque);
}

/// Encodes a FLUSH (FLUSHQ when `quiet`) that invalidates every item now, or
/// after `delay` seconds.
pub fn encode_flush(out: &mut Vec<u8>, delay: Option<u32>, opaque: u32, quiet: bool) {
    let extras = delay.map_or(Extras::None, Extras::Expiry);
    encode_bare(
        out,
        quiet_or(quiet, Opcode::Flush, Opcode::FlushQ),
        extras,
        opaque,
    );
}

/// Encodes a VERBOSITY that sets the server's logging level.
pub fn encode_verbosity(out: &mut Vec<u8>, level: u32, opaque: u32) {
    encode_bare(out, Opcode::Verbosity, Extras::Verbosity(level), opaque);
}

/// Encodes a QUIT (QUITQ when `quiet`, which closes without answering).
pub fn encode_quit(out: &mut Vec<u8>, opaque: u32, quiet: bool) {
    encode_bare(
        out,
        quiet_or(quiet, Opcode::Quit, Opcode::QuitQ),
        Extras::None,
        opaque,
    );
}

#[cfg(test)]
mod tests;
