//! Logging in on every TCP socket before its first request, and again
//! after every reconnect: SASL PLAIN in the binary protocol, the auth file
//! scheme in the text and meta protocols (`memaslap_proto::auth`). The
//! password lives only in the request bytes; nothing here prints them.

use std::fmt;
use std::io;
use std::sync::Arc;

use memaslap_proto::auth::{self, LoginError, LoginReply, MAX_LOGIN_REPLY};
use socket2::Socket;

use crate::sock;
use crate::tls::{Fault, Session};

/// Which login a server expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SASL PLAIN, binary protocol (memcached `-S`).
    SaslPlain,
    /// A `set` of `user password`, text and meta protocols (memcached `-Y`).
    Text,
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Scheme::SaslPlain => "SASL PLAIN",
            Scheme::Text => "the text protocol's auth file scheme",
        })
    }
}

/// A login, made once and sent on every socket.
#[derive(Clone)]
pub struct Login {
    user: String,
    scheme: Scheme,
    request: Arc<[u8]>,
}

impl fmt::Debug for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the request: it holds the password.
        f.debug_struct("Login")
            .field("user", &self.user)
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl Login {
    /// The login of `user` with `password` by `scheme`.
    ///
    /// # Errors
    /// A [`LoginError`] when the scheme cannot carry the user or password.
    pub fn new(scheme: Scheme, user: &str, password: &str) -> Result<Login, LoginError> {
        let request = match scheme {
            Scheme::SaslPlain => auth::sasl_login(user, password)?,
            Scheme::Text => auth::text_login(user, password)?,
        };
        Ok(Login {
            user: user.to_string(),
            scheme,
            request: request.into(),
        })
    }

    /// Who logs in.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// How.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    fn check(&self, reply: &[u8]) -> LoginReply {
        match self.scheme {
            Scheme::SaslPlain => auth::check_sasl(reply),
            Scheme::Text => auth::check_text(reply),
        }
    }
}

/// Where one socket's login stands.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// Request bytes written (or handed to TLS).
    sent: usize,
    /// The reply so far.
    reply: Vec<u8>,
}

/// What a step of a login came to.
#[derive(Debug)]
pub(crate) enum Step {
    /// The socket would block: wait for its next event.
    Waiting,
    /// The server took the login.
    Done,
    /// The server refused it (or answered something else): why.
    Refused(String),
    /// The socket or TLS failed.
    Failed(Fault),
}

/// Moves `login` on over `socket` (through `session` over TLS) as far as
/// the socket allows.
pub(crate) fn step(
    login: &Login,
    socket: &Socket,
    mut session: Option<&mut Session>,
    progress: &mut Progress,
) -> Step {
    let request: &[u8] = &login.request;
    match session.as_deref_mut() {
        // Over TLS, each call also flushes what TLS still holds.
        Some(s) => match s.send(socket, &[request], &mut progress.sent) {
            Ok(true) => {}
            Ok(false) => return Step::Waiting,
            Err(fault) => return Step::Failed(fault),
        },
        None => {
            while progress.sent < request.len() {
                match sock::send_from(socket, &[request], progress.sent) {
                    Ok(0) => return Step::Failed(Fault::Io(io::ErrorKind::WriteZero.into())),
                    Ok(n) => progress.sent += n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Waiting,
                    Err(e) => return Step::Failed(Fault::Io(e)),
                }
            }
        }
    }
    let mut buf = [0u8; 1024];
    loop {
        let read = match session.as_deref_mut() {
            Some(s) => match s.recv(socket, &mut buf) {
                Ok(Some(n)) => n,
                Ok(None) => return Step::Waiting,
                Err(fault) => return Step::Failed(fault),
            },
            None => match sock::recv(socket, &mut buf) {
                Ok(0) => return Step::Failed(Fault::Closed),
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Step::Waiting,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Step::Failed(Fault::Io(e)),
            },
        };
        progress
            .reply
            .extend_from_slice(buf.get(..read).unwrap_or_default());
        match login.check(&progress.reply) {
            LoginReply::Incomplete if progress.reply.len() > 2 * MAX_LOGIN_REPLY => {
                return Step::Refused("a reply longer than a login's".to_string());
            }
            LoginReply::Incomplete => {}
            LoginReply::Accepted { consumed } if consumed == progress.reply.len() => {
                return Step::Done;
            }
            LoginReply::Accepted { .. } => {
                return Step::Refused("more bytes than the login's reply".to_string());
            }
            LoginReply::Refused(why) => return Step::Refused(why),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_login_never_shows_its_password() {
        let login = Login::new(Scheme::Text, "alice", "hunter2").unwrap();
        assert!(!format!("{login:?}").contains("hunter2"));
        assert_eq!((login.user(), login.scheme()), ("alice", Scheme::Text));
        assert!(Login::new(Scheme::Text, "a b", "x").is_err());
    }
}
