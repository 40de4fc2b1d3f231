//! Tasks handed to the engine and the results it hands back: the types
//! every workload source shares. This module depends on no other of the
//! crate but its constants.

use std::fmt;
use std::time::Instant;

use crate::command::Command;
use crate::config::PREFIX_LEN;

/// A key: the run's key prefix (`--key-prefix`, often empty), its unique
/// 8-byte printable prefix, then a suffix slice of the shared block. Copy
/// it with [`Key::append_to`]; it is never empty.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Key<'w> {
    common: &'w [u8],
    prefix: [u8; PREFIX_LEN],
    suffix: &'w [u8],
}

impl<'w> Key<'w> {
    pub(crate) const fn new(common: &'w [u8], prefix: [u8; PREFIX_LEN], suffix: &'w [u8]) -> Self {
        Self {
            common,
            prefix,
            suffix,
        }
    }

    /// The run's key prefix every key starts with (empty without
    /// `--key-prefix`).
    pub const fn common(&self) -> &'w [u8] {
        self.common
    }

    /// The unique prefix.
    pub const fn prefix(&self) -> &[u8; PREFIX_LEN] {
        &self.prefix
    }

    /// The rest of the key, borrowed from the shared block.
    pub const fn suffix(&self) -> &'w [u8] {
        self.suffix
    }

    /// Length of the whole key in bytes.
    pub const fn len(&self) -> usize {
        self.common.len() + PREFIX_LEN + self.suffix.len()
    }

    /// Always `false`: a key has at least its prefix.
    pub const fn is_empty(&self) -> bool {
        false
    }

    /// Whether `bytes` is this key.
    #[inline]
    pub fn matches(&self, bytes: &[u8]) -> bool {
        let rest = if self.common.is_empty() {
            Some(bytes)
        } else {
            bytes.strip_prefix(self.common)
        };
        rest.and_then(|rest| rest.split_at_checked(PREFIX_LEN))
            .is_some_and(|(prefix, suffix)| prefix == self.prefix && suffix == self.suffix)
    }

    /// Appends the key's bytes to `out` (allocates only if `out` must grow).
    #[inline]
    pub fn append_to(&self, out: &mut Vec<u8>) {
        if !self.common.is_empty() {
            out.extend_from_slice(self.common);
        }
        out.extend_from_slice(&self.prefix);
        out.extend_from_slice(self.suffix);
    }
}

/// A key is written in its pieces straight into an encoder's buffer.
impl memaslap_proto::WriteKey for Key<'_> {
    #[inline]
    fn write_key(&self, out: &mut Vec<u8>) {
        self.append_to(out);
    }

    /// Its prefix is drawn from the printable alphabet and its suffix cut
    /// from a printable block, so only the common prefix (validated with
    /// the configuration, usually empty) needs looking at.
    #[inline]
    fn is_printable(&self) -> bool {
        self.common.iter().all(u8::is_ascii_graphic)
    }
}

impl fmt::Debug for Key<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Key(\"{}{}{}\")",
            self.common.escape_ascii(),
            self.prefix.escape_ascii(),
            self.suffix.escape_ascii()
        )
    }
}

/// Why a set was issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetKind {
    /// Stores an item under a key not stored before: the window's first lap,
    /// or a fresh key replacing an item on a later lap.
    New,
    /// Stores a new value under a key already stored (`-o`); the expected
    /// value changes.
    Overwrite,
    /// Stores an object a replayed get missed (a demand fill), counted
    /// apart from the trace's own sets.
    Fill,
}

/// Which storage command a [`SetTask`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Store {
    /// `set`.
    Set,
    /// `add`: only if the key is absent.
    Add,
    /// `replace`: only if the key is present.
    Replace,
    /// `append`: the value after the stored one.
    Append,
    /// `prepend`: the value before the stored one.
    Prepend,
    /// `cas`: only if the item is unchanged since the `gets` that returned
    /// this cas unique.
    Cas(u64),
}

impl Store {
    /// The command.
    pub const fn command(self) -> Command {
        match self {
            Store::Set => Command::Set,
            Store::Add => Command::Add,
            Store::Replace => Command::Replace,
            Store::Append => Command::Append,
            Store::Prepend => Command::Prepend,
            Store::Cas(_) => Command::Cas,
        }
    }
}

/// Which retrieval a get is ([`GetKeys::retrieve`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Retrieve {
    /// `get`.
    Get,
    /// `gets`: each hit with its cas unique.
    Gets,
    /// `gat`: get and touch with this expiry.
    Gat(u32),
    /// `gats`: get and touch with this expiry, each hit with its cas
    /// unique.
    Gats(u32),
}

impl Retrieve {
    /// The command.
    pub const fn command(self) -> Command {
        match self {
            Retrieve::Get => Command::Get,
            Retrieve::Gets => Command::Gets,
            Retrieve::Gat(_) => Command::Gat,
            Retrieve::Gats(_) => Command::Gats,
        }
    }

