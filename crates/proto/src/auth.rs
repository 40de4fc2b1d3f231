//! Logging in before the first request: SASL PLAIN in the binary protocol
//! (memcached `-S`: the mechanisms are listed, then PLAIN is used), and
//! the text protocol's auth file scheme (memcached `-Y`: a `set` whose
//! value is `user password`), which meta connections use too.
//!
//! Each login is one request to send whole and a reply to check with
//! [`check_sasl`] or [`check_text`] as bytes come in.
//!
//! ```
//! use memaslap_proto::auth::{self, LoginReply};
//!
//! let request = auth::text_login("alice", "s3cret")?;
//! assert_eq!(request, b"set memaslap-auth 0 0 12\r\nalice s3cret\r\n");
//! assert_eq!(auth::check_text(b"STOR"), LoginReply::Incomplete);
//! assert_eq!(auth::check_text(b"STORED\r\n"), LoginReply::Accepted { consumed: 8 });
//! assert!(matches!(
//!     auth::check_text(b"CLIENT_ERROR unauthenticated\r\n"),
//!     LoginReply::Refused(_)
//! ));
//! # Ok::<(), memaslap_proto::auth::LoginError>(())
//! ```

use crate::binary::{self, Opcode, Request, ResponseHeader};
use zerocopy::FromBytes;

/// The longest login reply accepted: a mechanism list or an error line.
pub const MAX_LOGIN_REPLY: usize = 4096;

/// What a login's reply says so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginReply {
    /// More bytes are needed.
    Incomplete,
    /// The server took the login; the reply was `consumed` bytes long.
    Accepted {
        /// Bytes of the reply.
        consumed: usize,
    },
    /// The server refused it, or answered something else: why, in words
    /// (never the password, which the server does not echo).
    Refused(String),
}

/// Why a login request cannot be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoginError {
    /// The text scheme splits `user password` at the first space.
    UserName,
    /// memcached splits `user password` at spaces, and a line break would
    /// end the request early.
    Password,
    /// SASL PLAIN separates its fields with NUL bytes.
    Nul,
    /// Too long for a request.
    TooLong,
}

impl std::fmt::Display for LoginError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            LoginError::UserName => {
                "a user name for the text protocol's login is not empty and has no space or line break"
            }
            LoginError::Password => "a password for the text protocol's login is not empty and has no space or line break",
            LoginError::Nul => "a SASL PLAIN user name or password has no NUL byte",
            LoginError::TooLong => "the login is too long",
        })
    }
}

impl std::error::Error for LoginError {}

/// The key of the text scheme's `set` (memcached ignores it).
const TEXT_KEY: &str = "memaslap-auth";

/// The text protocol's login for `user` with `password`.
///
/// # Errors
/// [`LoginError`] for a user name or password that is empty or has a
/// space or line break.
pub fn text_login(user: &str, password: &str) -> Result<Vec<u8>, LoginError> {
    if user.is_empty() || user.contains([' ', '\r', '\n']) {
        return Err(LoginError::UserName);
    }
    // memcached splits the value at spaces: a password with one never
    // matches its auth file.
    if password.is_empty() || password.contains([' ', '\r', '\n']) {
        return Err(LoginError::Password);
    }
    let value_len = user.len() + 1 + password.len();
    if value_len > MAX_LOGIN_REPLY {
        return Err(LoginError::TooLong);
    }
    let mut out = Vec::with_capacity(value_len + 32);
    out.extend_from_slice(format!("set {TEXT_KEY} 0 0 {value_len}\r\n").as_bytes());
    out.extend_from_slice(user.as_bytes());
    out.push(b' ');
    out.extend_from_slice(password.as_bytes());
    out.extend_from_slice(b"\r\n");
    Ok(out)
}

/// Checks the reply to [`text_login`]: `STORED` takes it; any other line
/// refuses it.
pub fn check_text(buf: &[u8]) -> LoginReply {
    let Some(end) = buf.windows(2).position(|w| w == b"\r\n") else {
        return if buf.len() > MAX_LOGIN_REPLY {
            LoginReply::Refused("a reply line longer than a login's".to_string())
        } else {
            LoginReply::Incomplete
        };
    };
    let line = buf.get(..end).unwrap_or_default();
    if line == b"STORED" {
        LoginReply::Accepted { consumed: end + 2 }
    } else {
        LoginReply::Refused(String::from_utf8_lossy(line).into_owned())
    }
}

/// The binary protocol's SASL login: a mechanism list, then PLAIN
/// authentication as `user` with `password`, pipelined.
///
/// # Errors
/// [`LoginError`] for a NUL byte in either, or a login too long.
pub fn sasl_login(user: &str, password: &str) -> Result<Vec<u8>, LoginError> {
    if user.contains('\0') || password.contains('\0') {
        return Err(LoginError::Nul);
    }
    let mut out = Vec::new();
    let list = Request {
        opaque: 1,
        ..Request::new(Opcode::SaslListMechs)
    };
    binary::encode_request(&mut out, &list).map_err(|_| LoginError::TooLong)?;
    // PLAIN (RFC 4616): authorization id, NUL, user, NUL, password.
    let value_len = 2 + user.len() + password.len();
    let auth = Request {
        key: b"PLAIN",
        value_len,
        opaque: 2,
        ..Request::new(Opcode::SaslAuth)
    };
    binary::encode_request(&mut out, &auth).map_err(|_| LoginError::TooLong)?;
    out.push(0);
    out.extend_from_slice(user.as_bytes());
    out.push(0);
    out.extend_from_slice(password.as_bytes());
    Ok(out)
}

