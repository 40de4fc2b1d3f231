//! Every command of `--mix` through the exchange, in each protocol: the
//! bytes sent, what each reply counts as, and replies that do not belong
//! to the request.

use super::tests::{feed, wire};
use super::*;
use crate::stats::CommandCounts;
use memaslap_workload::{
    AnySource, KeyDist, KeyspaceConfig, Retrieve, SizeDist, SizeRange, Source, Task, Workload,
    WorkloadConfig,
};

/// A keyspace of 100 keys of 16 bytes with values of 4 bytes, issuing
/// only the commands of `mix`.
fn workload(mix: &str) -> Workload {
    let config = WorkloadConfig {
        keys: vec![SizeRange::new(16, 16, 1.0)],
        value_sizes: Some(SizeDist::Fixed(4)),
        keyspace: Some(KeyspaceConfig {
            keys: 100,
            dist: KeyDist::Uniform,
            prefill: false,
        }),
        commands: Some(mix.parse().unwrap()),
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 3, 1).unwrap()
}

/// What one request sent: its bytes, its key and the value it carried.
struct Sent {
    wire: Vec<u8>,
    key: String,
    value: Vec<u8>,
}

/// Issues the next task of `source` into `x`.
fn begin<'w>(x: &mut Exchange<'w>, source: &mut AnySource<'w>) -> Sent {
    let (id, task) = source.issue().unwrap();
    let mut key = Vec::new();
    let mut value = Vec::new();
    match &task {
        Task::Set(set) => {
            set.key.append_to(&mut key);
            value.extend_from_slice(set.value);
        }
        Task::Get(batch) => {
            let entry = batch.get(0).unwrap();
            entry.key.append_to(&mut key);
            value.extend_from_slice(entry.expected);
        }
        Task::Key(task) => task.key.append_to(&mut key),
    }
    x.begin(id, &task, Instant::now()).unwrap();
    Sent {
        wire: wire(x),
        key: String::from_utf8(key).unwrap(),
        value,
    }
}

/// Sends one request of `mix` and feeds it `reply(sent)`: the counts of
/// its command, or the desync.
fn exchange(
    protocol: Protocol,
    mix: &str,
    expect: impl Fn(&Sent) -> Vec<u8>,
    reply: impl Fn(&Sent) -> Vec<u8>,
) -> Result<CommandCounts, Desync> {
    let w = workload(mix);
    let mut source = w.source(0).unwrap();
    let mut x = Exchange::new(protocol, 1, 1 << 20);
    let sent = begin(&mut x, &mut source);
    assert_eq!(
        sent.wire,
        expect(&sent),
        "{protocol:?} {mix}: {}",
        sent.wire.escape_ascii()
    );
    let mut c = Counters::default();
    let done = feed(&mut x, &reply(&sent), &mut source, &mut c)?.expect("the reply ends it");
    assert_eq!(source.outstanding(), 0);
    Ok(c.of(done.command))
}

fn text(s: &str) -> Vec<u8> {
    s.as_bytes().to_vec()
}

/// `(hits, misses, refused)` of `counts`.
fn said(counts: CommandCounts) -> (u64, u64, u64) {
    assert_eq!(counts.completed, 1);
    (counts.hits, counts.misses, counts.refused)
}

/// One case: the mix, the request it sends (before any value), a reply
/// and what it counts as, and a reply that does not belong to it.
type Case = (
    &'static str,
    fn(&Sent) -> String,
    &'static str,
    (u64, u64, u64),
    &'static str,
);

/// Runs text-like `cases` in `protocol`: the request (then its value and
/// `\r\n`), the counts of its reply, and the desync of the wrong reply.
fn run_cases(protocol: Protocol, cases: &[Case]) {
    for &(mix, request, reply, counts, wrong) in cases {
        let expect = |s: &Sent| {
            let mut bytes = text(&request(s));
            if !s.value.is_empty() {
                bytes.extend_from_slice(&s.value);
                bytes.extend_from_slice(b"\r\n");
            }
            bytes
        };
        let got = exchange(protocol, mix, expect, |_| text(reply)).unwrap();
        assert_eq!(said(got), counts, "{mix} {reply:?}");
        let broken = exchange(protocol, mix, expect, |_| text(wrong));
        assert_eq!(broken, Err(Desync), "{mix} {wrong:?}");
    }
}

const HIT: (u64, u64, u64) = (1, 0, 0);
const MISS: (u64, u64, u64) = (0, 1, 0);
const REFUSED: (u64, u64, u64) = (0, 0, 1);

