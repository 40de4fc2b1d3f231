//! What a meta response is.

use super::flags::{Flags, ReturnFlag};

/// A meta response's two-letter return code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    /// `HD`: success, no value.
    Stored,
    /// `VA`: success, with a value.
    Value,
    /// `EN`: a get missed.
    Miss,
    /// `NF`: not found (delete, arithmetic, or a `ms` in a mode that needs
    /// an item).
    NotFound,
    /// `NS`: not stored.
    NotStored,
    /// `EX`: the compare-and-swap token did not match.
    Exists,
    /// `MN`: the reply to `mn`, closing a pipeline of quiet commands.
    NoOp,
}

impl Code {
    /// The code for its two letters.
    pub fn from_bytes(code: [u8; 2]) -> Option<Code> {
        Some(match &code {
            b"HD" => Code::Stored,
            b"VA" => Code::Value,
            b"EN" => Code::Miss,
            b"NF" => Code::NotFound,
            b"NS" => Code::NotStored,
            b"EX" => Code::Exists,
            b"MN" => Code::NoOp,
            _ => return None,
        })
    }

    /// Its two letters.
    pub fn as_bytes(self) -> &'static [u8; 2] {
        match self {
            Code::Stored => b"HD",
            Code::Value => b"VA",
            Code::Miss => b"EN",
            Code::NotFound => b"NF",
            Code::NotStored => b"NS",
            Code::Exists => b"EX",
            Code::NoOp => b"MN",
        }
    }
}

/// A meta reply: its code, its data (`VA` only) and the flags returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    /// The return code.
    pub code: Code,
    /// The value of a `VA` reply, borrowed from the input.
    pub data: Option<&'a [u8]>,
    /// The returned flags, checked when parsed.
    pub flags: Flags<'a>,
}

impl<'a> Reply<'a> {
    /// The returned flags, typed, in the order the server sent them.
    pub fn flags(&self) -> impl Iterator<Item = ReturnFlag<'a>> + 'a {
        self.flags.iter()
    }

    /// The opaque token (`O`), if returned.
    pub fn opaque(&self) -> Option<&'a [u8]> {
        self.flags.token(b'O')
    }

    /// The key (`k`), if returned.
    pub fn key(&self) -> Option<&'a [u8]> {
        self.flags.token(b'k')
    }
}

/// Every response to a meta command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response<'a> {
    /// `HD`, `VA`, `EN`, `NF`, `NS`, `EX` or `MN` with its flags.
    Meta(Reply<'a>),
    /// `ME <key> <name>=<value> …`: an item's internals (`me`).
    Debug {
        /// The key.
        key: &'a [u8],
        /// The `name=value` pairs, space-separated, as sent.
        pairs: &'a [u8],
    },
    /// `ERROR`: the command is unknown.
    Error,
    /// `CLIENT_ERROR <message>`: the request was malformed.
    ClientError(&'a [u8]),
    /// `SERVER_ERROR <message>`: the server failed.
    ServerError(&'a [u8]),
}
