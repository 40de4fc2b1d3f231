use super::*;

fn parse(buf: &[u8]) -> Result<Option<(Response<'_>, usize)>, ParseError> {
    Parser::default().parse(buf)
}

fn value<'a>(key: &'a [u8], flags: u32, cas: Option<u64>, data: &'a [u8]) -> Response<'a> {
    Response::Value(Value {
        key,
        flags,
        cas,
        data,
    })
}

/// Every valid sample, with the response it must parse to.
fn samples() -> Vec<(&'static [u8], Response<'static>)> {
    vec![
        (b"VALUE k 0 2\r\nhi\r\n", value(b"k", 0, None, b"hi")),
        (
            b"VALUE key:1 4294967295 5 18446744073709551615\r\na\r\nb\n\r\n",
            value(b"key:1", u32::MAX, Some(u64::MAX), b"a\r\nb\n"),
        ),
        (b"VALUE e 7 0 12\r\n\r\n", value(b"e", 7, Some(12), b"")),
        (b"END\r\n", Response::End),
        (b"STORED\r\n", Response::Stored),
        (b"NOT_STORED\r\n", Response::NotStored),
        (b"EXISTS\r\n", Response::Exists),
        (b"NOT_FOUND\r\n", Response::NotFound),
        (b"DELETED\r\n", Response::Deleted),
        (b"TOUCHED\r\n", Response::Touched),
        (b"OK\r\n", Response::Ok),
        (b"ERROR\r\n", Response::Error),
        (b"ERROR unknown command\r\n", Response::Error),
        (
            b"CLIENT_ERROR bad data chunk\r\n",
            Response::ClientError(b"bad data chunk"),
        ),
        (b"CLIENT_ERROR\r\n", Response::ClientError(b"")),
        (
            b"SERVER_ERROR out of memory storing object\r\n",
            Response::ServerError(b"out of memory storing object"),
        ),
        (b"VERSION 1.6.18\r\n", Response::Version(b"1.6.18")),
        (
            b"STAT pid 1234\r\n",
            Response::Stat {
                name: b"pid",
                value: b"1234",
            },
        ),
        (
            b"STAT items:1:note a b  c\r\n",
            Response::Stat {
                name: b"items:1:note",
                value: b"a b  c",
            },
        ),
        (
            b"STAT empty \r\n",
            Response::Stat {
                name: b"empty",
                value: b"",
            },
        ),
        (b"0\r\n", Response::Number(0)),
        (b"18446744073709551615\r\n", Response::Number(u64::MAX)),
    ]
}

#[test]
fn every_sample_parses_whole() {
    for (bytes, expected) in samples() {
        assert_eq!(parse(bytes), Ok(Some((expected, bytes.len()))), "{bytes:?}");
    }
}

#[test]
fn every_strict_prefix_needs_more() {
    for (bytes, _) in samples() {
        for end in 0..bytes.len() {
            assert_eq!(parse(&bytes[..end]), Ok(None), "{:?}", &bytes[..end]);
        }
    }
}

#[test]
fn trailing_bytes_are_not_consumed() {
    let buf = b"VALUE a 1 1\r\nx\r\nVALUE b 2 1\r\ny\r\nEND\r\nSTO";
    let (first, n1) = parse(buf).unwrap().unwrap();
    assert_eq!(first, value(b"a", 1, None, b"x"));
    let (second, n2) = parse(&buf[n1..]).unwrap().unwrap();
    assert_eq!(second, value(b"b", 2, None, b"y"));
    let (end, n3) = parse(&buf[n1 + n2..]).unwrap().unwrap();
    assert_eq!(end, Response::End);
    assert_eq!(parse(&buf[n1 + n2 + n3..]), Ok(None));
}

