//! Meta request encoders: `mg`, `ms`, `md`, `ma`, `mn` and `me`, with typed
//! flags. Each encoder appends the command line, `\r\n` included, to a
//! caller-owned buffer; a set's value is sent after it by the caller (then
//! `\r\n`), never copied. A key is checked as the text protocol's, or,
//! with [`Flag::Base64`], base64-encoded here and its encoded length
//! checked. On error the buffer is left as it was.

use core::fmt;

use crate::{KeyError, MAX_KEY_LEN, check_text_key, push_decimal};

/// The longest opaque token memcached copies back.
pub const MAX_OPAQUE_LEN: usize = 32;

/// A meta command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// `mg`: get.
    Get,
    /// `ms`: set (and add, append, prepend, replace by mode).
    Set,
    /// `md`: delete.
    Delete,
    /// `ma`: increment or decrement.
    Arithmetic,
    /// `me`: an item's internals.
    Debug,
}

impl Command {
    pub(super) fn name(self) -> &'static [u8] {
        match self {
            Command::Get => b"mg",
            Command::Set => b"ms",
            Command::Delete => b"md",
            Command::Arithmetic => b"ma",
            Command::Debug => b"me",
        }
    }
}

/// The mode of `ms` (`M<mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetMode {
    /// `E`: add, only if the key is absent.
    Add,
    /// `A`: append to the value.
    Append,
    /// `P`: prepend to the value.
    Prepend,
    /// `R`: replace, only if the key is present.
    Replace,
    /// `S`: set (the default).
    Set,
}

/// The mode of `ma` (`M<mode>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithMode {
    /// `I` (or `+`): increment (the default).
    Increment,
    /// `D` (or `-`): decrement.
    Decrement,
}

/// A request flag, typed; which commands take which flag is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flag<'a> {
    /// `b`: the key is binary; the encoder sends it base64-encoded.
    Base64,
    /// `c`: return the CAS token.
    ReturnCas,
    /// `C<cas>`: compare the CAS token.
    CompareCas(u64),
    /// `D<delta>`: the delta of `ma` (default 1).
    Delta(u64),
    /// `E<cas>`: use this as the item's new CAS token.
    NewCas(u64),
    /// `f`: return the client flags.
    ReturnFlags,
    /// `F<flags>`: set the client flags.
    SetFlags(u32),
    /// `h`: return whether the item was hit before.
    ReturnHit,
    /// `I`: invalidate (mark stale) rather than delete or fail.
    Invalidate,
    /// `J<value>`: the initial value of `ma` when it creates the item.
    Initial(u64),
    /// `k`: return the key.
    ReturnKey,
    /// `l`: return the time since the last access.
    ReturnLastAccess,
    /// `M<mode>` of `ms`.
    SetMode(SetMode),
    /// `M<mode>` of `ma`.
    ArithMode(ArithMode),
    /// `N<ttl>`: create the item on a miss, with this TTL.
    Vivify(u32),
    /// `O<opaque>`: copied back in the reply (at most [`MAX_OPAQUE_LEN`]
    /// printable bytes).
    Opaque(&'a [u8]),
    /// `q`: quiet: no reply on success (or on a miss, for `mg`).
    Quiet,
    /// `R<ttl>`: win the right to recache when the TTL left is below this.
    Recache(u32),
    /// `s`: return the item's size.
    ReturnSize,
    /// `t`: return the TTL left.
    ReturnTtl,
    /// `T<ttl>`: set the TTL.
    Ttl(u32),
    /// `u`: do not bump the item in the LRU.
    NoBump,
    /// `v`: return the value.
    ReturnValue,
    /// `x`: remove the value but keep the item (`md`).
    RemoveValue,
}

