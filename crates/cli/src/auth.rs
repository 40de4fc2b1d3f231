//! `--user` and its password: the flags, their checks (exit 2) and the
//! banner line. The password comes from a file or the environment, never
//! the command line (which other users of the machine can read), and is
//! never printed: it lives only in the login's request bytes.

use crate::setup::SetupError;
use clap::Args;
use memaslap_engine::{Login, Mode, Protocol, Scheme};
use std::fmt::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The environment variable a password may come from.
pub const PASSWORD_VARIABLE: &str = "MEMASLAP_PASSWORD";

/// The authentication flags.
#[derive(Debug, Clone, Default, Args)]
pub struct AuthFlags {
    /// Log in as NAME on every connection (and after every reconnect):
    /// SASL PLAIN in the binary protocol (memcached -S), the auth file
    /// scheme in the text and meta protocols (memcached -Y). The password
    /// comes from --password-file or $MEMASLAP_PASSWORD.
    #[arg(long = "user", value_name = "NAME")]
    pub user: Option<String>,

    /// A file whose first line is the password of --user.
    #[arg(long = "password-file", value_name = "FILE", requires = "user")]
    pub password_file: Option<PathBuf>,
}

/// The login the flags ask for, or `None` without `--user`; `variable` is
/// the value of [`PASSWORD_VARIABLE`].
///
/// # Errors
/// A usage error naming the flag and what is wrong (never the password).
pub fn login(
    flags: &AuthFlags,
    (protocol, mode): (Protocol, Mode),
    variable: Option<String>,
) -> Result<Option<Arc<Login>>, SetupError> {
    let usage = |text: String| SetupError::Usage(text);
    let Some(user) = &flags.user else {
        return Ok(None);
    };
    if mode != Mode::Tcp {
        return Err(usage(
            "--user logs in over TCP: -U and -a send over UDP, which has no login".into(),
        ));
    }
    let password = match (&flags.password_file, variable) {
        (Some(path), _) => read_password(path)?,
        (None, Some(value)) => value,
        (None, None) => {
            return Err(usage(format!(
                "--user {user} needs a password: --password-file FILE or ${PASSWORD_VARIABLE}"
            )));
        }
    };
    let scheme = match protocol {
        Protocol::Binary => Scheme::SaslPlain,
        Protocol::Ascii | Protocol::Meta => Scheme::Text,
    };
    Login::new(scheme, user, &password)
        .map(|login| Some(Arc::new(login)))
        .map_err(|e| usage(format!("--user {user}: {e}")))
}

/// The first line of the file at `path`, its line ending removed.
fn read_password(path: &Path) -> Result<String, SetupError> {
    let name = path.display();
    let bytes = crate::files::read_capped(path, crate::files::MAX_PASSWORD_FILE)
        .map_err(|e| SetupError::Usage(format!("--password-file {name}: cannot read: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|_| {
        SetupError::Usage(format!(
            "--password-file {name}: cannot read: not UTF-8 text"
        ))
    })?;
    let line = text.lines().next().unwrap_or_default();
    if line.is_empty() {
        return Err(SetupError::Usage(format!(
            "--password-file {name}: holds no password on its first line"
        )));
    }
    Ok(line.to_string())
}

/// The banner's line for `login`.
pub fn banner(out: &mut String, login: &Login) {
    let _ = writeln!(out, "auth: {} as {}", login.scheme(), login.user());
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(user: Option<&str>) -> AuthFlags {
        AuthFlags {
            user: user.map(String::from),
            password_file: None,
        }
    }

    fn usage(flags: &AuthFlags, how: (Protocol, Mode), variable: Option<&str>) -> String {
        match login(flags, how, variable.map(String::from)) {
            Err(SetupError::Usage(text)) => text,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_password_comes_from_a_file_or_the_environment() {
        let tcp = (Protocol::Binary, Mode::Tcp);
        assert!(
            login(&flags(None), tcp, Some("pw".into()))
                .unwrap()
                .is_none()
        );
        let sasl = login(&flags(Some("alice")), tcp, Some("pw".into()))
            .unwrap()
            .unwrap();
        assert_eq!((sasl.user(), sasl.scheme()), ("alice", Scheme::SaslPlain));
        let text = login(
            &flags(Some("alice")),
            (Protocol::Meta, Mode::Tcp),
            Some("pw".into()),
        );
        assert_eq!(text.unwrap().unwrap().scheme(), Scheme::Text);
        assert!(
            usage(&flags(Some("alice")), tcp, None)
                .contains("--password-file FILE or $MEMASLAP_PASSWORD")
        );
        assert!(
            usage(
                &flags(Some("alice")),
                (Protocol::Ascii, Mode::Udp),
                Some("pw")
            )
            .contains("UDP")
        );
        let missing = AuthFlags {
            password_file: Some("/nonexistent/pw".into()),
            ..flags(Some("alice"))
        };
        assert!(
            usage(&missing, tcp, None).starts_with("--password-file /nonexistent/pw: cannot read")
        );
        let spaced = usage(
            &flags(Some("al ice")),
            (Protocol::Ascii, Mode::Tcp),
            Some("secret-pw"),
        );
        assert!(
            spaced.contains("user name") && !spaced.contains("secret-pw"),
            "{spaced}"
        );
    }
}