    /// Whether hits come with their cas unique.
    pub const fn wants_cas(self) -> bool {
        matches!(self, Retrieve::Gets | Retrieve::Gats(_))
    }

    /// The new expiry of a get-and-touch.
    pub const fn touch(self) -> Option<u32> {
        match self {
            Retrieve::Gat(exptime) | Retrieve::Gats(exptime) => Some(exptime),
            Retrieve::Get | Retrieve::Gets => None,
        }
    }
}

/// A single-key command beside retrievals and storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyOp {
    /// `delete`.
    Delete,
    /// `incr` by this much.
    Incr(u64),
    /// `decr` by this much.
    Decr(u64),
    /// `touch` with this expiry.
    Touch(u32),
}

impl KeyOp {
    /// The command.
    pub const fn command(self) -> Command {
        match self {
            KeyOp::Delete => Command::Delete,
            KeyOp::Incr(_) => Command::Incr,
            KeyOp::Decr(_) => Command::Decr,
            KeyOp::Touch(_) => Command::Touch,
        }
    }
}

/// What a command sends, with its parameters: a retrieval, a storage
/// command or a single-key command ([`Command::op`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    /// A [`Task::Get`].
    Get(Retrieve),
    /// A [`Task::Set`].
    Set(Store),
    /// A [`Task::Key`].
    Key(KeyOp),
}

impl Command {
    /// This command's [`Op`]: `gat`, `gats` and `touch` set expiry
    /// `exptime`, `cas` sends `unique`, `incr` and `decr` add or take
    /// `delta`.
    pub const fn op(self, exptime: u32, unique: u64, delta: u64) -> Op {
        match self {
            Command::Get => Op::Get(Retrieve::Get),
            Command::Gets => Op::Get(Retrieve::Gets),
            Command::Gat => Op::Get(Retrieve::Gat(exptime)),
            Command::Gats => Op::Get(Retrieve::Gats(exptime)),
            Command::Set => Op::Set(Store::Set),
            Command::Add => Op::Set(Store::Add),
            Command::Replace => Op::Set(Store::Replace),
            Command::Append => Op::Set(Store::Append),
            Command::Prepend => Op::Set(Store::Prepend),
            Command::Cas => Op::Set(Store::Cas(unique)),
            Command::Delete => Op::Key(KeyOp::Delete),
            Command::Incr => Op::Key(KeyOp::Incr(delta)),
            Command::Decr => Op::Key(KeyOp::Decr(delta)),
            Command::Touch => Op::Key(KeyOp::Touch(exptime)),
        }
    }
}

/// One `delete`, `incr`, `decr` or `touch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeyTask<'w> {
    /// The key.
    pub key: Key<'w>,
    /// What to do to it.
    pub op: KeyOp,
}

/// What the server said to a [`KeyTask`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyOutcome {
    /// The key was there (`DELETED`, `TOUCHED`, the new number).
    Hit,
    /// The key was absent (`NOT_FOUND`).
    Miss,
    /// An error or no answer.
    Lost,
}

/// One storage command: `set <key> 0 <exptime> <value.len()>` (or `add`,
/// `replace`, `append`, `prepend`, `cas … <unique>`) and the value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetTask<'w> {
    /// The key to store.
    pub key: Key<'w>,
    /// The value, a slice of the shared block (send it without copying).
    pub value: &'w [u8],
    /// Expiry in seconds: 0, or [`crate::EXPIRE_TTL`] for items checked for expiry.
    pub exptime: u32,
    /// New key or overwrite.
    pub kind: SetKind,
    /// Whether this set stores the window before a run without sets.
    pub warmup: bool,
    /// Which storage command (memaslap's window model: always `set`).
    pub store: Store,
}

/// What to check when a get's answer comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Check {
    /// Nothing: count hits and misses only.
    None,
    /// The value must be exactly the expected bytes (`-v`).
    Data,
    /// The item has a TTL: a value after TTL + 5 s or a miss before TTL − 5 s
    /// is an error (`-e`).
    Expiry,
}

/// The result of checking one key of a get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The get was not chosen for checking.
    Unchecked,
    /// Checked and correct (including a miss of an item that may have expired).
    Ok,
    /// A value of the wrong length or bytes (`verify_failed`).
    VerifyFailed,
    /// No value for an item that must exist (`verify_misses`).
    VerifyMiss,
    /// A value returned more than TTL + 5 s after its set (`expired_get`).
    ExpiredGet,
    /// A miss less than TTL − 5 s after its set (`unexpired_unget`).
    UnexpiredUnget,
}

