//! A parsed response, borrowing from the receive buffer.

use super::header::ResponseHeader;
use super::opcode::{Opcode, UnknownOpcode};
use super::status::{Status, UnknownStatus};

/// One response: its header read in place and its body split into extras,
/// key and value, all borrowed from the parser's input.
///
/// A miss is never a value: the body of an error response (a miss's
/// `"Not found"` among them) is a message, which
/// [`value_if_hit`](Response::value_if_hit) never returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The 24-byte header.
    pub header: &'a ResponseHeader,
    /// The extras: 4 bytes of flags after a GET-family hit, else usually none.
    pub extras: &'a [u8],
    /// The key: after a GETK-family hit, or a statistic's name.
    pub key: &'a [u8],
    /// The rest of the body: a value, a number, a version, a statistic's
    /// value or an error message.
    pub value: &'a [u8],
}

impl<'a> Response<'a> {
    /// The opcode of the request this answers.
    pub fn opcode(&self) -> Result<Opcode, UnknownOpcode> {
        Opcode::try_from(self.header.opcode)
    }

    /// The outcome.
    pub fn status(&self) -> Result<Status, UnknownStatus> {
        Status::try_from(self.header.status.get())
    }

    /// Whether the request succeeded.
    pub fn is_success(&self) -> bool {
        self.status() == Ok(Status::NoError)
    }

    /// Whether the key was absent ([`Status::KeyNotFound`]): a GET or GAT
    /// miss, or a DELETE, TOUCH, REPLACE or non-creating INCR/DECR of an
    /// absent key.
    pub fn is_miss(&self) -> bool {
        self.status() == Ok(Status::KeyNotFound)
    }

    /// The opaque value copied from the request.
    pub fn opaque(&self) -> u32 {
        self.header.opaque.get()
    }

    /// The item's CAS token, or 0.
    pub fn cas(&self) -> u64 {
        self.header.cas.get()
    }

    /// The value, when the request succeeded; `None` for a miss or any
    /// error, whose body is a message instead.
    pub fn value_if_hit(&self) -> Option<&'a [u8]> {
        self.is_success().then_some(self.value)
    }

    /// The server's message, when the request failed.
    pub fn error_message(&self) -> Option<&'a [u8]> {
        (!self.is_success()).then_some(self.value)
    }

    /// The item's flags: the 4 bytes of extras after a GET-family hit.
    pub fn flags(&self) -> Option<u32> {
        let bytes: [u8; 4] = self.extras.try_into().ok()?;
        self.is_success().then(|| u32::from_be_bytes(bytes))
    }

    /// The counter's new value after a successful INCR or DECR.
    pub fn counter(&self) -> Option<u64> {
        if !self.is_success() || !self.opcode().is_ok_and(Opcode::is_counter) {
            return None;
        }
        let bytes: [u8; 8] = self.value.try_into().ok()?;
        Some(u64::from_be_bytes(bytes))
    }

    /// Whether this is the empty-keyed response that ends a STAT series.
    pub fn is_stat_end(&self) -> bool {
        self.opcode() == Ok(Opcode::Stat) && self.key.is_empty()
    }
}
