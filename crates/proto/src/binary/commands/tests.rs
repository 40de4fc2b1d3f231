//! Byte vectors for every encoder and every encoding error.

use super::*;
use crate::KeyError;

/// Encodes with `f` into a buffer that already holds bytes, checks they are
/// kept, and returns what was appended.
fn appended(f: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>) -> Vec<u8> {
    let mut out = b"prev".to_vec();
    f(&mut out).unwrap();
    assert_eq!(&out[..4], b"prev");
    out.split_off(4)
}

/// Checks that `f` fails with `expected` and leaves the buffer untouched.
fn refused(expected: EncodeError, f: impl FnOnce(&mut Vec<u8>) -> Result<(), EncodeError>) {
    let mut out = b"prev".to_vec();
    assert_eq!(f(&mut out), Err(expected));
    assert_eq!(out, b"prev");
}

#[test]
fn get_family() {
    let bytes = appended(|out| encode_get(out, Opcode::Get, b"foo", 0x1122_3344));
    #[rustfmt::skip]
    let expected: [u8; 27] = [
        0x80, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'f', b'o', b'o',
    ];
    assert_eq!(bytes, expected);
    for (opcode, byte) in [
        (Opcode::GetQ, 0x09),
        (Opcode::GetK, 0x0c),
        (Opcode::GetKQ, 0x0d),
    ] {
        let bytes = appended(|out| encode_get(out, opcode, b"foo", 0x1122_3344));
        assert_eq!(bytes[1], byte);
        assert_eq!(bytes[..1], expected[..1]);
        assert_eq!(bytes[2..], expected[2..]);
    }
}

#[test]
fn store_family() {
    let bytes = appended(|out| {
        encode_store(
            out,
            Opcode::Set,
            b"k",
            0xdead_beef,
            3600,
            5,
            1,
            0x0102_0304_0506_0708,
        )
    });
    #[rustfmt::skip]
    let expected: [u8; 33] = [
        0x80, 0x01, 0x00, 0x01, 0x08, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x0e, 0x00, 0x00, 0x00, 0x01,
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
        0xde, 0xad, 0xbe, 0xef, 0x00, 0x00, 0x0e, 0x10,
        b'k',
    ];
    assert_eq!(bytes, expected);
    let opcodes = [
        (Opcode::Add, 0x02),
        (Opcode::Replace, 0x03),
        (Opcode::SetQ, 0x11),
        (Opcode::AddQ, 0x12),
        (Opcode::ReplaceQ, 0x13),
    ];
    for (opcode, byte) in opcodes {
        let bytes = appended(|out| {
            encode_store(
                out,
                opcode,
                b"k",
                0xdead_beef,
                3600,
                5,
                1,
                0x0102_0304_0506_0708,
            )
        });
        assert_eq!(bytes[1], byte);
        assert_eq!(bytes[2..], expected[2..]);
    }
}

#[test]
fn append_family() {
    let bytes = appended(|out| encode_append(out, Opcode::Prepend, b"ab", 3, 2, 0));
    #[rustfmt::skip]
    let expected: [u8; 26] = [
        0x80, 0x0f, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'a', b'b',
    ];
    assert_eq!(bytes, expected);
    for (opcode, byte) in [
        (Opcode::Append, 0x0e),
        (Opcode::AppendQ, 0x19),
        (Opcode::PrependQ, 0x1a),
    ] {
        assert_eq!(
            appended(|out| encode_append(out, opcode, b"ab", 3, 2, 0))[1],
            byte
        );
    }
}

#[test]
fn delete() {
    let bytes = appended(|out| encode_delete(out, b"key", 3, 9, true));
    #[rustfmt::skip]
    let expected: [u8; 27] = [
        0x80, 0x14, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
        b'k', b'e', b'y',
    ];
    assert_eq!(bytes, expected);
    assert_eq!(
        appended(|out| encode_delete(out, b"key", 3, 9, false))[1],
        0x04
    );
}

#[test]
fn counter_family() {
    let bytes = appended(|out| encode_counter(out, Opcode::Increment, b"n", 1, 0x10, u32::MAX, 4));
    #[rustfmt::skip]
    let expected: [u8; 45] = [
        0x80, 0x05, 0x00, 0x01, 0x14, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x15, 0x00, 0x00, 0x00, 0x04,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
        0xff, 0xff, 0xff, 0xff,
        b'n',
    ];
    assert_eq!(bytes, expected);
    let opcodes = [
        (Opcode::Decrement, 0x06),
        (Opcode::IncrementQ, 0x15),
        (Opcode::DecrementQ, 0x16),
    ];
    for (opcode, byte) in opcodes {
        let bytes = appended(|out| encode_counter(out, opcode, b"n", 1, 0x10, u32::MAX, 4));
        assert_eq!(bytes[1], byte);
        assert_eq!(bytes[2..], expected[2..]);
    }
}

#[test]
fn touch_and_gat() {
    let bytes = appended(|out| encode_touch(out, b"t", 60, 5));
    #[rustfmt::skip]
    let expected: [u8; 29] = [
        0x80, 0x1c, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x3c,
        b't',
    ];
    assert_eq!(bytes, expected);

    let bytes = appended(|out| encode_gat(out, Opcode::GatKQ, b"g", 0x100, 6));
    #[rustfmt::skip]
    let expected: [u8; 29] = [
        0x80, 0x24, 0x00, 0x01, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00, 0x06,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x01, 0x00,
        b'g',
    ];
    assert_eq!(bytes, expected);
    for (opcode, byte) in [
        (Opcode::Gat, 0x1d),
        (Opcode::GatQ, 0x1e),
        (Opcode::GatK, 0x23),
    ] {
        assert_eq!(
            appended(|out| encode_gat(out, opcode, b"g", 0x100, 6))[1],
            byte
        );
    }
}

