//! The text-protocol encoders and parser against a real memcached: every
//! request is built with the encoders and every answer read with the parser.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use memaslap_proto::ascii::{
    CRLF, Parser, Response, Storage, StorageCommand, Value, encode_decr, encode_delete,
    encode_flush_all, encode_gat, encode_gats, encode_get, encode_gets, encode_incr, encode_quit,
    encode_stats, encode_storage, encode_touch, encode_verbosity, encode_version,
};

/// A connection that sends encoded requests and hands back one complete
/// response frame at a time, as received from the server.
struct Conn {
    stream: TcpStream,
    parser: Parser,
    inbox: Vec<u8>,
}

impl Conn {
    fn new(server: &support::Memcached) -> Conn {
        Conn {
            stream: server.connect(),
            parser: Parser::default(),
            inbox: Vec::new(),
        }
    }

    fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).unwrap();
    }

    /// Sends a storage command: the encoded line, the value, then CRLF.
    fn store(
        &mut self,
        command: StorageCommand,
        key: &[u8],
        flags: u32,
        value: &[u8],
        noreply: bool,
    ) {
        let mut line = Vec::new();
        let req = Storage {
            command,
            key,
            flags,
            exptime: 0,
            value_len: value.len(),
            noreply,
        };
        encode_storage(&mut line, &req).unwrap();
        self.send(&line);
        self.send(value);
        self.send(CRLF);
    }

    /// Reads until the parser reports one complete response, and returns its
    /// bytes (removed from the inbox).
    fn frame(&mut self) -> Vec<u8> {
        loop {
            if let Some((_, consumed)) = self.parser.parse(&self.inbox).unwrap() {
                return self.inbox.drain(..consumed).collect();
            }
            let mut chunk = [0u8; 16 * 1024];
            let n = self.stream.read(&mut chunk).unwrap();
            assert!(n > 0, "connection closed with {:?} pending", self.inbox);
            self.inbox.extend_from_slice(&chunk[..n]);
        }
    }

    /// Asserts the next response.
    fn expect(&mut self, expected: Response<'_>) {
        let frame = self.frame();
        assert_eq!(
            whole(&frame),
            expected,
            "{:?}",
            String::from_utf8_lossy(&frame)
        );
    }

    /// Asserts the next responses are one hit per `(key, flags, data)`, then END.
    fn expect_hits(&mut self, hits: &[(&[u8], u32, &[u8])]) {
        for &(key, flags, data) in hits {
            let frame = self.frame();
            let Response::Value(value) = whole(&frame) else {
                panic!("expected VALUE, got {:?}", String::from_utf8_lossy(&frame));
            };
            assert_eq!((value.key, value.flags, value.data), (key, flags, data));
        }
        self.expect(Response::End);
    }

    /// The cas unique of the single hit of a `gets`.
    fn cas_of(&mut self, key: &[u8]) -> u64 {
        let mut line = Vec::new();
        encode_gets(&mut line, [key]).unwrap();
        self.send(&line);
        let frame = self.frame();
        let Response::Value(Value { cas: Some(cas), .. }) = whole(&frame) else {
            panic!("expected VALUE with cas, got {frame:?}");
        };
        self.expect(Response::End);
        cas
    }

    /// Sends `version` and asserts it is the next answer, proving nothing
    /// came back for the requests sent before it.
    fn expect_silence(&mut self) {
        let mut line = Vec::new();
        encode_version(&mut line);
        self.send(&line);
        let frame = self.frame();
        assert!(
            matches!(whole(&frame), Response::Version(v) if !v.is_empty()),
            "{:?}",
            String::from_utf8_lossy(&frame)
        );
    }

    fn request(&mut self, encode: impl FnOnce(&mut Vec<u8>)) {
        let mut line = Vec::new();
        encode(&mut line);
        self.send(&line);
    }
}

/// Parses a frame that must hold exactly one response.
fn whole(frame: &[u8]) -> Response<'_> {
    let (response, consumed) = Parser::default().parse(frame).unwrap().unwrap();
    assert_eq!(consumed, frame.len());
    response
}

#[test]
fn get_and_gets_one_and_many_keys() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.request(|o| encode_get(o, [b"absent"]).unwrap());
    c.expect(Response::End);
    c.store(StorageCommand::Set, b"a", 7, b"alpha", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Set, b"b", 0, b"", false);
    c.expect(Response::Stored);
    c.request(|o| encode_get(o, [b"a"]).unwrap());
    c.expect_hits(&[(b"a", 7, b"alpha")]);
    c.request(|o| encode_get(o, [&b"a"[..], b"x", b"b"]).unwrap());
    c.expect_hits(&[(b"a", 7, b"alpha"), (b"b", 0, b"")]);

    c.request(|o| encode_gets(o, [&b"b"[..], b"a", b"nope"]).unwrap());
    let mut uniques = Vec::new();
    for key in [&b"b"[..], b"a"] {
        let frame = c.frame();
        let Response::Value(v) = whole(&frame) else {
            panic!("{frame:?}")
        };
        assert_eq!(v.key, key);
        uniques.push(v.cas.expect("gets carries cas"));
    }
    c.expect(Response::End);
    assert_ne!(uniques[0], uniques[1]);
}