#[test]
fn text_protocol_commands() {
    let p = Protocol::Ascii;
    let cases: [Case; 9] = [
        (
            "delete=1",
            |s| format!("delete {}\r\n", s.key),
            "DELETED\r\n",
            HIT,
            "STORED\r\n",
        ),
        (
            "delete=1",
            |s| format!("delete {}\r\n", s.key),
            "NOT_FOUND\r\n",
            MISS,
            "TOUCHED\r\n",
        ),
        (
            "incr=1",
            |s| format!("incr {} 1\r\n", s.key),
            "42\r\n",
            HIT,
            "DELETED\r\n",
        ),
        (
            "decr=1",
            |s| format!("decr {} 1\r\n", s.key),
            "NOT_FOUND\r\n",
            MISS,
            "END\r\n",
        ),
        (
            "touch=1",
            |s| format!("touch {} 0\r\n", s.key),
            "TOUCHED\r\n",
            HIT,
            "7\r\n",
        ),
        (
            "add=1",
            |s| format!("add {} 0 0 4\r\n", s.key),
            "NOT_STORED\r\n",
            REFUSED,
            "OK\r\n",
        ),
        (
            "replace=1",
            |s| format!("replace {} 0 0 4\r\n", s.key),
            "STORED\r\n",
            HIT,
            "END\r\n",
        ),
        (
            "append=1",
            |s| format!("append {} 0 0 16\r\n", s.key),
            "STORED\r\n",
            HIT,
            "1\r\n",
        ),
        (
            "prepend=1",
            |s| format!("prepend {} 0 0 16\r\n", s.key),
            "NOT_STORED\r\n",
            REFUSED,
            "DELETED\r\n",
        ),
    ];
    run_cases(p, &cases);
    // A get-and-touch of one key, a hit; a unique where none was asked for
    // breaks the protocol.
    let gat = |s: &Sent| text(&format!("gat 0 {}\r\n", s.key));
    let value = |s: &Sent, cas: &str| {
        let mut r = text(&format!("VALUE {} 0 4{cas}\r\n", s.key));
        r.extend_from_slice(&s.value);
        r.extend_from_slice(b"\r\nEND\r\n");
        r
    };
    assert_eq!(
        said(exchange(p, "gat=1", gat, |s| value(s, "")).unwrap()),
        HIT
    );
    assert_eq!(exchange(p, "gat=1", gat, |s| value(s, " 9")), Err(Desync));
    let gats = |s: &Sent| text(&format!("gets {}\r\n", s.key));
    assert_eq!(exchange(p, "gets=1", gats, |s| value(s, "")), Err(Desync));
    assert_eq!(
        said(exchange(p, "gets=1", gats, |s| value(s, " 9")).unwrap()),
        HIT
    );
}

#[test]
fn a_cas_sends_the_unique_its_gets_returned() {
    for protocol in [Protocol::Ascii, Protocol::Meta, Protocol::Binary] {
        let w = workload("cas=1");
        let mut source = w.source(0).unwrap();
        let mut x = Exchange::new(protocol, 1, 1 << 20);
        let mut c = Counters::default();
        // No unique in hand: a gets goes first.
        let gets = begin(&mut x, &mut source);
        let reply = match protocol {
            Protocol::Ascii => {
                let mut r = text(&format!("VALUE {} 0 4 987654321\r\n", gets.key));
                r.extend_from_slice(&gets.value);
                r.extend_from_slice(b"\r\nEND\r\n");
                r
            }
            Protocol::Meta => {
                assert_eq!(gets.wire, text(&format!("mg {} v k c O0\r\n", gets.key)));
                let mut r = text(&format!("VA 4 k{} c987654321 O0\r\n", gets.key));
                r.extend_from_slice(&gets.value);
                r.extend_from_slice(b"\r\n");
                r
            }
            Protocol::Binary => {
                assert_eq!(gets.wire[1], 0x00, "a GET");
                bin(0x00, 0, 0, 987_654_321, &[0, 0, 0, 0], &[], &gets.value)
            }
        };
        let done = feed(&mut x, &reply, &mut source, &mut c).unwrap().unwrap();
        assert_eq!(done.command, Command::Gets);
        // The cas that follows carries that unique, for that key.
        let cas = begin(&mut x, &mut source);
        assert_eq!(cas.key, gets.key);
        match protocol {
            Protocol::Ascii => assert!(
                cas.wire
                    .starts_with(format!("cas {} 0 0 4 987654321\r\n", gets.key).as_bytes()),
                "{}",
                cas.wire.escape_ascii()
            ),
            Protocol::Meta => assert!(
                cas.wire
                    .starts_with(format!("ms {} 4 T0 F0 C987654321 O0\r\n", gets.key).as_bytes()),
                "{}",
                cas.wire.escape_ascii()
            ),
            Protocol::Binary => {
                assert_eq!(cas.wire[1], 0x01, "a SET");
                assert_eq!(cas.wire[16..24], 987_654_321u64.to_be_bytes());
            }
        }
        let exists = match protocol {
            Protocol::Ascii => text("EXISTS\r\n"),
            Protocol::Meta => text("EX O0\r\n"),
            Protocol::Binary => bin(0x01, 0x02, 0, 0, &[], &[], b"Data exists for key."),
        };
        let done = feed(&mut x, &exists, &mut source, &mut c).unwrap().unwrap();
        assert_eq!(done.command, Command::Cas);
        assert_eq!(said(c.of(Command::Cas)), REFUSED, "{protocol:?}");
    }
}