#[test]
fn status_tokens_must_match_exactly() {
    for line in [
        &b"STOREDX\r\n"[..],
        b"STORED \r\n",
        b" STORED\r\n",
        b"stored\r\n",
        b"ENDS\r\n",
        b"EXISTS!\r\n",
        b"NOT_FOUN\r\n",
        b"NOT_STOREDD\r\n",
        b"DELETED2\r\n",
        b"TOUCHE\r\n",
        b"OKAY\r\n",
        b"ERRORS\r\n",
        b"CLIENT_ERRORx\r\n",
        b"SERVER_ERROR_\r\n",
        b"VERSION1\r\n",
        b"VALUE\r\n",
        b"STAT\r\n",
        b"RESET\r\n",
        b"\r\n",
        b"-1\r\n",
        b"\x00\r\n",
    ] {
        assert_eq!(parse(line), Err(ParseError::UnknownResponse), "{line:?}");
    }
}

#[test]
fn messages_keep_their_bytes() {
    assert_eq!(
        parse(b"SERVER_ERROR  two  spaces \r\n"),
        Ok(Some((Response::ServerError(b" two  spaces "), 28)))
    );
    assert_eq!(
        parse(b"VERSION \r\n"),
        Ok(Some((Response::Version(b""), 10)))
    );
    assert_eq!(
        parse(b"SERVER_ERROR\r\n"),
        Ok(Some((Response::ServerError(b""), 14)))
    );
}

#[test]
fn numbers() {
    assert_eq!(
        parse(b"18446744073709551616\r\n"),
        Err(ParseError::BadNumber)
    );
    assert_eq!(parse(b"12 \r\n"), Err(ParseError::BadNumber));
    assert_eq!(parse(b"1a\r\n"), Err(ParseError::BadNumber));
}

#[test]
fn bad_stat_lines() {
    for line in [&b"STAT pid\r\n"[..], b"STAT  1\r\n", b"STAT \r\n"] {
        assert_eq!(parse(line), Err(ParseError::BadStatLine), "{line:?}");
    }
}

#[test]
fn bad_value_lines() {
    let long_key = [b"VALUE ".as_slice(), &[b'k'; 251], b" 0 1\r\nx\r\n"].concat();
    let max_key = [b"VALUE ".as_slice(), &[b'k'; 250], b" 0 1\r\nx\r\n"].concat();
    assert!(matches!(parse(&max_key), Ok(Some((Response::Value(_), _)))));
    for line in [
        &long_key[..],
        b"VALUE k 0\r\n",
        b"VALUE k\r\n",
        b"VALUE \r\n",
        b"VALUE k 0 1 2 3\r\n",
        b"VALUE k 0 1 \r\n",
        b"VALUE  k 0 1\r\n",
        b"VALUE k  0 1\r\n",
        b"VALUE k 4294967296 1\r\n",
        b"VALUE k -1 1\r\n",
        b"VALUE k 0 x\r\n",
        b"VALUE k 0 18446744073709551616\r\n",
        b"VALUE k 0 1 18446744073709551616\r\n",
        b"VALUE k 0 1 c\r\n",
    ] {
        assert_eq!(parse(line), Err(ParseError::BadValueLine), "{line:?}");
    }
}

#[test]
fn value_data_terminator() {
    assert_eq!(
        parse(b"VALUE k 0 2\r\nhiX"),
        Err(ParseError::MissingDataTerminator)
    );
    assert_eq!(
        parse(b"VALUE k 0 2\r\nhi\rX"),
        Err(ParseError::MissingDataTerminator)
    );
    assert_eq!(
        parse(b"VALUE k 0 2\r\nhi\n\r"),
        Err(ParseError::MissingDataTerminator)
    );
    assert_eq!(
        parse(b"VALUE k 0 1\r\nhi\r\n"),
        Err(ParseError::MissingDataTerminator)
    );
}

