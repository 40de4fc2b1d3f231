//! Request encoders: each appends one command line, and nothing else, to a
//! caller-owned buffer.
//!
//! A storage command's value is never copied: the caller sends the encoded
//! line, then the value as its own [`std::io::IoSlice`], then [`CRLF`].
//! On error the buffer is left exactly as it was.

use crate::ascii::{CRLF, EncodeError};
use crate::key::check_written_text_key;
use crate::{WriteKey, check_text_key, push_decimal};

const NOREPLY: &[u8] = b" noreply";

/// The storage commands of the text protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StorageCommand {
    /// `set`: store unconditionally.
    Set,
    /// `add`: store only if the key is absent.
    Add,
    /// `replace`: store only if the key is present.
    Replace,
    /// `append`: add the value after the existing one.
    Append,
    /// `prepend`: add the value before the existing one.
    Prepend,
    /// `cas`: store only if the item's cas unique is still the given one.
    Cas(u64),
}

impl StorageCommand {
    fn verb(self) -> &'static [u8] {
        match self {
            StorageCommand::Set => b"set ",
            StorageCommand::Add => b"add ",
            StorageCommand::Replace => b"replace ",
            StorageCommand::Append => b"append ",
            StorageCommand::Prepend => b"prepend ",
            StorageCommand::Cas(_) => b"cas ",
        }
    }
}

/// One storage request; the value itself travels separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Storage<'a> {
    /// Which command, with the cas unique for [`StorageCommand::Cas`].
    pub command: StorageCommand,
    /// The item's key.
    pub key: &'a [u8],
    /// Opaque client flags stored with the item.
    pub flags: u32,
    /// Expiration time: 0 for never, seconds from now up to 30 days, or a
    /// Unix time beyond that.
    pub exptime: u32,
    /// Length in bytes of the value the caller sends after the line.
    pub value_len: usize,
    /// Ask the server not to reply.
    pub noreply: bool,
}

/// Encodes `get <key>*\r\n`. A key is any [`WriteKey`]: its bytes, or a
/// key kept in pieces, written where it goes and checked there.
///
/// ```
/// let mut out = Vec::new();
/// memaslap_proto::ascii::encode_get(&mut out, [b"a", b"b"])?;
/// assert_eq!(out, b"get a b\r\n");
/// # Ok::<(), memaslap_proto::ascii::EncodeError>(())
/// ```
pub fn encode_get<K: WriteKey>(
    out: &mut Vec<u8>,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    encode_retrieval(out, b"get", None, keys)
}

/// Encodes `get <key>\r\n` for one key: what [`encode_get`] writes for it,
/// without the loop over keys — a load generator's most common request.
///
/// ```
/// let mut out = Vec::new();
/// memaslap_proto::ascii::encode_get_key(&mut out, b"user:42")?;
/// assert_eq!(out, b"get user:42\r\n");
/// assert!(memaslap_proto::ascii::encode_get_key(&mut out, b"a b").is_err());
/// assert_eq!(out, b"get user:42\r\n");
/// # Ok::<(), memaslap_proto::ascii::EncodeError>(())
/// ```
pub fn encode_get_key<K: WriteKey + ?Sized>(out: &mut Vec<u8>, key: &K) -> Result<(), EncodeError> {
    let mark = out.len();
    out.extend_from_slice(b"get ");
    key.write_key(out);
    let written = out.get(mark + 4..).unwrap_or_default();
    if let Err(error) = check_written_text_key(key, written) {
        out.truncate(mark);
        return Err(error.into());
    }
    out.extend_from_slice(CRLF);
    Ok(())
}

/// Encodes `gets <key>*\r\n`: like `get`, and each hit carries its cas unique.
pub fn encode_gets<K: WriteKey>(
    out: &mut Vec<u8>,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    encode_retrieval(out, b"gets", None, keys)
}

/// Encodes `gat <exptime> <key>*\r\n`: get and touch.
pub fn encode_gat<K: WriteKey>(
    out: &mut Vec<u8>,
    exptime: u32,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    encode_retrieval(out, b"gat", Some(exptime), keys)
}

/// Encodes `gats <exptime> <key>*\r\n`: get and touch, with cas uniques.
pub fn encode_gats<K: WriteKey>(
    out: &mut Vec<u8>,
    exptime: u32,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    encode_retrieval(out, b"gats", Some(exptime), keys)
}

fn encode_retrieval<K: WriteKey>(
    out: &mut Vec<u8>,
    verb: &[u8],
    exptime: Option<u32>,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    let mark = out.len();
    let written = write_retrieval(out, verb, exptime, keys);
    if written.is_err() {
        out.truncate(mark);
    }
    written
}

fn write_retrieval<K: WriteKey>(
    out: &mut Vec<u8>,
    verb: &[u8],
    exptime: Option<u32>,
    keys: impl IntoIterator<Item = K>,
) -> Result<(), EncodeError> {
    out.extend_from_slice(verb);
    if let Some(exptime) = exptime {
        out.push(b' ');
        push_decimal(out, u64::from(exptime));
    }
    let mut any = false;
    for key in keys {
        out.push(b' ');
        let start = out.len();
        key.write_key(out);
        check_written_text_key(&key, out.get(start..).unwrap_or_default())?;
        any = true;
    }
    if !any {
        return Err(EncodeError::NoKeys);
    }
    out.extend_from_slice(CRLF);
    Ok(())
}

