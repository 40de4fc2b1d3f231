//! The general encoder against every opcode's rules.

use super::*;
use core::error::Error;

fn encode(req: &Request<'_>) -> Result<Vec<u8>, EncodeError> {
    let mut out = b"prev".to_vec();
    let result = encode_request(&mut out, req);
    if result.is_err() {
        assert_eq!(out, b"prev", "left unchanged on error");
    }
    result.map(|()| out.split_off(4))
}

#[test]
fn every_field_reaches_the_wire() {
    let req = Request {
        key: b"mech",
        value_len: 0x0102,
        opaque: 0xa1b2_c3d4,
        cas: 0x1122_3344_5566_7788,
        vbucket: 0xbeef,
        ..Request::new(Opcode::SaslAuth)
    };
    #[rustfmt::skip]
    let expected: [u8; 28] = [
        0x80, 0x21, 0x00, 0x04, 0x00, 0x00, 0xbe, 0xef,
        0x00, 0x00, 0x01, 0x06, 0xa1, 0xb2, 0xc3, 0xd4,
        0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88,
        b'm', b'e', b'c', b'h',
    ];
    assert_eq!(encode(&req).unwrap(), expected);
}

#[test]
fn every_opcode_encodes_with_fitting_fields() {
    for &opcode in Opcode::ALL {
        let extras = match opcode {
            Opcode::Set | Opcode::Add | Opcode::Replace => Extras::Store {
                flags: 1,
                exptime: 2,
            },
            Opcode::SetQ | Opcode::AddQ | Opcode::ReplaceQ => Extras::Store {
                flags: 1,
                exptime: 2,
            },
            o if o.is_counter() => Extras::Counter {
                delta: 1,
                initial: 2,
                exptime: 3,
            },
            Opcode::Touch | Opcode::Gat | Opcode::GatQ | Opcode::GatK | Opcode::GatKQ => {
                Extras::Expiry(9)
            }
            Opcode::Verbosity => Extras::Verbosity(1),
            _ => Extras::None,
        };
        let key: &[u8] = if opcode.needs_key() == Some(false) {
            b""
        } else {
            b"key"
        };
        let value_len = if opcode.carries_value() { 10 } else { 0 };
        let req = Request {
            key,
            extras,
            value_len,
            ..Request::new(opcode)
        };
        let bytes = encode(&req).unwrap_or_else(|e| panic!("{opcode:?}: {e}"));
        assert_eq!(bytes.len(), 24 + extras.len() + key.len(), "{opcode:?}");
        assert_eq!(bytes[1], opcode as u8);
        assert_eq!(usize::from(bytes[4]), extras.len());
        let body = u32::from_be_bytes(bytes[8..12].try_into().unwrap()) as usize;
        assert_eq!(body, extras.len() + key.len() + value_len, "{opcode:?}");
    }
}

#[test]
fn rules_per_opcode() {
    let key_not_allowed = Request {
        key: b"k",
        ..Request::new(Opcode::Noop)
    };
    assert_eq!(
        encode(&key_not_allowed),
        Err(EncodeError::KeyNotAllowed {
            opcode: Opcode::Noop
        })
    );
    let missing_extras = Request {
        key: b"k",
        value_len: 1,
        ..Request::new(Opcode::Set)
    };
    assert_eq!(
        encode(&missing_extras),
        Err(EncodeError::ExtrasMismatch {
            opcode: Opcode::Set
        })
    );
    let foreign_extras = Request {
        key: b"k",
        extras: Extras::Expiry(1),
        ..Request::new(Opcode::Get)
    };
    assert_eq!(
        encode(&foreign_extras),
        Err(EncodeError::ExtrasMismatch {
            opcode: Opcode::Get
        })
    );
    let gat_without_expiry = Request {
        key: b"k",
        ..Request::new(Opcode::GatK)
    };
    assert!(matches!(
        encode(&gat_without_expiry),
        Err(EncodeError::ExtrasMismatch { .. })
    ));
    let value_not_allowed = Request {
        key: b"k",
        value_len: 3,
        ..Request::new(Opcode::Delete)
    };
    assert_eq!(
        encode(&value_not_allowed),
        Err(EncodeError::ValueNotAllowed {
            opcode: Opcode::Delete
        })
    );
    let missing_key = Request::new(Opcode::Touch);
    assert_eq!(
        encode(&Request {
            extras: Extras::Expiry(0),
            ..missing_key
        }),
        Err(EncodeError::Key(KeyError::Empty))
    );
    assert!(encode(&Request::new(Opcode::Flush)).is_ok());
    assert!(encode(&Request::new(Opcode::Stat)).is_ok());
}

#[test]
fn errors_display_and_source() {
    let key = EncodeError::from(KeyError::Empty);
    assert_eq!(key.to_string(), "bad key: key is empty");
    assert!(key.source().is_some());
    let cases = [
        (
            EncodeError::KeyNotAllowed {
                opcode: Opcode::Quit,
            },
            "Quit takes no key",
        ),
        (
            EncodeError::ExtrasMismatch {
                opcode: Opcode::Set,
            },
            "extras do not fit Set",
        ),
        (
            EncodeError::ValueNotAllowed {
                opcode: Opcode::Get,
            },
            "Get takes no value",
        ),
        (
            EncodeError::WrongOpcode {
                opcode: Opcode::Noop,
            },
            "Noop cannot be written by this encoder",
        ),
        (
            EncodeError::BodyTooLarge { len: 5_000_000_000 },
            "body of 5000000000 bytes exceeds the 32-bit length field",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
        assert!(error.source().is_none());
    }
}
