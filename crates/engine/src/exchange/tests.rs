use super::*;
use memaslap_workload::{AnySource, Command, GetKeys, Source, Task, Workload, WorkloadConfig};

/// When every request of these tests begins.
pub(super) fn t0() -> Instant {
    static T0: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    *T0.get_or_init(Instant::now)
}

/// How a request of these tests ends: begun at [`t0`], as every one is.
pub(super) fn ended(kind: Kind, command: Command, failed: bool) -> Done {
    Done {
        kind,
        command,
        failed,
        started: t0(),
        intended: t0(),
    }
}

/// What a write would send now.
pub(super) fn wire(exchange: &mut Exchange<'_>) -> Vec<u8> {
    exchange.with_slices(|slices| slices.concat())
}

pub(super) fn workload(division: usize) -> Workload {
    let config = WorkloadConfig {
        window: 16,
        verify: 1.0,
        division,
        ..WorkloadConfig::default()
    };
    Workload::new(&config, 7, 1).unwrap()
}

/// Feeds `reply` one byte at a time, as a slow network would, and returns
/// the request's end.
pub(super) fn feed(
    exchange: &mut Exchange<'_>,
    reply: &[u8],
    generator: &mut AnySource<'_>,
    counters: &mut Counters,
) -> Result<Option<Done>, Desync> {
    let now = Instant::now();
    exchange.written();
    let mut buf = Vec::new();
    for (i, byte) in reply.iter().enumerate() {
        buf.push(*byte);
        let received = exchange.receive(&buf, generator, counters, now)?;
        buf.drain(..received.consumed);
        if let Some(done) = received.done {
            assert_eq!(i + 1, reply.len(), "done before the last byte");
            assert!(buf.is_empty());
            return Ok(Some(done));
        }
    }
    Ok(None)
}

/// Stores the window's first item through the exchange; returns its key and
/// value.
pub(super) fn store_one<'w>(
    exchange: &mut Exchange<'w>,
    generator: &mut AnySource<'w>,
    counters: &mut Counters,
    stored_reply: &[u8],
) -> (Vec<u8>, Vec<u8>) {
    let (id, Task::Set(set)) = generator.issue().unwrap() else {
        panic!("the first task is a set");
    };
    let (mut key, value) = (Vec::new(), set.value.to_vec());
    set.key.append_to(&mut key);
    exchange.begin_set(id, &set, t0()).unwrap();
    let trailer: &[u8] = match exchange.protocol() {
        Protocol::Ascii | Protocol::Meta => b"\r\n",
        Protocol::Binary => b"",
    };
    let mut sent = value.clone();
    sent.extend_from_slice(trailer);
    assert!(wire(exchange).ends_with(&sent));
    let done = feed(exchange, stored_reply, generator, counters).unwrap();
    assert_eq!(done, Some(ended(Kind::Set, Command::Set, false)));
    (key, value)
}

pub(super) fn next_get<'w>(exchange: &mut Exchange<'w>, generator: &mut AnySource<'w>) {
    match generator.issue().unwrap() {
        (id, Task::Get(batch)) => exchange.begin_get(id, &batch, t0()).unwrap(),
        (_, Task::Set(_) | Task::Key(_)) => panic!("expected a get"),
    }
}

/// The keys get `id` asked for, in order.
pub(super) fn asked_keys(generator: &AnySource<'_>, id: TaskId) -> Vec<Vec<u8>> {
    generator
        .batch(id)
        .iter()
        .map(|entry| {
            let mut key = Vec::new();
            entry.key.append_to(&mut key);
            key
        })
        .collect()
}

pub(super) fn value_reply(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut reply = format!(
        "VALUE {} 0 {}\r\n",
        String::from_utf8_lossy(key),
        data.len()
    )
    .into_bytes();
    reply.extend_from_slice(data);
    reply.extend_from_slice(b"\r\n");
    reply
}

#[test]
fn ascii_set_then_verified_get() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20);
    let (key, value) = store_one(&mut x, &mut g, &mut c, b"STORED\r\n");
    assert_eq!(c.cmd_set, 1);
    assert_eq!(c.object_bytes, (key.len() + value.len()) as u64);

    next_get(&mut x, &mut g);
    let mut want = b"get ".to_vec();
    want.extend_from_slice(&key);
    want.extend_from_slice(b"\r\n");
    assert_eq!(wire(&mut x), want);
    let mut reply = value_reply(&key, &value);
    reply.extend_from_slice(b"END\r\n");
    let done = feed(&mut x, &reply, &mut g, &mut c).unwrap();
    assert_eq!(done, Some(ended(Kind::Get, Command::Get, false)));
    assert_eq!(
        (c.cmd_get, c.get_misses, c.verify_failed, c.verify_misses),
        (1, 0, 0, 0)
    );
    assert_eq!((c.requests_completed, c.requests_failed), (2, 0));
}