#[test]
fn value_size_is_checked_before_the_data_arrives() {
    let parser = Parser::new(Limits {
        max_line: 64,
        max_value: 10,
    });
    assert_eq!(
        parser.parse(b"VALUE k 0 10\r\n"),
        Ok(None),
        "at the limit, waits for data"
    );
    assert_eq!(
        parser.parse(b"VALUE k 0 11\r\n"),
        Err(ParseError::ValueTooLarge { len: 11 })
    );
    assert_eq!(
        parse(b"VALUE k 0 18446744073709551615\r\n"),
        Err(ParseError::ValueTooLarge { len: u64::MAX })
    );
    assert_eq!(
        parse(b"VALUE k 0 1048577 1\r\n"),
        Err(ParseError::ValueTooLarge { len: 1_048_577 })
    );
    let mut big = b"VALUE k 0 1048576\r\n".to_vec();
    big.resize(big.len() + 1_048_576, b'v');
    assert_eq!(parse(&big), Ok(None));
    big.extend_from_slice(b"\r\n");
    let (response, consumed) = parse(&big).unwrap().unwrap();
    assert_eq!(consumed, big.len());
    assert!(matches!(response, Response::Value(v) if v.data.len() == 1_048_576));
}

#[test]
fn line_limit_is_enforced_as_soon_as_it_is_reached() {
    let parser = Parser::new(Limits {
        max_line: 8,
        max_value: 100,
    });
    assert_eq!(parser.parse(b"STORED\r\n"), Ok(Some((Response::Stored, 8))));
    assert_eq!(parser.parse(b"STORED\r"), Ok(None));
    assert_eq!(parser.parse(b"NOT_STO"), Ok(None));
    assert_eq!(parser.parse(b"NOT_STOR"), Err(ParseError::LineTooLong));
    assert_eq!(parser.parse(b"1234567\r"), Err(ParseError::LineTooLong));
    assert_eq!(parser.parse(b"1234567\r\n"), Err(ParseError::LineTooLong));
    assert_eq!(parser.parse(b""), Ok(None));
    let default = Parser::default();
    assert_eq!(default.limits(), Limits::default());
    assert_eq!(default.limits().max_line, 8192);
    assert_eq!(default.limits().max_value, 1_048_576);
    let junk = vec![b'x'; 8192];
    assert_eq!(default.parse(&junk[..8191]), Ok(None));
    assert_eq!(default.parse(&junk), Err(ParseError::LineTooLong));
    let mut at_limit = vec![b'S'; 8190];
    at_limit.splice(..5, b"STAT ".iter().copied());
    at_limit[7] = b' ';
    at_limit.extend_from_slice(b"\r\n");
    assert!(matches!(
        default.parse(&at_limit),
        Ok(Some((Response::Stat { .. }, 8192)))
    ));
}

#[test]
fn tiny_limits_reject_everything_but_wait_on_empty_input() {
    let parser = Parser::new(Limits {
        max_line: 0,
        max_value: 0,
    });
    assert_eq!(parser.parse(b""), Ok(None));
    assert_eq!(parser.parse(b"E"), Err(ParseError::LineTooLong));
    let parser = Parser::new(Limits {
        max_line: 2,
        max_value: 0,
    });
    assert_eq!(parser.parse(b"\r\n"), Err(ParseError::UnknownResponse));
}

#[test]
fn line_endings_must_be_crlf() {
    for buf in [
        &b"STORED\n"[..],
        b"\n",
        b"END\rX",
        b"END\r\r\n",
        b"ST\nORED\r\n",
        b"VALUE k 0 1\nx\r\n",
    ] {
        assert_eq!(parse(buf), Err(ParseError::BadLineEnding), "{buf:?}");
    }
}

#[test]
fn data_may_hold_any_bytes() {
    let buf = b"VALUE k 0 6\r\n\r\n\n\r\0\xff\r\n";
    assert_eq!(
        parse(buf),
        Ok(Some((value(b"k", 0, None, b"\r\n\n\r\0\xff"), buf.len())))
    );
}
