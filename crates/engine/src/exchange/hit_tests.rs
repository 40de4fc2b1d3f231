//! The one-step read of a get's hit against the codec's reader, in every
//! protocol: the same replies, cut the same way, fed to an
//! exchange that may read hits in
//! one step (its source checks no answer) and to one that may not (told its
//! source checks them; this source's checks judge nothing), must end the
//! same requests the same way and count the same.

use super::tests::{bin_reply, t0, value_reply};
use super::*;
use memaslap_workload::{AnySource, Source, Task, Workload, WorkloadConfig};
use proptest::prelude::*;

/// A reply to a get, by what it holds.
#[derive(Debug, Clone)]
enum GetReply {
    /// The value of the key asked for.
    Hit(Vec<u8>),
    /// A value of another key, then `END`.
    Foreign(Vec<u8>),
    /// A value of a key as long as the one asked for, byte `.0` changed.
    Twin(usize),
    /// `END` alone.
    Miss,
    /// The key's value with a cas unique nobody asked for.
    Cas,
    /// The key's value with flags too large for 32 bits.
    HugeFlags,
    /// The key's value and then a byte where `END` belongs.
    NoEnd,
    /// `SERVER_ERROR`.
    Error,
}

fn get_reply() -> impl Strategy<Value = GetReply> {
    prop_oneof![
        4 => proptest::collection::vec(any::<u8>(), 0..40).prop_map(GetReply::Hit),
        1 => proptest::collection::vec(b'a'..=b'z', 1..70).prop_map(GetReply::Foreign),
        1 => any::<usize>().prop_map(GetReply::Twin),
        1 => Just(GetReply::Miss),
        1 => Just(GetReply::Cas),
        1 => Just(GetReply::HugeFlags),
        1 => Just(GetReply::NoEnd),
        1 => Just(GetReply::Error),
    ]
}

/// `key` with its byte `at` (modulo its length) changed.
fn twin(key: &[u8], at: usize) -> Vec<u8> {
    let mut twin = key.to_vec();
    if let Some(byte) = twin.get_mut(at % key.len().max(1)) {
        *byte = if *byte == b'x' { b'y' } else { b'x' };
    }
    twin
}

/// The bytes of `reply` to get `id` of `key`.
fn bytes(protocol: Protocol, reply: &GetReply, key: &[u8], id: TaskId) -> Vec<u8> {
    match protocol {
        Protocol::Ascii => text_bytes(reply, key),
        Protocol::Binary => binary_bytes(reply, tag(id)),
        Protocol::Meta => meta_bytes(reply, key, tag(id)),
    }
}

/// The text protocol's bytes of `reply` to a get of `key`.
fn text_bytes(reply: &GetReply, key: &[u8]) -> Vec<u8> {
    let key_text = String::from_utf8_lossy(key);
    let mut out = match reply {
        GetReply::Hit(data) => value_reply(key, data),
        GetReply::Foreign(other) => value_reply(other, b"xyz"),
        GetReply::Twin(at) => value_reply(&twin(key, *at), b"xyz"),
        GetReply::Miss => Vec::new(),
        GetReply::Cas => format!("VALUE {key_text} 0 1 77\r\nx\r\n").into_bytes(),
        GetReply::HugeFlags => format!("VALUE {key_text} 4294967296 1\r\nx\r\n").into_bytes(),
        GetReply::NoEnd => {
            let mut v = value_reply(key, b"xy");
            v.extend_from_slice(b"ENX\r\n");
            return v;
        }
        GetReply::Error => return b"SERVER_ERROR busy\r\n".to_vec(),
    };
    out.extend_from_slice(b"END\r\n");
    out
}

