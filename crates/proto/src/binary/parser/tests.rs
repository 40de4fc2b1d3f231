//! Byte vectors for every kind of response, partial input and error.

use super::*;
use crate::binary::{Opcode, Status, UnknownOpcode, UnknownStatus};

fn parse_one(bytes: &[u8]) -> Response<'_> {
    let (response, consumed) = Parser::default().parse(bytes).unwrap().unwrap();
    assert_eq!(consumed, bytes.len());
    for end in 0..bytes.len() {
        assert_eq!(
            Parser::default().parse(&bytes[..end]),
            Ok(None),
            "prefix {end}"
        );
    }
    response
}

#[rustfmt::skip]
const GET_HIT: [u8; 31] = [
    0x81, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2a,
    0xde, 0xad, 0xbe, 0xef,
    b'b', b'a', b'r',
];

#[test]
fn hit_with_flags() {
    let r = parse_one(&GET_HIT);
    assert_eq!(r.opcode(), Ok(Opcode::Get));
    assert_eq!(r.status(), Ok(Status::NoError));
    assert!(r.is_success() && !r.is_miss());
    assert_eq!((r.opaque(), r.cas()), (1, 42));
    assert_eq!(r.flags(), Some(0xdead_beef));
    assert_eq!(r.key, b"");
    assert_eq!(r.value_if_hit(), Some(&b"bar"[..]));
    assert_eq!(r.error_message(), None);
    assert_eq!(r.counter(), None);
    assert!(!r.is_stat_end());
}

#[test]
fn getk_hit_with_key() {
    #[rustfmt::skip]
    let bytes: [u8; 34] = [
        0x81, 0x0c, 0x00, 0x03, 0x04, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x0a, 0x00, 0x00, 0x00, 0x02,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x00,
        b'f', b'o', b'o',
        b'b', b'a', b'r',
    ];
    let r = parse_one(&bytes);
    assert_eq!(r.opcode(), Ok(Opcode::GetK));
    assert_eq!(r.extras, [0, 0, 0, 0]);
    assert_eq!(r.flags(), Some(0));
    assert_eq!(r.key, b"foo");
    assert_eq!(r.value_if_hit(), Some(&b"bar"[..]));
}

#[test]
fn miss_is_never_a_value() {
    #[rustfmt::skip]
    let bytes: [u8; 33] = [
        0x81, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x03,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'N', b'o', b't', b' ', b'f', b'o', b'u', b'n', b'd',
    ];
    let r = parse_one(&bytes);
    assert_eq!(r.status(), Ok(Status::KeyNotFound));
    assert!(r.is_miss() && !r.is_success());
    assert_eq!(r.value_if_hit(), None);
    assert_eq!(r.error_message(), Some(&b"Not found"[..]));
    assert_eq!(r.flags(), None);
    assert_eq!(r.value, b"Not found");
}

#[test]
fn stored() {
    #[rustfmt::skip]
    let bytes: [u8; 24] = [
        0x81, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    ];
    let r = parse_one(&bytes);
    assert_eq!(r.opcode(), Ok(Opcode::Set));
    assert!(r.is_success());
    assert_eq!(r.cas(), 0x1_0000);
    assert_eq!((r.extras, r.key, r.value), (&b""[..], &b""[..], &b""[..]));
    assert_eq!(r.value_if_hit(), Some(&b""[..]));
}

#[test]
fn counter() {
    #[rustfmt::skip]
    let bytes: [u8; 32] = [
        0x81, 0x06, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x05,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x09,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00,
    ];
    let r = parse_one(&bytes);
    assert_eq!(r.opcode(), Ok(Opcode::Decrement));
    assert_eq!(r.counter(), Some(256));
    assert_eq!(r.flags(), None);

    let mut get = bytes;
    get[1] = Opcode::Get as u8;
    assert_eq!(
        parse_one(&get).counter(),
        None,
        "an 8-byte value is not a counter"
    );
}

#[test]
fn version() {
    #[rustfmt::skip]
    let bytes: [u8; 30] = [
        0x81, 0x0b, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x06,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'1', b'.', b'6', b'.', b'1', b'8',
    ];
    let r = parse_one(&bytes);
    assert_eq!(r.opcode(), Ok(Opcode::Version));
    assert_eq!(r.value_if_hit(), Some(&b"1.6.18"[..]));
}

#[test]
fn stat_series_ends_with_empty_key() {
    #[rustfmt::skip]
    let bytes: [u8; 24 * 3 + 6 + 9] = [
        0x81, 0x10, 0x00, 0x03, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'p', b'i', b'd', b'4', b'2', b'1',
        0x81, 0x10, 0x00, 0x06, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        b'u', b'p', b't', b'i', b'm', b'e', b'1', b'0', b'0',
        0x81, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    ];
    let parser = Parser::default();
    let mut rest = &bytes[..];
    let mut stats = Vec::new();
    loop {
        let (r, consumed) = parser.parse(rest).unwrap().unwrap();
        rest = &rest[consumed..];
        assert_eq!((r.opcode(), r.opaque()), (Ok(Opcode::Stat), 7));
        if r.is_stat_end() {
            break;
        }
        stats.push((r.key, r.value));
    }
    assert!(rest.is_empty());
    assert_eq!(stats, [(&b"pid"[..], &b"421"[..]), (b"uptime", b"100")]);
}

