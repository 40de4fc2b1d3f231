//! The responses of the text protocol, borrowed from the bytes they were
//! parsed from.

/// One response, or one part of a multi-part response, as sent by memcached.
///
/// A retrieval answer arrives as one [`Response::Value`] per hit followed by
/// [`Response::End`]; a `stats` answer as one [`Response::Stat`] per line
/// followed by [`Response::End`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response<'a> {
    /// `VALUE <key> <flags> <bytes> [<cas>]\r\n<data>\r\n`: one hit.
    Value(Value<'a>),
    /// `END`: the end of a retrieval or `stats` answer.
    End,
    /// `STORED`: a storage command succeeded.
    Stored,
    /// `NOT_STORED`: an `add`, `replace`, `append` or `prepend` condition
    /// failed.
    NotStored,
    /// `EXISTS`: a `cas` found the item changed since it was read.
    Exists,
    /// `NOT_FOUND`: the key is absent (`cas`, `delete`, `incr`, `decr`,
    /// `touch`).
    NotFound,
    /// `DELETED`: a `delete` removed the item.
    Deleted,
    /// `TOUCHED`: a `touch` updated the expiration time.
    Touched,
    /// `OK`: `flush_all` or `verbosity` succeeded.
    Ok,
    /// `ERROR` or `ERROR <message>`: the server did not know the command.
    Error,
    /// `CLIENT_ERROR <message>`: the request was malformed; the message
    /// without the token and its space.
    ClientError(&'a [u8]),
    /// `SERVER_ERROR <message>`: the server failed; the message without the
    /// token and its space.
    ServerError(&'a [u8]),
    /// `VERSION <version>`: the version string.
    Version(&'a [u8]),
    /// `STAT <name> <value>`: one statistic. The value is everything after
    /// the space that follows the name and may itself hold spaces.
    Stat {
        /// The statistic's name.
        name: &'a [u8],
        /// The statistic's value.
        value: &'a [u8],
    },
    /// `<decimal>`: the new value after an `incr` or `decr`.
    Number(u64),
}

/// One item returned by `get`, `gets`, `gat` or `gats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Value<'a> {
    /// The item's key.
    pub key: &'a [u8],
    /// The client flags stored with the item.
    pub flags: u32,
    /// The cas unique, present in `gets` and `gats` answers.
    pub cas: Option<u64>,
    /// The item's data, without its trailing `\r\n`.
    pub data: &'a [u8],
}