#[test]
fn gat_and_gats() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.store(StorageCommand::Set, b"g", 3, b"got", false);
    c.expect(Response::Stored);
    c.request(|o| encode_gat(o, 1000, [&b"g"[..], b"miss"]).unwrap());
    let frame = c.frame();
    assert_eq!(
        whole(&frame),
        Response::Value(Value {
            key: b"g",
            flags: 3,
            cas: None,
            data: b"got"
        })
    );
    c.expect(Response::End);
    let unique = c.cas_of(b"g");
    c.request(|o| encode_gats(o, 0, [b"g"]).unwrap());
    let frame = c.frame();
    assert_eq!(
        whole(&frame),
        Response::Value(Value {
            key: b"g",
            flags: 3,
            cas: Some(unique),
            data: b"got"
        })
    );
    c.expect(Response::End);
    c.request(|o| encode_gats(o, 0, [b"miss"]).unwrap());
    c.expect(Response::End);
}

#[test]
fn storage_commands() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.store(StorageCommand::Add, b"k", 1, b"mid", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Add, b"k", 1, b"again", false);
    c.expect(Response::NotStored);
    c.store(StorageCommand::Replace, b"absent", 0, b"x", false);
    c.expect(Response::NotStored);
    c.store(StorageCommand::Replace, b"k", 2, b"mid", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Append, b"k", 0, b">>", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Prepend, b"k", 0, b"<<", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Append, b"absent", 0, b"x", false);
    c.expect(Response::NotStored);
    c.store(StorageCommand::Prepend, b"absent", 0, b"x", false);
    c.expect(Response::NotStored);
    c.request(|o| encode_get(o, [b"k"]).unwrap());
    c.expect_hits(&[(b"k", 2, b"<<mid>>")]);

    let unique = c.cas_of(b"k");
    c.store(StorageCommand::Cas(unique + 1), b"k", 0, b"stale", false);
    c.expect(Response::Exists);
    c.store(StorageCommand::Cas(unique), b"k", 9, b"fresh", false);
    c.expect(Response::Stored);
    c.store(StorageCommand::Cas(unique), b"k", 9, b"late", false);
    c.expect(Response::Exists);
    c.store(StorageCommand::Cas(1), b"absent", 0, b"x", false);
    c.expect(Response::NotFound);
    c.request(|o| encode_get(o, [b"k"]).unwrap());
    c.expect_hits(&[(b"k", 9, b"fresh")]);
}

#[test]
fn noreply_variants_send_nothing_back() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.store(StorageCommand::Set, b"n", 0, b"10", true);
    c.store(StorageCommand::Add, b"n", 0, b"x", true);
    c.store(StorageCommand::Replace, b"n", 0, b"20", true);
    c.store(StorageCommand::Append, b"n", 0, b"0", true);
    c.store(StorageCommand::Prepend, b"n", 0, b"1", true);
    c.expect_silence();
    let unique = c.cas_of(b"n");
    c.store(StorageCommand::Cas(unique), b"n", 0, b"5", true);
    c.request(|o| encode_incr(o, b"n", 10, true).unwrap());
    c.request(|o| encode_decr(o, b"n", 3, true).unwrap());
    c.request(|o| encode_touch(o, b"n", 100, true).unwrap());
    c.expect_silence();
    c.request(|o| encode_get(o, [b"n"]).unwrap());
    c.expect_hits(&[(b"n", 0, b"12")]);
    c.request(|o| encode_delete(o, b"n", true).unwrap());
    c.request(|o| encode_verbosity(o, 0, true));
    c.request(|o| encode_flush_all(o, None, true));
    c.request(|o| encode_flush_all(o, Some(100), true));
    c.expect_silence();
    c.request(|o| encode_get(o, [b"n"]).unwrap());
    c.expect(Response::End);
}

#[test]
fn delete_incr_decr_touch() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.store(StorageCommand::Set, b"d", 0, b"x", false);
    c.expect(Response::Stored);
    c.request(|o| encode_delete(o, b"d", false).unwrap());
    c.expect(Response::Deleted);
    c.request(|o| encode_delete(o, b"d", false).unwrap());
    c.expect(Response::NotFound);

    c.store(StorageCommand::Set, b"n", 0, b"41", false);
    c.expect(Response::Stored);
    c.request(|o| encode_incr(o, b"n", 1, false).unwrap());
    c.expect(Response::Number(42));
    c.request(|o| encode_incr(o, b"n", u64::MAX, false).unwrap());
    c.expect(Response::Number(41));
    c.request(|o| encode_decr(o, b"n", 40, false).unwrap());
    c.expect(Response::Number(1));
    c.request(|o| encode_decr(o, b"n", 5, false).unwrap());
    c.expect(Response::Number(0));
    c.request(|o| encode_incr(o, b"missing", 1, false).unwrap());
    c.expect(Response::NotFound);
    c.request(|o| encode_decr(o, b"missing", 1, false).unwrap());
    c.expect(Response::NotFound);
    c.store(StorageCommand::Set, b"word", 0, b"abc", false);
    c.expect(Response::Stored);
    c.request(|o| encode_incr(o, b"word", 1, false).unwrap());
    let frame = c.frame();
    assert!(
        matches!(whole(&frame), Response::ClientError(m) if m.starts_with(b"cannot increment")),
        "{frame:?}"
    );

    c.request(|o| encode_touch(o, b"n", 1000, false).unwrap());
    c.expect(Response::Touched);
    c.request(|o| encode_touch(o, b"missing", 1000, false).unwrap());
    c.expect(Response::NotFound);
}