/// Checks the replies to [`sasl_login`]: the mechanisms must include
/// PLAIN, and the authentication must succeed.
pub fn check_sasl(buf: &[u8]) -> LoginReply {
    let (list, used) = match packet(buf) {
        Ok(Some(found)) => found,
        Ok(None) => return LoginReply::Incomplete,
        Err(why) => return LoginReply::Refused(why),
    };
    if list.0.opcode != Opcode::SaslListMechs as u8 {
        return LoginReply::Refused("the reply is not to the mechanism list".to_string());
    }
    let mechanisms = String::from_utf8_lossy(list.1);
    if list.0.status.get() != 0 || !mechanisms.split(' ').any(|m| m == "PLAIN") {
        return LoginReply::Refused(format!(
            "the server offers no SASL PLAIN (mechanisms: {mechanisms:?}, status {:#06x})",
            list.0.status.get()
        ));
    }
    let rest = buf.get(used..).unwrap_or_default();
    let (auth, more) = match packet(rest) {
        Ok(Some(found)) => found,
        Ok(None) => return LoginReply::Incomplete,
        Err(why) => return LoginReply::Refused(why),
    };
    if auth.0.opcode != Opcode::SaslAuth as u8 {
        return LoginReply::Refused("the reply is not to the authentication".to_string());
    }
    match auth.0.status.get() {
        0 => LoginReply::Accepted {
            consumed: used + more,
        },
        status => LoginReply::Refused(format!(
            "{} (status {status:#06x})",
            String::from_utf8_lossy(auth.1).trim()
        )),
    }
}

/// A binary response: its header and its body.
type Packet<'a> = (&'a ResponseHeader, &'a [u8]);

/// One binary response at the start of `buf`, and its length; `None`
/// while incomplete.
fn packet(buf: &[u8]) -> Result<Option<(Packet<'_>, usize)>, String> {
    let Ok((header, body)) = ResponseHeader::ref_from_prefix(buf) else {
        return Ok(None);
    };
    if header.magic != binary::RESPONSE_MAGIC {
        return Err(format!("not a binary reply (magic {:#04x})", header.magic));
    }
    let len = header.body_len.get() as usize;
    if len > MAX_LOGIN_REPLY {
        return Err(format!("a login reply of {len} bytes"));
    }
    Ok(body
        .get(..len)
        .map(|body| ((header, body), binary::HEADER_LEN + len)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn reply(opcode: Opcode, status: u16, body: &[u8]) -> Vec<u8> {
        let mut out = vec![0x81, opcode as u8, 0, 0, 0, 0];
        out.extend_from_slice(&status.to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        out.extend_from_slice(&[0; 12]);
        out.extend_from_slice(body);
        out
    }

    #[test]
    fn sasl_plain_is_listed_then_sent() {
        let request = sasl_login("alice", "pw").unwrap();
        // LIST_MECHS: a bare header.
        assert_eq!(&request[..2], [0x80, 0x20]);
        // AUTH: key PLAIN, value NUL alice NUL pw.
        let auth = &request[24..];
        assert_eq!(&auth[..2], [0x80, 0x21]);
        assert_eq!(&auth[2..4], [0, 5]);
        assert_eq!(&auth[8..12], (5u32 + 9).to_be_bytes());
        assert_eq!(&auth[24..], b"PLAIN\0alice\0pw");
        assert_eq!(sasl_login("a\0b", "pw"), Err(LoginError::Nul));
    }

    #[test]
    fn sasl_replies_are_checked_in_order() {
        let mut ok = reply(Opcode::SaslListMechs, 0, b"CRAM-MD5 PLAIN");
        ok.extend(reply(Opcode::SaslAuth, 0, b"Authenticated"));
        for cut in 0..ok.len() {
            assert_eq!(check_sasl(&ok[..cut]), LoginReply::Incomplete, "{cut}");
        }
        assert_eq!(check_sasl(&ok), LoginReply::Accepted { consumed: ok.len() });
        let mut refused = reply(Opcode::SaslListMechs, 0, b"PLAIN");
        refused.extend(reply(Opcode::SaslAuth, 0x20, b"Auth failure."));
        assert_eq!(
            check_sasl(&refused),
            LoginReply::Refused("Auth failure. (status 0x0020)".to_string())
        );
        let no_plain = reply(Opcode::SaslListMechs, 0, b"CRAM-MD5");
        assert!(
            matches!(check_sasl(&no_plain), LoginReply::Refused(w) if w.contains("no SASL PLAIN"))
        );
        assert!(matches!(
            check_sasl(b"ERROR\r\n........................"),
            LoginReply::Refused(_)
        ));
    }

    #[test]
    fn the_text_login_is_a_set() {
        assert_eq!(text_login("a b", "x"), Err(LoginError::UserName));
        assert_eq!(text_login("a", "x\r\ny"), Err(LoginError::Password));
        assert_eq!(text_login("a", "x y"), Err(LoginError::Password));
        assert_eq!(
            check_text(b"CLIENT_ERROR unauthenticated\r\n"),
            LoginReply::Refused("CLIENT_ERROR unauthenticated".to_string())
        );
        assert!(matches!(
            check_text(&[b'x'; MAX_LOGIN_REPLY + 1]),
            LoginReply::Refused(_)
        ));
    }

    proptest! {
        #[test]
        fn any_reply_is_checked_without_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = check_sasl(&bytes);
            let _ = check_text(&bytes);
        }
    }
}