#[test]
fn bare_commands() {
    #[rustfmt::skip]
    let noop: [u8; 24] = [
        0x80, 0x0a, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let mut out = Vec::new();
    encode_noop(&mut out, 7);
    assert_eq!(out, noop);

    type Encode = fn(&mut Vec<u8>, u32);
    let others: [(Encode, u8); 4] = [
        (encode_version, 0x0b),
        (|out, opaque| encode_quit(out, opaque, false), 0x07),
        (|out, opaque| encode_quit(out, opaque, true), 0x17),
        (|out, opaque| encode_flush(out, None, opaque, false), 0x08),
    ];
    for (encode, byte) in others {
        let mut out = Vec::new();
        encode(&mut out, 7);
        let mut expected = noop;
        expected[1] = byte;
        assert_eq!(out, expected, "opcode 0x{byte:02x}");
    }
}

#[test]
fn flush_with_delay_and_verbosity() {
    let mut out = Vec::new();
    encode_flush(&mut out, Some(30), 12, true);
    #[rustfmt::skip]
    let expected: [u8; 28] = [
        0x80, 0x18, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0c,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x1e,
    ];
    assert_eq!(out, expected);

    out.clear();
    encode_verbosity(&mut out, 1, 13);
    #[rustfmt::skip]
    let expected: [u8; 28] = [
        0x80, 0x1b, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0d,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x01,
    ];
    assert_eq!(out, expected);
}

#[test]
fn stat() {
    #[rustfmt::skip]
    let plain: [u8; 24] = [
        0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    assert_eq!(appended(|out| encode_stat(out, None, 9)), plain);
    #[rustfmt::skip]
    let settings: [u8; 32] = [
        0x80, 0x10, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x0a,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b's', b'e', b't', b't', b'i', b'n', b'g', b's',
    ];
    assert_eq!(
        appended(|out| encode_stat(out, Some(b"settings"), 10)),
        settings
    );
    assert_eq!(appended(|out| encode_stat(out, Some(b""), 9)), plain);
}

#[test]
fn wrong_opcodes() {
    let wrong = |opcode| EncodeError::WrongOpcode { opcode };
    refused(wrong(Opcode::Set), |out| {
        encode_get(out, Opcode::Set, b"k", 0)
    });
    refused(wrong(Opcode::Gat), |out| {
        encode_get(out, Opcode::Gat, b"k", 0)
    });
    refused(wrong(Opcode::Append), |out| {
        encode_store(out, Opcode::Append, b"k", 0, 0, 1, 0, 0)
    });
    refused(wrong(Opcode::Set), |out| {
        encode_append(out, Opcode::Set, b"k", 1, 0, 0)
    });
    refused(wrong(Opcode::Delete), |out| {
        encode_counter(out, Opcode::Delete, b"k", 1, 0, 0, 0)
    });
    refused(wrong(Opcode::Get), |out| {
        encode_gat(out, Opcode::Get, b"k", 0, 0)
    });
}

#[test]
fn bad_keys() {
    let long = [b'k'; 251];
    let too_long = EncodeError::Key(KeyError::TooLong { len: 251 });
    let empty = EncodeError::Key(KeyError::Empty);
    refused(empty, |out| encode_get(out, Opcode::Get, b"", 0));
    refused(too_long, |out| encode_get(out, Opcode::GetKQ, &long, 0));
    refused(empty, |out| {
        encode_store(out, Opcode::Set, b"", 0, 0, 1, 0, 0)
    });
    refused(too_long, |out| {
        encode_append(out, Opcode::Append, &long, 1, 0, 0)
    });
    refused(empty, |out| encode_delete(out, b"", 0, 0, false));
    refused(too_long, |out| {
        encode_counter(out, Opcode::Decrement, &long, 1, 0, 0, 0)
    });
    refused(empty, |out| encode_touch(out, b"", 0, 0));
    refused(too_long, |out| encode_gat(out, Opcode::GatK, &long, 0, 0));
    refused(too_long, |out| encode_stat(out, Some(&long), 0));
    let key_250 = [0u8; 250];
    assert_eq!(
        appended(|out| encode_get(out, Opcode::Get, &key_250, 0)).len(),
        24 + 250
    );
}

#[test]
fn body_too_large() {
    let max_value = u32::MAX as usize - 8 - 1;
    let bytes = appended(|out| encode_store(out, Opcode::Set, b"k", 0, 0, max_value, 0, 0));
    assert_eq!(bytes[8..12], [0xff, 0xff, 0xff, 0xff]);
    refused(
        EncodeError::BodyTooLarge {
            len: u32::MAX as usize + 1,
        },
        |out| encode_store(out, Opcode::Set, b"k", 0, 0, max_value + 1, 0, 0),
    );
    refused(EncodeError::BodyTooLarge { len: usize::MAX }, |out| {
        encode_append(out, Opcode::Append, b"k", usize::MAX, 0, 0)
    });
}