#[test]
fn meta_protocol_commands() {
    let p = Protocol::Meta;
    let cases: [Case; 8] = [
        (
            "delete=1",
            |s| format!("md {} O0\r\n", s.key),
            "HD O0\r\n",
            HIT,
            "EN O0\r\n",
        ),
        (
            "delete=1",
            |s| format!("md {} O0\r\n", s.key),
            "NF O0\r\n",
            MISS,
            "HD O1\r\n",
        ),
        (
            "incr=1",
            |s| format!("ma {} D1 O0\r\n", s.key),
            "HD O0\r\n",
            HIT,
            "NS O0\r\n",
        ),
        (
            "decr=1",
            |s| format!("ma {} MD D1 O0\r\n", s.key),
            "NF O0\r\n",
            MISS,
            "EN O0\r\n",
        ),
        (
            "touch=1",
            |s| format!("mg {} T0 O0\r\n", s.key),
            "HD O0\r\n",
            HIT,
            "NF O0\r\n",
        ),
        (
            "touch=1",
            |s| format!("mg {} T0 O0\r\n", s.key),
            "EN O0\r\n",
            MISS,
            "MN\r\n",
        ),
        (
            "add=1",
            |s| format!("ms {} 4 T0 F0 ME O0\r\n", s.key),
            "NS O0\r\n",
            REFUSED,
            "EN O0\r\n",
        ),
        (
            "append=1",
            |s| format!("ms {} 16 MA O0\r\n", s.key),
            "HD O0\r\n",
            HIT,
            "HD\r\n",
        ),
    ];
    run_cases(p, &cases);
    // gat: a value without its unique is right; a unique unasked is not.
    let gat = |s: &Sent| text(&format!("mg {} v k T0 O0\r\n", s.key));
    let value = |s: &Sent, cas: &str| {
        let mut r = text(&format!("VA 4 k{}{cas} O0\r\n", s.key));
        r.extend_from_slice(&s.value);
        r.extend_from_slice(b"\r\n");
        r
    };
    assert_eq!(
        said(exchange(p, "gat=1", gat, |s| value(s, "")).unwrap()),
        HIT
    );
    assert_eq!(exchange(p, "gat=1", gat, |s| value(s, " c5")), Err(Desync));
}

/// A binary reply with a cas unique.
fn bin(
    opcode: u8,
    status: u16,
    opaque: u32,
    cas: u64,
    extras: &[u8],
    key: &[u8],
    value: &[u8],
) -> Vec<u8> {
    let mut r = tests::bin_reply(opcode, status, opaque, extras, key, value);
    r[16..24].copy_from_slice(&cas.to_be_bytes());
    r
}

