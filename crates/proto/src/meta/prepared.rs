//! A command's flags checked once and kept encoded, for requests sent many
//! times with the same flags: encoding one then checks only its key, and
//! writes the flags as bytes instead of flag by flag.

use super::request::{base64_len, check_flags, check_key, push_base64};
use super::{Command, EncodeError, Flag};
use crate::key::check_written_text_key;
use crate::{KeyError, MAX_KEY_LEN, WriteKey, push_decimal};

/// Flags for `command`, checked as its encoder checks them and encoded.
///
/// ```
/// use memaslap_proto::meta::{encode_get, Command, Flag, PreparedFlags};
/// let flags = PreparedFlags::new(Command::Get, &[Flag::ReturnValue, Flag::ReturnKey])?;
/// let mut out = Vec::new();
/// flags.encode(&mut out, b"foo", None, Some(7))?;
/// assert_eq!(out, b"mg foo v k O7\r\n");
/// // What encode_get writes with the same flags and the opaque last.
/// let mut plain = Vec::new();
/// encode_get(&mut plain, b"foo", &[Flag::ReturnValue, Flag::ReturnKey, Flag::Opaque(b"7")])?;
/// assert_eq!(out, plain);
/// # Ok::<(), memaslap_proto::meta::EncodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedFlags {
    command: Command,
    base64: bool,
    /// ` <letter><token>` for each flag, in order.
    bytes: Vec<u8>,
}

