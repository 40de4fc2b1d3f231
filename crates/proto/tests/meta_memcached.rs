//! The meta-protocol encoders and parser against a real memcached: every
//! request is built with the encoders and every reply read with the parser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use memaslap_proto::meta::{
    ArithMode, Code, Flag, Parser, Response, ReturnFlag, SetMode, encode_arithmetic, encode_debug,
    encode_delete, encode_get, encode_noop, encode_set,
};

/// A connection that sends encoded requests and reads parsed replies.
struct Conn {
    stream: TcpStream,
    inbox: Vec<u8>,
}

/// A reply, owned: its code or error, data and flags.
#[derive(Debug, PartialEq)]
struct Owned {
    code: Option<Code>,
    data: Option<Vec<u8>>,
    flags: Vec<u8>,
}

impl Conn {
    fn send(&mut self, request: &[u8]) {
        self.stream.write_all(request).unwrap();
    }

    /// The next reply.
    fn reply(&mut self) -> Owned {
        loop {
            if let Some((response, used)) = Parser::default().parse(&self.inbox).unwrap() {
                let owned = match response {
                    Response::Meta(r) => Owned {
                        code: Some(r.code),
                        data: r.data.map(<[u8]>::to_vec),
                        flags: r.flags.as_bytes().to_vec(),
                    },
                    Response::Debug { key, pairs } => Owned {
                        code: None,
                        data: Some(key.to_vec()),
                        flags: pairs.to_vec(),
                    },
                    other => panic!("{other:?}"),
                };
                self.inbox.drain(..used);
                return owned;
            }
            let mut chunk = [0u8; 4096];
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "closed");
            self.inbox.extend_from_slice(&chunk[..n]);
        }
    }

    fn set(&mut self, key: &[u8], value: &[u8], flags: &[Flag<'_>]) -> Owned {
        let mut line = Vec::new();
        encode_set(&mut line, key, value.len(), flags).unwrap();
        line.extend_from_slice(value);
        line.extend_from_slice(b"\r\n");
        self.send(&line);
        self.reply()
    }

    fn get(&mut self, key: &[u8], flags: &[Flag<'_>]) -> Owned {
        let mut line = Vec::new();
        encode_get(&mut line, key, flags).unwrap();
        self.send(&line);
        self.reply()
    }
}

fn code(reply: &Owned) -> Code {
    reply.code.unwrap()
}

#[test]
fn every_command_against_memcached() {
    let server = support::Memcached::start();
    let mut c = Conn {
        stream: server.connect(),
        inbox: Vec::new(),
    };
    assert_eq!(
        code(&c.set(b"foo", b"hi", &[Flag::Ttl(0), Flag::SetFlags(5)])),
        Code::Stored
    );
    let got = c.get(
        b"foo",
        &[
            Flag::ReturnValue,
            Flag::ReturnFlags,
            Flag::ReturnKey,
            Flag::Opaque(b"o1"),
            Flag::ReturnCas,
        ],
    );
    assert_eq!(
        (code(&got), got.data.as_deref()),
        (Code::Value, Some(&b"hi"[..]))
    );
    let flags = String::from_utf8(got.flags).unwrap();
    assert!(flags.starts_with("f5 kfoo Oo1 c"), "{flags}");
    for token in flags.split(' ') {
        assert!(ReturnFlag::parse(token.as_bytes()).is_some(), "{token}");
    }
    // Add fails on a present key; append works.
    let add = [Flag::SetMode(SetMode::Add)];
    assert_eq!(code(&c.set(b"foo", b"x", &add)), Code::NotStored);
    let append = [Flag::SetMode(SetMode::Append)];
    assert_eq!(code(&c.set(b"foo", b"!", &append)), Code::Stored);
    assert_eq!(
        c.get(b"foo", &[Flag::ReturnValue]).data.as_deref(),
        Some(&b"hi!"[..])
    );
    // A miss, and a quiet miss answered by nothing before MN.
    assert_eq!(code(&c.get(b"absent", &[Flag::ReturnValue])), Code::Miss);
    let mut line = Vec::new();
    encode_get(&mut line, b"absent", &[Flag::ReturnValue, Flag::Quiet]).unwrap();
    encode_noop(&mut line);
    c.send(&line);
    assert_eq!(code(&c.reply()), Code::NoOp);
    // Arithmetic: created on a miss, then decremented.
    let mut line = Vec::new();
    encode_arithmetic(
        &mut line,
        b"n",
        &[Flag::Vivify(0), Flag::Initial(10), Flag::ReturnValue],
    )
    .unwrap();
    c.send(&line);
    assert_eq!(c.reply().data.as_deref(), Some(&b"10"[..]));
    let mut line = Vec::new();
    let down = [
        Flag::Delta(3),
        Flag::ArithMode(ArithMode::Decrement),
        Flag::ReturnValue,
    ];
    encode_arithmetic(&mut line, b"n", &down).unwrap();
    c.send(&line);
    assert_eq!(c.reply().data.as_deref(), Some(&b"7"[..]));
    // Debug, delete, and a delete of nothing.
    let mut line = Vec::new();
    encode_debug(&mut line, b"foo", false).unwrap();
    c.send(&line);
    let debug = c.reply();
    assert_eq!(debug.data.as_deref(), Some(&b"foo"[..]));
    assert!(String::from_utf8(debug.flags).unwrap().contains("size="));
    let mut line = Vec::new();
    encode_delete(&mut line, b"foo", &[]).unwrap();
    c.send(&line);
    assert_eq!(code(&c.reply()), Code::Stored);
    c.send(&line);
    assert_eq!(code(&c.reply()), Code::NotFound);
}

#[test]
fn binary_keys_travel_base64_encoded() {
    let server = support::Memcached::start();
    let mut c = Conn {
        stream: server.connect(),
        inbox: Vec::new(),
    };
    let key = b"a key\0with\xffbytes";
    assert_eq!(code(&c.set(key, b"v", &[Flag::Base64])), Code::Stored);
    let got = c.get(key, &[Flag::Base64, Flag::ReturnValue, Flag::ReturnKey]);
    assert_eq!(got.data.as_deref(), Some(&b"v"[..]));
    let flags = String::from_utf8(got.flags).unwrap();
    assert!(
        flags.split(' ').any(|t| t == "kYSBrZXkAd2l0aP9ieXRlcw=="),
        "{flags}"
    );
    assert!(flags.split(' ').any(|t| t == "b"), "{flags}");
}