#[test]
fn error_statuses_carry_messages() {
    type Case = (u8, u16, &'static [u8], Result<Status, UnknownStatus>);
    let cases: [Case; 5] = [
        (0x02, 0x0002, b"Data exists for key.", Ok(Status::KeyExists)),
        (
            0x05,
            0x0006,
            b"Non-numeric server-side value for incr or decr",
            Ok(Status::NonNumericValue),
        ),
        (0x0e, 0x0005, b"Not stored.", Ok(Status::ItemNotStored)),
        (0x1f, 0x0081, b"Unknown command", Ok(Status::UnknownCommand)),
        (0x00, 0x0099, b"?", Err(UnknownStatus(0x99))),
    ];
    for (opcode, status, message, expected) in cases {
        let mut bytes = vec![0x81, opcode, 0, 0, 0, 0];
        bytes.extend_from_slice(&status.to_be_bytes());
        bytes.extend_from_slice(&(message.len() as u32).to_be_bytes());
        bytes.extend_from_slice(&[0; 12]);
        bytes.extend_from_slice(message);
        let r = parse_one(&bytes);
        assert_eq!(r.status(), expected);
        assert!(!r.is_success() && !r.is_miss());
        assert_eq!(r.error_message(), Some(message));
        assert_eq!(r.value_if_hit(), None);
        assert_eq!(r.counter(), None);
    }
    let mut unknown = GET_HIT;
    unknown[1] = 0x1f;
    assert_eq!(parse_one(&unknown).opcode(), Err(UnknownOpcode(0x1f)));
}

#[test]
fn trailing_bytes_are_left() {
    let mut two = GET_HIT.to_vec();
    two.extend_from_slice(&GET_HIT[..5]);
    let (r, consumed) = Parser::default().parse(&two).unwrap().unwrap();
    assert_eq!(consumed, GET_HIT.len());
    assert_eq!(r.value, b"bar");
    assert_eq!(Parser::default().parse(&two[consumed..]), Ok(None));
}

#[test]
fn bad_magic_is_seen_first() {
    let parser = Parser::default();
    assert_eq!(parser.parse(&[0x80]), Err(ParseError::BadMagic(0x80)));
    let mut request = GET_HIT;
    request[0] = 0x80;
    assert_eq!(parser.parse(&request), Err(ParseError::BadMagic(0x80)));
    assert_eq!(
        parser.parse(b"VALUE foo 0 3\r\n"),
        Err(ParseError::BadMagic(b'V'))
    );
    assert_eq!(parser.parse(&[]), Ok(None));
}

#[test]
fn bad_data_type() {
    let mut bytes = GET_HIT;
    bytes[5] = 0x01;
    assert_eq!(
        Parser::default().parse(&bytes[..24]),
        Err(ParseError::BadDataType(1))
    );
}

#[test]
fn bad_lengths_before_the_body() {
    let mut bytes = GET_HIT;
    bytes[3] = 0x04; // key of 4 bytes + 4 of extras > 7
    assert_eq!(
        Parser::default().parse(&bytes[..24]),
        Err(ParseError::BadLengths {
            extras_len: 4,
            key_len: 4,
            body_len: 7
        })
    );
    let mut bytes = GET_HIT;
    bytes[4] = 0x08;
    assert!(matches!(
        Parser::default().parse(&bytes),
        Err(ParseError::BadLengths { extras_len: 8, .. })
    ));
}

#[test]
fn body_too_large_before_the_body() {
    let mut header = [0u8; 24];
    header[0] = 0x81;
    header[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
    assert_eq!(
        Parser::default().parse(&header),
        Err(ParseError::BodyTooLarge {
            len: u32::MAX,
            max: Limits::DEFAULT_MAX_BODY
        })
    );
    let parser = Parser::new(Limits { max_body: 6 });
    assert_eq!(parser.limits().max_body, 6);
    assert_eq!(
        parser.parse(&GET_HIT[..24]),
        Err(ParseError::BodyTooLarge { len: 7, max: 6 })
    );
    let exact = Parser::new(Limits { max_body: 7 });
    assert!(exact.parse(&GET_HIT).unwrap().is_some());
}

#[test]
fn default_limit() {
    assert_eq!(Limits::default().max_body, 1024 * 1024 + 1024);
    assert_eq!(Parser::default().limits(), Limits::default());
}

#[test]
fn errors_display() {
    let cases = [
        (
            ParseError::BadMagic(0x80),
            "response starts with 0x80, not the magic 0x81",
        ),
        (ParseError::BadDataType(2), "unknown data type 0x02"),
        (
            ParseError::BadLengths {
                extras_len: 4,
                key_len: 9,
                body_len: 10,
            },
            "extras (4) and key (9) are longer than the body (10)",
        ),
        (
            ParseError::BodyTooLarge { len: 99, max: 10 },
            "body of 99 bytes exceeds the limit of 10",
        ),
    ];
    for (error, text) in cases {
        assert_eq!(error.to_string(), text);
    }
}