impl PreparedFlags {
    /// `flags` for `command`, or why its encoder would refuse them.
    pub fn new(command: Command, flags: &[Flag<'_>]) -> Result<PreparedFlags, EncodeError> {
        let base64 = check_flags(command, flags)?;
        let mut bytes = Vec::new();
        for flag in flags {
            flag.push(&mut bytes);
        }
        Ok(PreparedFlags {
            command,
            base64,
            bytes,
        })
    }

    /// The command the flags are for.
    pub fn command(&self) -> Command {
        self.command
    }

    /// Appends the command for `key` with these flags, then `O<opaque>`
    /// in decimal when given: what the command's encoder writes with the
    /// flags and [`Flag::Opaque`] last. `value_len` is `ms`'s value length
    /// (send the value and `\r\n` after), given for `ms` and no other
    /// command; an opaque is refused as the encoder refuses it (`me`
    /// takes none). The key is any [`WriteKey`], written where it goes
    /// and checked there as a whole key is. On error the buffer is left
    /// as it was.
    pub fn encode<K: WriteKey>(
        &self,
        out: &mut Vec<u8>,
        key: K,
        value_len: Option<usize>,
        opaque: Option<u32>,
    ) -> Result<(), EncodeError> {
        if (self.command == Command::Set) != value_len.is_some() {
            return Err(EncodeError::ValueLength(self.command));
        }
        if opaque.is_some() && !Flag::Opaque(b"0").allowed_in(self.command) {
            return Err(EncodeError::FlagNotAllowed {
                command: self.command,
                flag: b'O',
            });
        }
        let mark = out.len();
        out.extend_from_slice(self.command.name());
        out.push(b' ');
        if let Err(e) = self.write_key(out, &key) {
            out.truncate(mark);
            return Err(e);
        }
        if let Some(len) = value_len {
            out.push(b' ');
            push_decimal(out, len as u64);
        }
        out.extend_from_slice(&self.bytes);
        if let Some(opaque) = opaque {
            out.extend_from_slice(b" O");
            push_decimal(out, u64::from(opaque));
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }

    /// Writes `key` at the end of `out` and checks it as the command's
    /// encoder checks a key: as a text key, or, with `b`, base64-encoded
    /// in its place (the raw key moved through a buffer on the stack).
    fn write_key<K: WriteKey>(&self, out: &mut Vec<u8>, key: &K) -> Result<(), EncodeError> {
        let start = out.len();
        key.write_key(out);
        let written = out.get(start..).unwrap_or_default();
        if !self.base64 {
            return check_written_text_key(key, written).map_err(EncodeError::Key);
        }
        check_key(written, true)?;
        // Checked: the raw key is shorter than its encoding, at most
        // MAX_KEY_LEN bytes.
        let mut raw = [0u8; MAX_KEY_LEN];
        let Some(place) = raw.get_mut(..written.len()) else {
            let len = base64_len(written.len());
            return Err(EncodeError::Key(KeyError::TooLong { len }));
        };
        place.copy_from_slice(written);
        out.truncate(start);
        push_base64(out, place);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meta::{SetMode, encode_arithmetic, encode_delete, encode_get, encode_set};

    /// What the command's own encoder writes.
    fn plain(
        command: Command,
        key: &[u8],
        len: Option<usize>,
        flags: &[Flag<'_>],
    ) -> Result<Vec<u8>, EncodeError> {
        let mut out = Vec::new();
        match command {
            Command::Get => encode_get(&mut out, key, flags),
            Command::Set => encode_set(&mut out, key, len.unwrap_or(0), flags),
            Command::Delete => encode_delete(&mut out, key, flags),
            Command::Arithmetic => encode_arithmetic(&mut out, key, flags),
            Command::Debug => unreachable!(),
        }
        .map(|()| out)
    }

    #[test]
    fn prepared_flags_encode_as_the_plain_encoders() {
        let cases: &[(Command, Option<usize>, &[Flag<'_>])] = &[
            (Command::Get, None, &[Flag::ReturnValue, Flag::ReturnKey]),
            (
                Command::Get,
                None,
                &[Flag::ReturnValue, Flag::ReturnKey, Flag::Quiet],
            ),
            (
                Command::Get,
                None,
                &[Flag::ReturnCas, Flag::Ttl(30), Flag::Base64],
            ),
            (Command::Set, Some(1024), &[Flag::Ttl(0), Flag::SetFlags(7)]),
            (Command::Set, Some(5), &[Flag::SetMode(SetMode::Append)]),
            (Command::Delete, None, &[Flag::Quiet]),
            (Command::Arithmetic, None, &[Flag::Delta(3)]),
            (Command::Get, None, &[]),
        ];
        for &(command, len, flags) in cases {
            let prepared = PreparedFlags::new(command, flags).unwrap();
            assert_eq!(prepared.command(), command);
            for (key, opaque) in [
                (&b"foo"[..], Some(0)),
                (b"a:b", Some(u32::MAX)),
                (b"k", None),
            ] {
                let mut out = b"before ".to_vec();
                prepared.encode(&mut out, key, len, opaque).unwrap();
                let digits = opaque.map(|o| o.to_string());
                let mut all = flags.to_vec();
                all.extend(digits.as_deref().map(|d| Flag::Opaque(d.as_bytes())));
                let want = [&b"before "[..], &plain(command, key, len, &all).unwrap()].concat();
                assert_eq!(out, want, "{command:?} {flags:?}");
            }
        }
    }

    #[test]
    fn what_an_encoder_refuses_is_refused_and_nothing_written() {
        assert_eq!(
            PreparedFlags::new(Command::Delete, &[Flag::ReturnValue]),
            Err(EncodeError::FlagNotAllowed {
                command: Command::Delete,
                flag: b'v'
            })
        );
        assert_eq!(
            PreparedFlags::new(Command::Get, &[Flag::Opaque(b"a b")]),
            Err(EncodeError::BadOpaque)
        );
        let get = PreparedFlags::new(Command::Get, &[Flag::ReturnValue]).unwrap();
        let set = PreparedFlags::new(Command::Set, &[]).unwrap();
        let mut out = b"kept".to_vec();
        // The key errors are the plain encoder's.
        for key in [&b"a b"[..], b"", &[b'k'; 251]] {
            let want = plain(Command::Get, key, None, &[Flag::ReturnValue]).unwrap_err();
            assert_eq!(get.encode(&mut out, key, None, Some(1)), Err(want));
        }
        assert_eq!(
            get.encode(&mut out, b"foo", Some(3), None),
            Err(EncodeError::ValueLength(Command::Get))
        );
        assert_eq!(
            set.encode(&mut out, b"foo", None, None),
            Err(EncodeError::ValueLength(Command::Set))
        );
        // `me` takes no opaque, as its encoder says.
        let debug = PreparedFlags::new(Command::Debug, &[]).unwrap();
        let mut plain = Vec::new();
        assert_eq!(crate::meta::encode_debug(&mut plain, b"foo", false), Ok(()));
        assert_eq!(
            debug.encode(&mut out, b"foo", None, Some(1)),
            Err(EncodeError::FlagNotAllowed {
                command: Command::Debug,
                flag: b'O'
            })
        );
        let mut alone = Vec::new();
        debug.encode(&mut alone, b"foo", None, None).unwrap();
        assert_eq!(alone, plain);
        assert_eq!(out, b"kept");
    }

    /// A key kept in two pieces, optionally claimed printable.
    struct Pieces<'a>(&'a [u8], &'a [u8], bool);

    impl WriteKey for Pieces<'_> {
        fn write_key(&self, out: &mut Vec<u8>) {
            out.extend_from_slice(self.0);
            out.extend_from_slice(self.1);
        }

        fn is_printable(&self) -> bool {
            self.2
        }
    }

    #[test]
    fn keys_written_in_pieces_encode_as_whole_keys_do() {
        let long = [b'k'; 260];
        let flag_sets: [&[Flag<'_>]; 2] = [&[Flag::ReturnValue], &[Flag::Base64, Flag::Quiet]];
        for flags in flag_sets {
            let prepared = PreparedFlags::new(Command::Get, flags).unwrap();
            for key in [
                &b"foo"[..],
                b"a b",
                b"",
                b"\x00\xff",
                &long[..186],
                &long[..187],
                &long[..250],
                &long[..251],
            ] {
                let mut whole = b"kept".to_vec();
                let want = prepared.encode(&mut whole, key, None, Some(9));
                let all = [flags, &[Flag::Opaque(b"9")]].concat();
                match plain(Command::Get, key, None, &all) {
                    Ok(bytes) => assert_eq!(whole, [&b"kept"[..], &bytes].concat()),
                    Err(e) => assert_eq!(want, Err(e), "{flags:?} {key:?}"),
                }
                for split in [0, key.len() / 2, key.len()] {
                    let (a, b) = key.split_at(split);
                    let mut out = b"kept".to_vec();
                    let got = prepared.encode(&mut out, Pieces(a, b, false), None, Some(9));
                    assert_eq!(got, want, "{flags:?} {key:?}");
                    assert_eq!(out, whole, "{flags:?} {key:?}");
                }
            }
        }
    }

    #[test]
    fn a_key_claimed_printable_has_only_its_length_checked() {
        let get = PreparedFlags::new(Command::Get, &[Flag::ReturnValue]).unwrap();
        let mut out = Vec::new();
        get.encode(&mut out, Pieces(b"a", b" b", true), None, None)
            .unwrap();
        assert_eq!(out, b"mg a b v\r\n");
        let long = [b'k'; 251];
        let mut out = b"kept".to_vec();
        assert_eq!(
            get.encode(&mut out, Pieces(&long, b"", true), None, None),
            Err(EncodeError::Key(KeyError::TooLong { len: 251 }))
        );
        assert_eq!(
            get.encode(&mut out, Pieces(b"", b"", true), None, None),
            Err(EncodeError::Key(KeyError::Empty))
        );
        assert_eq!(out, b"kept");
    }
}