/// The meta protocol's reply of the same kind to the get of `key` named by
/// `tag`.
fn meta_bytes(reply: &GetReply, key: &[u8], tag: u32) -> Vec<u8> {
    let va = |key: &[u8], flags: &str, data: &[u8]| {
        let mut out = format!("VA {} k", data.len()).into_bytes();
        out.extend_from_slice(key);
        out.extend_from_slice(flags.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    };
    let opaque = format!(" O{tag}");
    match reply {
        GetReply::Hit(data) => va(key, &opaque, data),
        GetReply::Foreign(other) => va(other, &opaque, b"xyz"),
        GetReply::Twin(at) => va(&twin(key, *at), &opaque, b"xyz"),
        GetReply::Miss => b"EN\r\n".to_vec(),
        GetReply::Cas => va(key, &format!("{opaque} c77"), b"x"),
        GetReply::HugeFlags => va(key, &format!(" O{}", tag ^ (1 << 16)), b"x"),
        GetReply::NoEnd => va(key, "", b"x"),
        GetReply::Error => b"SERVER_ERROR busy\r\n".to_vec(),
    }
}

/// The binary protocol's reply of the same kind to the GET named by `tag`.
fn binary_bytes(reply: &GetReply, tag: u32) -> Vec<u8> {
    const GET: u8 = 0x00;
    let flags = [0u8; 4];
    match reply {
        GetReply::Hit(data) => bin_reply(GET, 0, tag, &flags, &[], data),
        // Another request's opaque, another opcode (GETK), a key with it.
        GetReply::Foreign(_) => bin_reply(GET, 0, tag ^ (1 << 16), &flags, &[], b"xyz"),
        GetReply::Twin(_) => bin_reply(0x0c, 0, tag, &flags, b"k", b"xyz"),
        GetReply::Cas => bin_reply(GET, 0, tag, &flags, b"k", b"x"),
        GetReply::Miss => bin_reply(GET, 1, tag, &[], &[], b"Not found"),
        GetReply::HugeFlags => bin_reply(GET, 0, tag, &[], &[], b"x"),
        GetReply::NoEnd => bin_reply(GET, 0x86, tag, &[], &[], b"Temporary failure"),
        GetReply::Error => bin_reply(GET, 0x81, tag, &[], &[], b"Unknown command"),
    }
}

fn workload() -> Workload {
    let config = WorkloadConfig {
        window: 16,
        verify: 0.0,
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 11, 1).unwrap()
}

/// One side of the comparison: an exchange, its source and its counters.
struct Side<'w> {
    exchange: Exchange<'w>,
    source: AnySource<'w>,
    counters: Counters,
    pending: Vec<u8>,
}

impl<'w> Side<'w> {
    fn new(workload: &'w Workload, protocol: Protocol, checks: bool) -> Side<'w> {
        Side {
            exchange: Exchange::new(protocol, 1, 1 << 20)
                .with_depth(8)
                .with_checks(checks),
            source: workload.source(0).unwrap().with_depth(8),
            counters: Counters::default(),
            pending: Vec::new(),
        }
    }

    /// Begins the source's next task, if it has one now: its id and a
    /// get's key (`None` for a set).
    fn begin(&mut self) -> Option<(TaskId, Option<Vec<u8>>)> {
        let (id, task) = self.source.issue()?;
        self.exchange.begin(id, &task, t0()).unwrap();
        let Task::Get(batch) = task else {
            return Some((id, None));
        };
        let mut key = Vec::new();
        batch.key(0)?.append_to(&mut key);
        Some((id, Some(key)))
    }

    /// Takes `chunk` and reads what it can; what each receive returned.
    fn receive(&mut self, chunk: &[u8]) -> Vec<Result<Received, Desync>> {
        self.pending.extend_from_slice(chunk);
        let mut seen = Vec::new();
        while self.exchange.outstanding() > 0 {
            let received =
                self.exchange
                    .receive(&self.pending, &mut self.source, &mut self.counters, t0());
            seen.push(received);
            match received {
                Ok(r) if r.done.is_some() => drop(self.pending.drain(..r.consumed)),
                Ok(r) => {
                    self.pending.drain(..r.consumed);
                    break;
                }
                Err(_) => break,
            }
        }
        seen
    }
}

impl Side<'_> {
    /// Begins what the source has now, up to the depth; the gets' keys
    /// (`None` for a set), in order.
    fn begin_all(&mut self) -> Vec<(TaskId, Option<Vec<u8>>)> {
        let mut begun = Vec::new();
        while self.exchange.outstanding() < 8 {
            let Some(task) = self.begin() else { break };
            begun.push(task);
        }
        self.exchange.written();
        begun
    }
}