/// What the server said to a set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetOutcome {
    /// `STORED`: the window now holds the item.
    Stored,
    /// Any refusal (`NOT_STORED`, `SERVER_ERROR`, …): the window keeps what it
    /// had, and an overwritten item is no longer verified.
    NotStored,
    /// No answer (timeout, lost connection): as [`SetOutcome::NotStored`].
    Lost,
}

/// The next thing to send: a storage command, a retrieval of the keys `B`
/// lists ([`GetKeys`]; each source has its own, borrowed from it), or
/// another single-key command.
#[derive(Debug, Clone, Copy)]
pub enum Task<'w, B> {
    /// Store one item.
    Set(SetTask<'w>),
    /// Get one or more items (a multi-get when `-d` > 1).
    Get(B),
    /// Delete, increment, decrement or touch one item.
    Key(KeyTask<'w>),
}

/// Names one outstanding task of a [`crate::Source`], from its issue until
/// its result is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TaskId(u16);

/// The most tasks one source may have outstanding.
pub const MAX_DEPTH: usize = 1024;

impl TaskId {
    /// The id of record `index` (below [`MAX_DEPTH`]).
    pub(crate) const fn new(index: usize) -> TaskId {
        TaskId(index as u16)
    }

    /// The record's index, below the source's depth; useful as a
    /// per-request tag (e.g. in a binary opaque).
    pub const fn index(self) -> usize {
        self.0 as usize
    }
}

/// The keys of a get, distinct, in the order to send them, with what to
/// expect for each. A source hands them out by value (they borrow from
/// it), so that matching a returned key costs no allocation.
pub trait GetKeys<'w>: Copy {
    /// Number of keys.
    fn len(&self) -> usize;

    /// The key at `index`, with what to expect.
    fn get(&self, index: usize) -> Option<GetEntry<'w>>;

    /// Only the key at `index` (what [`GetKeys::get`] gives, without the
    /// rest): for sending it and for matching a returned one.
    fn key(&self, index: usize) -> Option<Key<'w>> {
        self.get(index).map(|entry| entry.key)
    }

    /// The keys in order (what [`GetKeys::iter`] gives, without the rest).
    fn keys(&self) -> impl Iterator<Item = Key<'w>> {
        let keys = *self;
        (0..self.len()).filter_map(move |i| keys.key(i))
    }

    /// Which retrieval to send (memaslap's window model: `get`).
    fn retrieve(&self) -> Retrieve {
        Retrieve::Get
    }

    /// Whether there are no keys (never the case for a task).
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The keys in order, with what to expect.
    fn iter(&self) -> impl Iterator<Item = GetEntry<'w>> {
        let keys = *self;
        (0..self.len()).filter_map(move |i| keys.get(i))
    }

    /// The index of `key` among the keys, for matching a returned value.
    fn position(&self, key: &[u8]) -> Option<usize> {
        self.position_from(key, 0)
    }

    /// [`GetKeys::position`] looking at index `start` first, then on in
    /// order (wrapping around): servers answer a multi-get in the order of
    /// its keys, so the key after the last one answered is usually the one.
    fn position_from(&self, key: &[u8], start: usize) -> Option<usize> {
        let n = self.len();
        // The division only when `start` is past the end (callers rarely).
        let start = if start < n {
            start
        } else {
            start.checked_rem(n)?
        };
        (start..n)
            .chain(0..start)
            .find(|&i| self.key(i).is_some_and(|k| k.matches(key)))
    }
}

/// One key of a get: what to send and what to expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GetEntry<'w> {
    /// The key.
    pub key: Key<'w>,
    /// The value last stored under the key.
    pub expected: &'w [u8],
    /// What to check in the answer.
    pub check: Check,
    /// The item's expiry in seconds (0 = none).
    pub exptime: u32,
    /// When the item was last stored, as reported to the generator.
    pub set_at: Option<Instant>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_parts_and_matching() {
        let key = Key::new(b"", *b"ABCDEFGH", b"xyz");
        assert_eq!(key.len(), 11);
        assert!(!key.is_empty());
        assert!(key.matches(b"ABCDEFGHxyz"));
        assert!(!key.matches(b"ABCDEFGHxy"));
        assert!(!key.matches(b"ABCDEFGXxyz"));
        assert!(!key.matches(b"ABC"));
        let mut out = b"get ".to_vec();
        key.append_to(&mut out);
        assert_eq!(out, b"get ABCDEFGHxyz");
        assert_eq!(format!("{key:?}"), "Key(\"ABCDEFGHxyz\")");
        let with = Key::new(b"app:", *b"ABCDEFGH", b"xyz");
        assert_eq!(with.len(), 15);
        assert!(with.matches(b"app:ABCDEFGHxyz"));
        assert!(!with.matches(b"ABCDEFGHxyz"));
        assert!(!with.matches(b"app:ABCDEFGHxy"));
        let mut out = Vec::new();
        with.append_to(&mut out);
        assert_eq!(out, b"app:ABCDEFGHxyz");
    }
}