impl Flag<'_> {
    /// The flag's letter.
    pub fn letter(&self) -> u8 {
        match self {
            Flag::Base64 => b'b',
            Flag::ReturnCas => b'c',
            Flag::CompareCas(_) => b'C',
            Flag::Delta(_) => b'D',
            Flag::NewCas(_) => b'E',
            Flag::ReturnFlags => b'f',
            Flag::SetFlags(_) => b'F',
            Flag::ReturnHit => b'h',
            Flag::Invalidate => b'I',
            Flag::Initial(_) => b'J',
            Flag::ReturnKey => b'k',
            Flag::ReturnLastAccess => b'l',
            Flag::SetMode(_) | Flag::ArithMode(_) => b'M',
            Flag::Vivify(_) => b'N',
            Flag::Opaque(_) => b'O',
            Flag::Quiet => b'q',
            Flag::Recache(_) => b'R',
            Flag::ReturnSize => b's',
            Flag::ReturnTtl => b't',
            Flag::Ttl(_) => b'T',
            Flag::NoBump => b'u',
            Flag::ReturnValue => b'v',
            Flag::RemoveValue => b'x',
        }
    }

    /// Whether `command` takes this flag (memcached's `protocol.txt`).
    pub fn allowed_in(&self, command: Command) -> bool {
        const GET: u128 = letter_set(b"bcfhklOqstuvENRT");
        const SET: u128 = letter_set(b"bcCEFIkOqsTM");
        const DELETE: u128 = letter_set(b"bCEIkOqTx");
        const ARITHMETIC: u128 = letter_set(b"bcCEDJNTMOqtvk");
        const DEBUG: u128 = letter_set(b"b");
        let letters = match command {
            Command::Get => GET,
            Command::Set => SET,
            Command::Delete => DELETE,
            Command::Arithmetic => ARITHMETIC,
            Command::Debug => DEBUG,
        };
        let mode_fits = !matches!(
            (self, command),
            (Flag::SetMode(_), Command::Arithmetic) | (Flag::ArithMode(_), Command::Set)
        );
        // Every letter is ASCII, below 128.
        mode_fits && letters & (1u128 << (self.letter() & 127)) != 0
    }

    /// Appends ` <letter><token>`. Always inlined, as are the encoders'
    /// checks below: shared with [`super::PreparedFlags`], the compiler
    /// left them out of line, which cost `encode_get` of three flags 452
    /// instructions instead of 393.
    #[inline(always)]
    pub(super) fn push(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&[b' ', self.letter()]);
        match *self {
            Flag::CompareCas(n) | Flag::Delta(n) | Flag::NewCas(n) | Flag::Initial(n) => {
                push_decimal(out, n)
            }
            Flag::SetFlags(n) | Flag::Vivify(n) | Flag::Recache(n) | Flag::Ttl(n) => {
                push_decimal(out, u64::from(n))
            }
            Flag::SetMode(mode) => out.push(match mode {
                SetMode::Add => b'E',
                SetMode::Append => b'A',
                SetMode::Prepend => b'P',
                SetMode::Replace => b'R',
                SetMode::Set => b'S',
            }),
            Flag::ArithMode(mode) => out.push(match mode {
                ArithMode::Increment => b'I',
                ArithMode::Decrement => b'D',
            }),
            Flag::Opaque(token) => out.extend_from_slice(token),
            _ => {}
        }
    }
}

/// The set of ASCII `letters` as bits of a `u128`.
const fn letter_set(mut letters: &[u8]) -> u128 {
    let mut set = 0u128;
    while let [first, rest @ ..] = letters {
        set |= 1 << (*first & 127);
        letters = rest;
    }
    set
}

/// Why a request could not be encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodeError {
    /// The key is refused (after base64 encoding, when asked).
    Key(KeyError),
    /// The command does not take this flag.
    FlagNotAllowed {
        /// The command.
        command: Command,
        /// The flag's letter.
        flag: u8,
    },
    /// The opaque token is empty, too long or not printable.
    BadOpaque,
    /// A value length given for a command other than `ms`, or none for
    /// `ms` ([`PreparedFlags::encode`]).
    ///
    /// [`PreparedFlags::encode`]: super::PreparedFlags::encode
    ValueLength(Command),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::Key(e) => e.fmt(f),
            EncodeError::FlagNotAllowed { command, flag } => write!(
                f,
                "{} does not take the flag {}",
                command.name().escape_ascii(),
                flag.escape_ascii()
            ),
            EncodeError::BadOpaque => write!(
                f,
                "an opaque token is 1 to {MAX_OPAQUE_LEN} printable bytes without spaces"
            ),
            EncodeError::ValueLength(command) => write!(
                f,
                "a value length is given with ms and no other command, not {}",
                command.name().escape_ascii()
            ),
        }
    }
}

impl core::error::Error for EncodeError {}

