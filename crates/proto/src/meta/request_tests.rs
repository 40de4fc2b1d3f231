//! Byte vectors for every meta request.

use super::*;
use crate::KeyError;

fn line(f: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>) -> Vec<u8> {
    let mut out = Vec::new();
    f(&mut out).unwrap();
    out
}

#[test]
fn every_command() {
    assert_eq!(line(|o| encode_get(o, b"k", &[])), b"mg k\r\n");
    assert_eq!(line(|o| encode_set(o, b"k", 0, &[])), b"ms k 0\r\n");
    assert_eq!(
        line(|o| encode_delete(o, b"k", &[Flag::Quiet])),
        b"md k q\r\n"
    );
    assert_eq!(
        line(|o| encode_arithmetic(o, b"k", &[Flag::Delta(5)])),
        b"ma k D5\r\n"
    );
    assert_eq!(line(|o| encode_debug(o, b"k", false)), b"me k\r\n");
    let mut out = Vec::new();
    encode_noop(&mut out);
    assert_eq!(out, b"mn\r\n");
}

#[test]
fn every_get_flag() {
    let flags = [
        Flag::ReturnCas,
        Flag::ReturnFlags,
        Flag::ReturnHit,
        Flag::ReturnKey,
        Flag::ReturnLastAccess,
        Flag::Opaque(b"op1"),
        Flag::Quiet,
        Flag::ReturnSize,
        Flag::ReturnTtl,
        Flag::NoBump,
        Flag::ReturnValue,
        Flag::NewCas(9),
        Flag::Vivify(30),
        Flag::Recache(10),
        Flag::Ttl(60),
    ];
    assert_eq!(
        line(|o| encode_get(o, b"foo", &flags)),
        b"mg foo c f h k l Oop1 q s t u v E9 N30 R10 T60\r\n"
    );
}

#[test]
fn set_modes_and_flags() {
    for (mode, letter) in [
        (SetMode::Add, 'E'),
        (SetMode::Append, 'A'),
        (SetMode::Prepend, 'P'),
        (SetMode::Replace, 'R'),
        (SetMode::Set, 'S'),
    ] {
        let flags = [
            Flag::ReturnCas,
            Flag::CompareCas(7),
            Flag::NewCas(8),
            Flag::SetFlags(u32::MAX),
            Flag::Invalidate,
            Flag::ReturnKey,
            Flag::Quiet,
            Flag::Ttl(0),
            Flag::SetMode(mode),
        ];
        let expected = format!("ms foo 12 c C7 E8 F4294967295 I k q T0 M{letter}\r\n");
        assert_eq!(
            line(|o| encode_set(o, b"foo", 12, &flags)),
            expected.as_bytes()
        );
    }
}

#[test]
fn delete_and_arithmetic_flags() {
    let flags = [
        Flag::CompareCas(1),
        Flag::Invalidate,
        Flag::Ttl(30),
        Flag::RemoveValue,
    ];
    assert_eq!(
        line(|o| encode_delete(o, b"k", &flags)),
        b"md k C1 I T30 x\r\n"
    );
    for (mode, letter) in [(ArithMode::Increment, 'I'), (ArithMode::Decrement, 'D')] {
        let flags = [
            Flag::Vivify(60),
            Flag::Initial(10),
            Flag::Delta(2),
            Flag::ArithMode(mode),
            Flag::ReturnValue,
            Flag::ReturnTtl,
            Flag::ReturnCas,
        ];
        let expected = format!("ma k N60 J10 D2 M{letter} v t c\r\n");
        assert_eq!(
            line(|o| encode_arithmetic(o, b"k", &flags)),
            expected.as_bytes()
        );
    }
}

#[test]
fn base64_keys_are_encoded_and_their_length_checked() {
    assert_eq!(
        line(|o| encode_get(o, b"foo", &[Flag::Base64])),
        b"mg Zm9v b\r\n"
    );
    assert_eq!(
        line(|o| encode_get(o, b"fo", &[Flag::Base64])),
        b"mg Zm8= b\r\n"
    );
    assert_eq!(
        line(|o| encode_get(o, b"f", &[Flag::Base64])),
        b"mg Zg== b\r\n"
    );
    assert_eq!(
        line(|o| encode_get(o, b"a b\0\xff", &[Flag::Base64])),
        b"mg YSBiAP8= b\r\n"
    );
    assert_eq!(line(|o| encode_debug(o, b"\x01", true)), b"me AQ== b\r\n");
    // 186 bytes encode to 248, within the 250 a key may have; 188 to 252.
    assert!(encode_get(&mut Vec::new(), &[7; 186], &[Flag::Base64]).is_ok());
    assert_eq!(
        encode_get(&mut Vec::new(), &[7; 188], &[Flag::Base64]),
        Err(EncodeError::Key(KeyError::TooLong { len: 252 }))
    );
}

#[test]
fn refusals_leave_the_buffer_as_it_was() {
    for (result, error) in [
        (
            encode_get(&mut b"x".to_vec(), b"k", &[Flag::SetFlags(1)]),
            EncodeError::FlagNotAllowed {
                command: Command::Get,
                flag: b'F',
            },
        ),
        (
            encode_set(
                &mut b"x".to_vec(),
                b"k",
                1,
                &[Flag::ArithMode(ArithMode::Increment)],
            ),
            EncodeError::FlagNotAllowed {
                command: Command::Set,
                flag: b'M',
            },
        ),
        (
            encode_arithmetic(&mut b"x".to_vec(), b"k", &[Flag::SetMode(SetMode::Add)]),
            EncodeError::FlagNotAllowed {
                command: Command::Arithmetic,
                flag: b'M',
            },
        ),
        (
            encode_debug(&mut b"x".to_vec(), b"", false),
            EncodeError::Key(KeyError::Empty),
        ),
        (
            encode_get(&mut b"x".to_vec(), b"a b", &[]),
            EncodeError::Key(KeyError::InvalidByte {
                position: 1,
                byte: b' ',
            }),
        ),
        (
            encode_get(&mut b"x".to_vec(), b"k", &[Flag::Opaque(b"")]),
            EncodeError::BadOpaque,
        ),
        (
            encode_get(&mut b"x".to_vec(), b"k", &[Flag::Opaque(&[b'o'; 33])]),
            EncodeError::BadOpaque,
        ),
        (
            encode_get(&mut b"x".to_vec(), b"k", &[Flag::Opaque(b"a b")]),
            EncodeError::BadOpaque,
        ),
    ] {
        assert_eq!(result, Err(error));
        assert!(!error.to_string().is_empty());
    }
    let mut out = b"x".to_vec();
    let _ = encode_get(&mut out, b"k", &[Flag::Opaque(b"")]);
    assert_eq!(out, b"x");
}

#[test]
fn a_request_parses_back_as_a_servers_reply_would_echo_it() {
    // The flags a get asks for come back as the reply's flags.
    let mut out = Vec::new();
    encode_get(&mut out, b"foo", &[Flag::ReturnKey, Flag::Opaque(b"42")]).unwrap();
    let echoed = b"VA 1 kfoo O42\r\nx\r\n";
    let (Response::Meta(reply), _) = Parser::default().parse(echoed).unwrap().unwrap() else {
        panic!()
    };
    assert_eq!(
        (reply.key(), reply.opaque()),
        (Some(&b"foo"[..]), Some(&b"42"[..]))
    );
    assert!(out.starts_with(b"mg foo k O42"));
}