/// Stores the window's first item, then answers a get of it with its
/// value corrupted; returns the key and the value sent.
fn corrupt_hit<'w>(
    x: &mut Exchange<'w>,
    g: &mut AnySource<'w>,
    c: &mut Counters,
) -> (Vec<u8>, Vec<u8>) {
    let (key, mut value) = store_one(x, g, c, b"STORED\r\n");
    value[0] ^= 1;
    next_get(x, g);
    let mut reply = value_reply(&key, &value);
    reply.extend_from_slice(b"END\r\n");
    feed(x, &reply, g, c).unwrap();
    (key, value)
}

/// Answers the next get with a miss.
fn miss<'w>(x: &mut Exchange<'w>, g: &mut AnySource<'w>, c: &mut Counters) {
    next_get(x, g);
    feed(x, b"END\r\n", g, c).unwrap();
}

#[test]
fn ascii_corrupt_value_and_miss_are_counted() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20).with_details(true);
    let (key, value) = corrupt_hit(&mut x, &mut g, &mut c);
    assert_eq!(c.verify_failed, 1);
    let mut failures = Vec::new();
    x.take_failures(&mut failures);
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].key, key);
    assert_eq!(
        failures[0].received.as_ref().map(|r| r.0),
        Some(value.len())
    );
    assert!(failures[0].to_string().starts_with("verify_failed: key "));

    miss(&mut x, &mut g, &mut c);
    assert_eq!((c.get_misses, c.verify_misses, c.cmd_get), (1, 1, 2));
}

/// A source that never judges answers is not offered them: the same
/// corrupt value and miss are counted as a hit and a miss, nothing more.
#[test]
fn answers_are_not_offered_when_the_source_checks_none() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20).with_checks(false);
    corrupt_hit(&mut x, &mut g, &mut c);
    miss(&mut x, &mut g, &mut c);
    assert_eq!((c.cmd_get, c.get_misses), (2, 1));
    assert_eq!((c.verify_failed, c.verify_misses), (0, 0));
    assert_eq!(g.outstanding(), 0);
}

#[test]
fn ascii_unasked_key_is_a_protocol_error_the_stream_survives() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20);
    let (key, value) = store_one(&mut x, &mut g, &mut c, b"STORED\r\n");
    next_get(&mut x, &mut g);
    let mut reply = value_reply(b"someone-else-s-key", b"xyz");
    reply.extend_from_slice(&value_reply(&key, &value));
    reply.extend_from_slice(&value_reply(&key, &value));
    reply.extend_from_slice(b"END\r\n");
    let done = feed(&mut x, &reply, &mut g, &mut c).unwrap();
    assert_eq!(done, Some(ended(Kind::Get, Command::Get, false)));
    assert_eq!(c.errors.protocol_error, 2, "foreign key and duplicate");
    assert_eq!((c.get_misses, c.verify_failed), (0, 0));
}

#[test]
fn ascii_error_replies() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20);
    let (id, Task::Set(set)) = g.issue().unwrap() else {
        panic!()
    };
    x.begin_set(id, &set, t0()).unwrap();
    let done = feed(
        &mut x,
        b"SERVER_ERROR out of memory storing object\r\n",
        &mut g,
        &mut c,
    );
    assert_eq!(done, Ok(Some(ended(Kind::Set, Command::Set, true))));
    assert_eq!(
        (c.errors.server_error, c.cmd_set, c.requests_failed),
        (1, 1, 1)
    );

    let (id, Task::Set(set)) = g.issue().unwrap() else {
        panic!()
    };
    x.begin_set(id, &set, t0()).unwrap();
    feed(&mut x, b"CLIENT_ERROR bad data chunk\r\n", &mut g, &mut c).unwrap();
    assert_eq!(
        (c.errors.client_error, c.cmd_set, c.requests_failed),
        (1, 1, 2)
    );
}

#[test]
fn ascii_garbage_is_a_desync() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20);
    let (id, Task::Set(set)) = g.issue().unwrap() else {
        panic!()
    };
    x.begin_set(id, &set, t0()).unwrap();
    assert_eq!(feed(&mut x, b"END\r\n", &mut g, &mut c), Err(Desync));
    assert_eq!(feed(&mut x, b"HELLO\r\n", &mut g, &mut c), Err(Desync));
    x.abandon(&mut g, &mut Counters::default(), Instant::now());
    assert_eq!(x.pending(), None);
    assert_eq!(
        x.receive(b"STORED\r\n", &mut g, &mut c, Instant::now()),
        Err(Desync),
        "bytes with nothing in flight"
    );
}

/// Hands `reply`, then the start of another, over in one buffer: the
/// request must end exactly at the reply's end.
fn feed_whole(
    exchange: &mut Exchange<'_>,
    reply: &[u8],
    generator: &mut AnySource<'_>,
    counters: &mut Counters,
) -> Done {
    exchange.written();
    let mut buf = reply.to_vec();
    buf.extend_from_slice(b"VALUE next");
    let received = exchange
        .receive(&buf, generator, counters, Instant::now())
        .unwrap();
    assert_eq!(received.consumed, reply.len());
    received.done.unwrap()
}