/// `mg <key> <flags>*\r\n`.
///
/// ```
/// use memaslap_proto::meta::{encode_get, Flag};
/// let mut out = Vec::new();
/// encode_get(&mut out, b"foo", &[Flag::ReturnValue, Flag::ReturnKey, Flag::Opaque(b"7")])?;
/// assert_eq!(out, b"mg foo v k O7\r\n");
/// # Ok::<(), memaslap_proto::meta::EncodeError>(())
/// ```
pub fn encode_get(out: &mut Vec<u8>, key: &[u8], flags: &[Flag<'_>]) -> Result<(), EncodeError> {
    encode(out, Command::Get, key, None, flags)
}

/// `ms <key> <value_len> <flags>*\r\n`; send the value and `\r\n` after it.
///
/// ```
/// use memaslap_proto::meta::{encode_set, Flag, SetMode};
/// let mut out = Vec::new();
/// encode_set(&mut out, b"foo", 5, &[Flag::Ttl(60), Flag::SetFlags(3), Flag::SetMode(SetMode::Add)])?;
/// assert_eq!(out, b"ms foo 5 T60 F3 ME\r\n");
/// # Ok::<(), memaslap_proto::meta::EncodeError>(())
/// ```
pub fn encode_set(
    out: &mut Vec<u8>,
    key: &[u8],
    value_len: usize,
    flags: &[Flag<'_>],
) -> Result<(), EncodeError> {
    encode(out, Command::Set, key, Some(value_len), flags)
}

/// `md <key> <flags>*\r\n`.
pub fn encode_delete(out: &mut Vec<u8>, key: &[u8], flags: &[Flag<'_>]) -> Result<(), EncodeError> {
    encode(out, Command::Delete, key, None, flags)
}

/// `ma <key> <flags>*\r\n`.
pub fn encode_arithmetic(
    out: &mut Vec<u8>,
    key: &[u8],
    flags: &[Flag<'_>],
) -> Result<(), EncodeError> {
    encode(out, Command::Arithmetic, key, None, flags)
}

/// `me <key>\r\n` (`me <key> b` for a binary key, sent base64-encoded).
pub fn encode_debug(out: &mut Vec<u8>, key: &[u8], base64: bool) -> Result<(), EncodeError> {
    let flags: &[Flag<'_>] = if base64 { &[Flag::Base64] } else { &[] };
    encode(out, Command::Debug, key, None, flags)
}

/// `mn\r\n`: answered `MN`, after every reply to what was sent before it.
pub fn encode_noop(out: &mut Vec<u8>) {
    out.extend_from_slice(b"mn\r\n");
}

fn encode(
    out: &mut Vec<u8>,
    command: Command,
    key: &[u8],
    value_len: Option<usize>,
    flags: &[Flag<'_>],
) -> Result<(), EncodeError> {
    let base64 = check_flags(command, flags)?;
    check_key(key, base64)?;
    push_head(out, command, key, base64, value_len);
    for flag in flags {
        flag.push(out);
    }
    out.extend_from_slice(b"\r\n");
    Ok(())
}

/// Checks that `command` takes each of `flags` and that an opaque among
/// them is one; returns whether the key is to be sent base64-encoded.
#[inline(always)]
pub(super) fn check_flags(command: Command, flags: &[Flag<'_>]) -> Result<bool, EncodeError> {
    let mut base64 = false;
    for flag in flags {
        if !flag.allowed_in(command) {
            return Err(EncodeError::FlagNotAllowed {
                command,
                flag: flag.letter(),
            });
        }
        match flag {
            Flag::Base64 => base64 = true,
            Flag::Opaque(token)
                if token.is_empty()
                    || token.len() > MAX_OPAQUE_LEN
                    || !token.iter().all(u8::is_ascii_graphic) =>
            {
                return Err(EncodeError::BadOpaque);
            }
            _ => {}
        }
    }
    Ok(base64)
}

/// Checks `key` as it is sent: base64-encoded, or as a text key.
#[inline(always)]
pub(super) fn check_key(key: &[u8], base64: bool) -> Result<(), EncodeError> {
    if base64 {
        let len = base64_len(key.len());
        if key.is_empty() {
            return Err(EncodeError::Key(KeyError::Empty));
        }
        if len > MAX_KEY_LEN {
            return Err(EncodeError::Key(KeyError::TooLong { len }));
        }
        Ok(())
    } else {
        check_text_key(key).map_err(EncodeError::Key)
    }
}

/// Appends `<command> <key>` and ` <value_len>` when given.
#[inline(always)]
pub(super) fn push_head(
    out: &mut Vec<u8>,
    command: Command,
    key: &[u8],
    base64: bool,
    value_len: Option<usize>,
) {
    out.extend_from_slice(command.name());
    out.push(b' ');
    if base64 {
        push_base64(out, key);
    } else {
        out.extend_from_slice(key);
    }
    if let Some(len) = value_len {
        out.push(b' ');
        push_decimal(out, len as u64);
    }
}

/// The length of `n` bytes base64-encoded, with padding.
pub(super) fn base64_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Appends `bytes` base64-encoded (standard alphabet, with padding).
pub(super) fn push_base64(out: &mut Vec<u8>, bytes: &[u8]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let symbol = |six: u32| ALPHABET.get((six & 63) as usize).copied().unwrap_or(b'=');
    for chunk in bytes.chunks(3) {
        let b = |i: usize| u32::from(chunk.get(i).copied().unwrap_or(0));
        let n = (b(0) << 16) | (b(1) << 8) | b(2);
        out.push(symbol(n >> 18));
        out.push(symbol(n >> 12));
        out.push(if chunk.len() > 1 {
            symbol(n >> 6)
        } else {
            b'='
        });
        out.push(if chunk.len() > 2 { symbol(n) } else { b'=' });
    }
}