#[test]
fn version_and_stats() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.request(encode_version);
    let frame = c.frame();
    let Response::Version(version) = whole(&frame) else {
        panic!("{frame:?}")
    };
    let version = version.to_vec();
    assert!(version.starts_with(b"1."), "{version:?}");

    c.request(|o| encode_stats(o, None).unwrap());
    let stats = read_stats(&mut c);
    assert!(stats.len() > 20, "{} stats", stats.len());
    assert_eq!(stat(&stats, b"version"), version);
    assert!(memaslap_proto::parse_decimal(stat(&stats, b"pid")).is_some_and(|pid| pid > 0));
    assert!(memaslap_proto::parse_decimal(stat(&stats, b"curr_connections")).is_some());

    c.request(|o| encode_stats(o, Some(b"settings")).unwrap());
    let settings = read_stats(&mut c);
    assert_eq!(stat(&settings, b"maxbytes"), b"67108864");
    assert_eq!(
        stat(&settings, b"tcpport"),
        server.port().to_string().as_bytes()
    );
}

/// Reads STAT lines up to END as owned `(name, value)` pairs.
fn read_stats(c: &mut Conn) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut stats = Vec::new();
    loop {
        let frame = c.frame();
        match whole(&frame) {
            Response::Stat { name, value } => stats.push((name.to_vec(), value.to_vec())),
            Response::End => return stats,
            other => panic!("{other:?}"),
        }
    }
}

fn stat<'s>(stats: &'s [(Vec<u8>, Vec<u8>)], name: &[u8]) -> &'s [u8] {
    let found = stats.iter().find(|(n, _)| n == name);
    &found.unwrap_or_else(|| panic!("no stat {name:?}")).1
}

#[test]
fn flush_all_verbosity_and_unknown_commands() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.store(StorageCommand::Set, b"f", 0, b"x", false);
    c.expect(Response::Stored);
    c.request(|o| encode_flush_all(o, Some(1000), false));
    c.expect(Response::Ok);
    c.request(|o| encode_get(o, [b"f"]).unwrap());
    c.expect_hits(&[(b"f", 0, b"x")]);
    c.request(|o| encode_flush_all(o, None, false));
    c.expect(Response::Ok);
    c.request(|o| encode_get(o, [b"f"]).unwrap());
    c.expect(Response::End);

    c.request(|o| encode_verbosity(o, 1, false));
    c.expect(Response::Ok);
    c.request(|o| encode_verbosity(o, 0, false));
    c.expect(Response::Ok);

    c.send(b"no_such_command\r\n");
    c.expect(Response::Error);
}

#[test]
fn quit_closes_the_connection() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    c.request(encode_quit);
    let mut rest = Vec::new();
    let n = c.stream.read_to_end(&mut rest).unwrap();
    assert_eq!(n, 0, "{rest:?}");
}

#[test]
fn multi_get_of_100_keys_with_hits_and_misses() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    let keys: Vec<Vec<u8>> = (0..100)
        .map(|i| format!("key:{i:03}").into_bytes())
        .collect();
    let values: Vec<Vec<u8>> = (0..100)
        .map(|i| vec![b'a' + (i % 26) as u8; i * 37])
        .collect();
    for i in (0..100).filter(|i| i % 3 != 0) {
        c.store(StorageCommand::Set, &keys[i], i as u32, &values[i], true);
    }
    c.request(|o| encode_get(o, &keys).unwrap());
    let hits: Vec<(&[u8], u32, &[u8])> = (0..100)
        .filter(|i| i % 3 != 0)
        .map(|i| (&keys[i][..], i as u32, &values[i][..]))
        .collect();
    assert_eq!(hits.len(), 66);
    c.expect_hits(&hits);
}

#[test]
fn a_500_kib_value() {
    let server = support::Memcached::start();
    let mut c = Conn::new(&server);
    let value: Vec<u8> = (0..500 * 1024).map(|i: u32| (i % 251) as u8).collect();
    c.store(StorageCommand::Set, b"big", 1, &value, false);
    c.expect(Response::Stored);
    c.request(|o| encode_get(o, [b"big"]).unwrap());
    c.expect_hits(&[(b"big", 1, &value)]);
}