#[test]
fn binary_protocol_commands() {
    let p = Protocol::Binary;
    // (mix, request opcode, extras length, reply opcode and status, counts)
    let cases = [
        ("delete=1", 0x04, 0, 0x0000, HIT),
        ("delete=1", 0x04, 0, 0x0001, MISS),
        ("incr=1", 0x05, 20, 0x0000, HIT),
        ("decr=1", 0x06, 20, 0x0001, MISS),
        ("touch=1", 0x1c, 4, 0x0000, HIT),
        ("add=1", 0x02, 8, 0x0002, REFUSED),
        ("replace=1", 0x03, 8, 0x0001, MISS),
        ("append=1", 0x0e, 0, 0x0005, REFUSED),
        ("prepend=1", 0x0f, 0, 0x0000, HIT),
    ];
    for (mix, opcode, extras, status, counts) in cases {
        let expect = |s: &Sent| {
            // The header as sent, checked field by field below.
            let mut head = s.wire.clone();
            head.truncate(24);
            head.extend_from_slice(&s.wire[24..]);
            head
        };
        let check = |s: &Sent| {
            assert_eq!(s.wire[1], opcode, "{mix}");
            assert_eq!(s.wire[4] as usize, extras, "{mix}");
            let key = s.key.as_bytes();
            assert_eq!(&s.wire[24 + extras..24 + extras + key.len()], key, "{mix}");
            if mix.starts_with("incr") || mix.starts_with("decr") {
                // Delta 1, initial 0, expiry 0xffffffff: never created.
                assert_eq!(s.wire[24..32], 1u64.to_be_bytes());
                assert_eq!(s.wire[40..44], [0xff; 4]);
            }
            bin(opcode, status, 0, 0, &[], &[], &[])
        };
        let got = exchange(p, mix, expect, check).unwrap();
        assert_eq!(said(got), counts, "{mix} {status:#x}");
        // The reply of another opcode, or to another request, breaks the
        // protocol.
        let other = exchange(p, mix, expect, |_| bin(0x0a, status, 0, 0, &[], &[], &[]));
        assert_eq!(other, Err(Desync), "{mix}");
        let late = exchange(p, mix, expect, |_| {
            bin(opcode, status, 1 << 16, 0, &[], &[], &[])
        });
        assert_eq!(late, Err(Desync), "{mix}");
    }
    // A get-and-touch is a GAT; its hit counts.
    let gat = |s: &Sent| {
        assert_eq!(s.wire[1], 0x1d);
        s.wire.clone()
    };
    let hit = |s: &Sent| bin(0x1d, 0, 0, 5, &[0, 0, 0, 0], &[], &s.value);
    assert_eq!(said(exchange(p, "gat=1", gat, hit).unwrap()), HIT);
}

/// A plain get in the meta protocol is `mg <key> v k O<tag>`; a multi-get
/// one quiet `mg <key> v k q O<tag|i>` per key, then `mn`.
#[test]
fn meta_gets_ask_for_value_and_key_with_the_opaque_last() {
    let single = |s: &Sent| text(&format!("mg {} v k O0\r\n", s.key));
    let counts = exchange(Protocol::Meta, "get=1", single, |_| text("EN O0\r\n")).unwrap();
    assert_eq!((counts.completed, counts.misses), (1, 1));
    let config = WorkloadConfig {
        division: 3,
        ..workload("get=1").config().clone()
    };
    let w = Workload::new(&config, 3, 1).unwrap();
    let mut source = w.source(0).unwrap();
    let mut x = Exchange::new(Protocol::Meta, 3, 1 << 20);
    let (id, task) = source.issue().unwrap();
    let Task::Get(batch) = &task else {
        panic!("a get")
    };
    assert_eq!(batch.len(), 3);
    let mut want = String::new();
    for (i, entry) in batch.iter().enumerate() {
        let mut key = Vec::new();
        entry.key.append_to(&mut key);
        want += &format!("mg {} v k q O{i}\r\n", key.escape_ascii());
    }
    want += "mn\r\n";
    x.begin(id, &task, Instant::now()).unwrap();
    assert_eq!(String::from_utf8(wire(&mut x)).unwrap(), want);
}

#[test]
fn a_one_key_get_is_encoded_as_a_key_list_of_one() {
    let config = WorkloadConfig {
        key_prefix: b"app:".to_vec(),
        ..WorkloadConfig::default()
    };
    let w = Workload::new(&config, 11, 1).unwrap();
    let mut g = w.source(0).unwrap();
    let Some((_, Task::Set(set))) = g.issue() else {
        panic!("the first task is a set");
    };
    let mut joined = Vec::new();
    set.key.append_to(&mut joined);
    let ends = [joined.len()];
    let list = KeyList {
        bytes: &joined,
        ends: &ends,
    };
    let retrievals = [
        Retrieve::Get,
        Retrieve::Gets,
        Retrieve::Gat(7),
        Retrieve::Gats(0),
    ];
    for protocol in [Protocol::Ascii, Protocol::Binary, Protocol::Meta] {
        let codec = AnyCodec::new(protocol, 1 << 20);
        for retrieve in retrievals {
            let (mut one, mut listed, mut scratch) = (b"x".to_vec(), b"x".to_vec(), Vec::new());
            let tag = 5 << 16;
            codec
                .encode_get_one(&mut one, set.key, &mut scratch, retrieve, tag)
                .unwrap();
            codec.encode_get(&mut listed, list, retrieve, tag).unwrap();
            assert_eq!(one, listed, "{protocol:?} {retrieve:?}");
            assert!(one.len() > 1 + joined.len());
        }
    }
}