/// The replies to `begun`: a set's success, and to a get the next of
/// `replies` (a hit when they run out).
fn stream<'r>(
    protocol: Protocol,
    begun: &[(TaskId, Option<Vec<u8>>)],
    replies: &mut impl Iterator<Item = &'r GetReply>,
) -> Vec<u8> {
    let hit = GetReply::Hit(b"value".to_vec());
    let mut out = Vec::new();
    for (id, key) in begun {
        match (key, protocol) {
            (Some(key), _) => out.extend(bytes(protocol, replies.next().unwrap_or(&hit), key, *id)),
            (None, Protocol::Binary) => out.extend(bin_reply(0x01, 0, tag(*id), &[], &[], &[])),
            (None, Protocol::Meta) => out.extend(format!("HD O{}\r\n", tag(*id)).into_bytes()),
            (None, Protocol::Ascii) => out.extend_from_slice(b"STORED\r\n"),
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn hits_read_in_one_step_end_and_count_as_the_reader_does(
        replies in proptest::collection::vec(get_reply(), 1..40),
        cuts in proptest::collection::vec(1usize..400, 1..12),
        protocol in prop_oneof![Just(Protocol::Ascii), Just(Protocol::Binary), Just(Protocol::Meta)],
    ) {
        let w = workload();
        let mut quick = Side::new(&w, protocol, false);
        let mut general = Side::new(&w, protocol, true);
        let mut replies = replies.iter();
        let mut gets = 0;
        // The first rounds store the window; gets follow.
        for _ in 0..8 {
            let begun = quick.begin_all();
            prop_assert_eq!(&general.begin_all(), &begun);
            gets += begun.iter().filter(|(_, key)| key.is_some()).count();
            let stream = stream(protocol, &begun, &mut replies);
            let mut at = 0usize;
            let mut desync = false;
            for cut in cuts.iter().chain(std::iter::once(&usize::MAX)) {
                let end = at.saturating_add(*cut).min(stream.len());
                let chunk = &stream[at..end];
                let seen = quick.receive(chunk);
                prop_assert_eq!(&seen, &general.receive(chunk));
                desync |= seen.iter().any(Result::is_err);
                at = end;
            }
            prop_assert_eq!(quick.counters, general.counters);
            prop_assert_eq!(quick.source.outstanding(), general.source.outstanding());
            if desync {
                // The stream broke step: a connection would be reset.
                break;
            }
            prop_assert_eq!(quick.exchange.outstanding(), 0);
        }
        prop_assert!(gets > 0);
    }
}

/// The replies the one-step read is for are read in it: hits, whole in one
/// buffer, are counted as the reader counts them.
#[test]
fn whole_hits_end_their_gets_and_count_as_hits() {
    for protocol in [Protocol::Ascii, Protocol::Binary, Protocol::Meta] {
        let w = workload();
        let mut side = Side::new(&w, protocol, false);
        let (mut gets, mut begun) = (0, 0);
        for _ in 0..4 {
            let tasks = side.begin_all();
            gets += tasks.iter().filter(|(_, key)| key.is_some()).count() as u64;
            begun += tasks.len();
            let seen = side.receive(&stream(protocol, &tasks, &mut std::iter::empty()));
            assert_eq!(seen.len(), tasks.len());
            assert!(seen.iter().all(|r| r.is_ok_and(|r| r.done.is_some())));
            assert!(side.pending.is_empty());
        }
        assert!(gets > 0);
        let mut c = side.counters;
        assert_eq!((c.cmd_get, c.get_misses), (gets, 0));
        assert_eq!(c.requests_completed, begun as u64);
        let counts = c.command(Command::Get);
        assert_eq!(
            (counts.hits, counts.keys, counts.completed),
            (gets, gets, gets)
        );
    }
}