#[test]
fn ascii_replies_read_whole_count_as_byte_by_byte() {
    let w = workload(1);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 1, 1 << 20);
    let (key, value) = store_one(&mut x, &mut g, &mut c, b"STORED\r\n");
    let hit = [value_reply(&key, &value), b"END\r\n".to_vec()].concat();
    next_get(&mut x, &mut g);
    assert!(!feed_whole(&mut x, &hit, &mut g, &mut c).failed);
    assert_eq!((c.cmd_get, c.get_misses, c.verify_failed), (1, 0, 0));
    let mut corrupt = value.clone();
    corrupt[0] ^= 1;
    next_get(&mut x, &mut g);
    let reply = [value_reply(&key, &corrupt), b"END\r\n".to_vec()].concat();
    feed_whole(&mut x, &reply, &mut g, &mut c);
    assert_eq!((c.cmd_get, c.verify_failed), (2, 1));
    next_get(&mut x, &mut g);
    let reply = [
        value_reply(b"someone-else-s-key", b"xyz"),
        value_reply(&key, &value),
        value_reply(&key, &value),
        b"END\r\n".to_vec(),
    ]
    .concat();
    feed_whole(&mut x, &reply, &mut g, &mut c);
    assert_eq!((c.errors.protocol_error, c.verify_failed), (2, 1));
    next_get(&mut x, &mut g);
    feed_whole(&mut x, b"END\r\n", &mut g, &mut c);
    assert_eq!((c.cmd_get, c.get_misses, c.verify_misses), (4, 1, 1));
    assert_eq!((c.requests_completed, c.requests_failed), (5, 0));
}

#[test]
fn ascii_multi_get_counts_each_key() {
    let w = workload(4);
    let mut g = w.source(0).unwrap();
    let mut c = Counters::default();
    let mut x = Exchange::new(Protocol::Ascii, 4, 1 << 20);
    let mut stored = Vec::new();
    while stored.len() < 4 {
        match g.issue().unwrap() {
            (id, Task::Set(set)) => {
                let mut key = Vec::new();
                set.key.append_to(&mut key);
                stored.push((key, set.value.to_vec()));
                x.begin_set(id, &set, t0()).unwrap();
                feed(&mut x, b"STORED\r\n", &mut g, &mut c).unwrap();
            }
            (id, Task::Get(batch)) => {
                x.begin_get(id, &batch, t0()).unwrap();
                feed(&mut x, b"END\r\n", &mut g, &mut c).unwrap();
            }
            (_, Task::Key(_)) => panic!("the window model issues no key tasks"),
        }
    }
    let before = c;
    let get = loop {
        if let (id, Task::Get(batch)) = g.issue().unwrap() {
            if batch.len() == 4 {
                x.begin_get(id, &batch, t0()).unwrap();
                break id;
            }
            x.begin_get(id, &batch, t0()).unwrap();
            feed(&mut x, b"END\r\n", &mut g, &mut c).unwrap();
        } else {
            panic!("expected gets once the mix has caught up");
        }
    };
    let before_get = c;
    // Answer two of the four keys, in the order asked.
    let mut reply = Vec::new();
    let asked = asked_keys(&g, get);
    for key in asked.iter().take(2) {
        let (_, value) = stored.iter().find(|(k, _)| k == key).unwrap();
        reply.extend_from_slice(&value_reply(key, value));
    }
    reply.extend_from_slice(b"END\r\n");
    feed(&mut x, &reply, &mut g, &mut c).unwrap();
    assert!(before.cmd_get <= before_get.cmd_get);
    assert_eq!(c.cmd_get - before_get.cmd_get, 4);
    assert_eq!(c.get_misses - before_get.get_misses, 2);
    assert_eq!(c.verify_misses - before_get.verify_misses, 2);
    assert_eq!(c.verify_failed, 0);
}

/// A binary response header followed by extras, key and value.
pub(super) fn bin_reply(
    opcode: u8,
    status: u16,
    opaque: u32,
    extras: &[u8],
    key: &[u8],
    value: &[u8],
) -> Vec<u8> {
    let body = (extras.len() + key.len() + value.len()) as u32;
    let mut r = vec![0x81, opcode];
    r.extend_from_slice(&(key.len() as u16).to_be_bytes());
    r.push(extras.len() as u8);
    r.push(0);
    r.extend_from_slice(&status.to_be_bytes());
    r.extend_from_slice(&body.to_be_bytes());
    r.extend_from_slice(&opaque.to_be_bytes());
    r.extend_from_slice(&0u64.to_be_bytes());
    r.extend_from_slice(extras);
    r.extend_from_slice(key);
    r.extend_from_slice(value);
    r
}
