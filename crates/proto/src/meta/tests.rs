//! Byte vectors for every meta response.

use super::*;

fn parse(buf: &[u8]) -> Result<Option<(Response<'_>, usize)>, ParseError> {
    Parser::default().parse(buf)
}

fn reply(buf: &[u8]) -> Reply<'_> {
    match parse(buf) {
        Ok(Some((Response::Meta(reply), used))) => {
            assert_eq!(used, buf.len(), "{}", buf.escape_ascii());
            reply
        }
        other => panic!("{}: {other:?}", buf.escape_ascii()),
    }
}

#[test]
fn every_code_without_flags() {
    for (bytes, code) in [
        (&b"HD\r\n"[..], Code::Stored),
        (b"EN\r\n", Code::Miss),
        (b"NF\r\n", Code::NotFound),
        (b"NS\r\n", Code::NotStored),
        (b"EX\r\n", Code::Exists),
        (b"MN\r\n", Code::NoOp),
    ] {
        let r = reply(bytes);
        assert_eq!((r.code, r.data, r.flags.is_empty()), (code, None, true));
        assert_eq!(Code::from_bytes(*code.as_bytes()), Some(code));
    }
}

#[test]
fn a_value_with_every_returned_flag() {
    let r = reply(b"VA 5 b c77 f9 h1 kZm9v l3 Oop s5 t-1 W X Z q\r\nhello\r\n");
    assert_eq!((r.code, r.data), (Code::Value, Some(&b"hello"[..])));
    let flags: Vec<ReturnFlag<'_>> = r.flags().collect();
    assert_eq!(
        flags,
        [
            ReturnFlag::Base64,
            ReturnFlag::Cas(77),
            ReturnFlag::ClientFlags(9),
            ReturnFlag::Hit(true),
            ReturnFlag::Key(b"Zm9v"),
            ReturnFlag::LastAccess(3),
            ReturnFlag::Opaque(b"op"),
            ReturnFlag::Size(5),
            ReturnFlag::Ttl(None),
            ReturnFlag::Won,
            ReturnFlag::Stale,
            ReturnFlag::AlreadyWon,
            ReturnFlag::Other(b'q', b""),
        ]
    );
    assert_eq!(
        (r.opaque(), r.key()),
        (Some(&b"op"[..]), Some(&b"Zm9v"[..]))
    );
    assert_eq!(
        reply(b"HD t30 h0\r\n").flags().collect::<Vec<_>>(),
        [ReturnFlag::Ttl(Some(30)), ReturnFlag::Hit(false)]
    );
}

#[test]
fn values_may_hold_any_bytes_and_be_empty() {
    let r = reply(b"VA 4\r\n\r\n\0\xff\r\n");
    assert_eq!(r.data, Some(&b"\r\n\0\xff"[..]));
    assert_eq!(reply(b"VA 0 O1\r\n\r\n").data, Some(&b""[..]));
}

#[test]
fn errors_and_debug_replies() {
    assert_eq!(parse(b"ERROR\r\n"), Ok(Some((Response::Error, 7))));
    assert_eq!(
        parse(b"CLIENT_ERROR bad command line format\r\n"),
        Ok(Some((
            Response::ClientError(b"bad command line format"),
            38
        )))
    );
    assert_eq!(
        parse(b"SERVER_ERROR\r\n"),
        Ok(Some((Response::ServerError(b""), 14)))
    );
    assert_eq!(
        parse(b"ME foo exp=-1 la=3 cas=2 fetch=no cls=1 size=63\r\n"),
        Ok(Some((
            Response::Debug {
                key: b"foo",
                pairs: b"exp=-1 la=3 cas=2 fetch=no cls=1 size=63"
            },
            49
        )))
    );
}

#[test]
fn incomplete_input_needs_more() {
    for partial in [
        &b""[..],
        b"H",
        b"HD",
        b"HD\r",
        b"VA 5 c1\r\nhel",
        b"VA 5\r\nhello\r",
    ] {
        assert_eq!(parse(partial), Ok(None), "{}", partial.escape_ascii());
    }
}

#[test]
fn what_is_not_a_meta_response_is_an_error() {
    for (bytes, error) in [
        (&b"HX\r\n"[..], ParseError::UnknownResponse),
        (b"HDc1\r\n", ParseError::UnknownResponse),
        (b"STORED\r\n", ParseError::UnknownResponse),
        (b"VA\r\n", ParseError::UnknownResponse),
        (b"VA x\r\n", ParseError::BadLength),
        (b"VA -1\r\n", ParseError::BadLength),
        (b"HD c\r\n", ParseError::BadFlag),
        (b"HD cx\r\n", ParseError::BadFlag),
        (b"HD  c1\r\n", ParseError::BadFlag),
        (b"HD h2\r\n", ParseError::BadFlag),
        (b"HD f4294967296\r\n", ParseError::BadFlag),
        (b"HD 1\r\n", ParseError::BadFlag),
        (b"HD Wx\r\n", ParseError::BadFlag),
        (b"ME\r\n", ParseError::UnknownResponse),
        (b"ME \r\n", ParseError::BadDebugLine),
        (b"HD\n", ParseError::BadLineEnding),
        (b"HD\rx", ParseError::BadLineEnding),
        (b"VA 2\r\nhiX\n", ParseError::MissingDataTerminator),
        (
            b"VA 1048577\r\n",
            ParseError::ValueTooLarge { len: 1_048_577 },
        ),
        (b"VA 99999999999999999999\r\n", ParseError::BadLength),
    ] {
        assert_eq!(parse(bytes), Err(error), "{}", bytes.escape_ascii());
        assert!(!error.to_string().is_empty());
    }
}

#[test]
fn limits_bound_what_is_buffered() {
    let parser = Parser::new(Limits {
        max_line: 8,
        max_value: 4,
    });
    assert_eq!(parser.parse(b"HD c1234"), Err(ParseError::LineTooLong));
    assert_eq!(
        parser.parse(b"HD c1\r\n").map(|r| r.map(|(_, n)| n)),
        Ok(Some(7))
    );
    assert_eq!(
        parser.parse(b"VA 5\r\n"),
        Err(ParseError::ValueTooLarge { len: 5 })
    );
    assert_eq!(parser.limits().max_value, 4);
}

#[test]
fn replies_come_one_at_a_time() {
    let buf = b"VA 1 O1\r\nx\r\nEN\r\nHD O3\r\nMN\r\n";
    let mut at = 0;
    let mut codes = Vec::new();
    while at < buf.len() {
        let (Response::Meta(r), used) = parse(&buf[at..]).unwrap().unwrap() else {
            panic!()
        };
        codes.push(r.code);
        at += used;
    }
    assert_eq!(codes, [Code::Value, Code::Miss, Code::Stored, Code::NoOp]);
}