/// Encodes a storage command line:
/// `<verb> <key> <flags> <exptime> <bytes> [<cas>] [noreply]\r\n`.
///
/// ```
/// use memaslap_proto::ascii::{encode_storage, Storage, StorageCommand};
/// let mut out = Vec::new();
/// let req = Storage {
///     command: StorageCommand::Cas(99),
///     key: b"k",
///     flags: 5,
///     exptime: 0,
///     value_len: 3,
///     noreply: true,
/// };
/// encode_storage(&mut out, &req)?;
/// assert_eq!(out, b"cas k 5 0 3 99 noreply\r\n");
/// # Ok::<(), memaslap_proto::ascii::EncodeError>(())
/// ```
pub fn encode_storage(out: &mut Vec<u8>, req: &Storage<'_>) -> Result<(), EncodeError> {
    check_text_key(req.key)?;
    out.extend_from_slice(req.command.verb());
    out.extend_from_slice(req.key);
    out.push(b' ');
    push_decimal(out, u64::from(req.flags));
    out.push(b' ');
    push_decimal(out, u64::from(req.exptime));
    out.push(b' ');
    push_decimal(out, req.value_len as u64);
    if let StorageCommand::Cas(unique) = req.command {
        out.push(b' ');
        push_decimal(out, unique);
    }
    finish(out, req.noreply);
    Ok(())
}

/// Encodes `delete <key> [noreply]\r\n`.
pub fn encode_delete(out: &mut Vec<u8>, key: &[u8], noreply: bool) -> Result<(), EncodeError> {
    check_text_key(key)?;
    out.extend_from_slice(b"delete ");
    out.extend_from_slice(key);
    finish(out, noreply);
    Ok(())
}

/// Encodes `incr <key> <delta> [noreply]\r\n`.
pub fn encode_incr(
    out: &mut Vec<u8>,
    key: &[u8],
    delta: u64,
    noreply: bool,
) -> Result<(), EncodeError> {
    encode_key_number(out, b"incr ", key, delta, noreply)
}

/// Encodes `decr <key> <delta> [noreply]\r\n`.
pub fn encode_decr(
    out: &mut Vec<u8>,
    key: &[u8],
    delta: u64,
    noreply: bool,
) -> Result<(), EncodeError> {
    encode_key_number(out, b"decr ", key, delta, noreply)
}

/// Encodes `touch <key> <exptime> [noreply]\r\n`.
pub fn encode_touch(
    out: &mut Vec<u8>,
    key: &[u8],
    exptime: u32,
    noreply: bool,
) -> Result<(), EncodeError> {
    encode_key_number(out, b"touch ", key, u64::from(exptime), noreply)
}

fn encode_key_number(
    out: &mut Vec<u8>,
    verb: &[u8],
    key: &[u8],
    number: u64,
    noreply: bool,
) -> Result<(), EncodeError> {
    check_text_key(key)?;
    out.extend_from_slice(verb);
    out.extend_from_slice(key);
    out.push(b' ');
    push_decimal(out, number);
    finish(out, noreply);
    Ok(())
}

/// Encodes `version\r\n`.
pub fn encode_version(out: &mut Vec<u8>) {
    out.extend_from_slice(b"version\r\n");
}

/// Encodes `stats\r\n`, or `stats <group>\r\n` (for example `settings`,
/// `items`, `slabs`). The group must be 1 to 250 bytes without spaces or
/// control bytes.
pub fn encode_stats(out: &mut Vec<u8>, group: Option<&[u8]>) -> Result<(), EncodeError> {
    match group {
        None => out.extend_from_slice(b"stats\r\n"),
        Some(group) => {
            if check_text_key(group).is_err() {
                return Err(EncodeError::InvalidStatsGroup);
            }
            out.extend_from_slice(b"stats ");
            out.extend_from_slice(group);
            out.extend_from_slice(CRLF);
        }
    }
    Ok(())
}

/// Encodes `flush_all [<delay>] [noreply]\r\n`.
pub fn encode_flush_all(out: &mut Vec<u8>, delay: Option<u32>, noreply: bool) {
    out.extend_from_slice(b"flush_all");
    if let Some(delay) = delay {
        out.push(b' ');
        push_decimal(out, u64::from(delay));
    }
    finish(out, noreply);
}

/// Encodes `verbosity <level> [noreply]\r\n`.
pub fn encode_verbosity(out: &mut Vec<u8>, level: u32, noreply: bool) {
    out.extend_from_slice(b"verbosity ");
    push_decimal(out, u64::from(level));
    finish(out, noreply);
}

/// Encodes `quit\r\n`; the server closes the connection without replying.
pub fn encode_quit(out: &mut Vec<u8>) {
    out.extend_from_slice(b"quit\r\n");
}

fn finish(out: &mut Vec<u8>, noreply: bool) {
    if noreply {
        out.extend_from_slice(NOREPLY);
    }
    out.extend_from_slice(CRLF);
}

#[cfg(test)]
mod tests;
