//! Instruction counts of the hot path under Valgrind (callgrind, through
//! gungraun): figures that do not move with the machine's load, so a
//! change of a few percent shows. Each benchmark does [`N`] operations, so
//! its instruction count divided by 1,000 is the count per operation.
//!
//! - `proto`: encoding requests and parsing replies in every protocol;
//! - `workload`: one task issued and completed, for every workload source;
//! - `engine`: one request through the engine's exchange, encoded and its
//!   reply read back (the text, binary and meta protocols), and one
//!   latency recorded.
//!
//! Needs `valgrind` and `gungraun-runner` of the same version as the
//! `gungraun` crate (`cargo install gungraun-runner --version 0.20.0`);
//! `benches/instructions.sh` installs both and runs this.

#![allow(
    missing_docs,
    unused_qualifications,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;

use std::time::Instant;
use support::step;

use gungraun::{library_benchmark, library_benchmark_group, main};
use memaslap_engine::{Counters, Exchange, Latency, Protocol};
use memaslap_proto::{ascii, binary, meta};
use memaslap_workload::{
    AnySource, Delivery, Generator, Record, Source, TraceConfig, TraceFormat, TracePlan,
    TraceReader, TraceSource, Workload, WorkloadConfig, scan,
};

/// Operations per benchmark.
const N: usize = 1000;

/// A 64-byte key like memaslap's default.
const KEY: &[u8] = b"Aa0-Bb1.Cc2-Dd3.Ee4-Ff5.Gg6-Hh7.Ii8-Jj9.Kk0-Ll1.Mm2-Nn3.Oo4-Pp5";

fn value(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"0123456789abcdef"[i % 16]).collect()
}

fn out_buffer() -> Vec<u8> {
    Vec::with_capacity(512)
}

// ---- proto: encoding ----

#[library_benchmark]
#[bench::get(setup = out_buffer)]
fn ascii_encode_get(mut out: Vec<u8>) -> usize {
    for _ in 0..N {
        out.clear();
        ascii::encode_get(&mut out, [black_box(KEY)]).unwrap();
    }
    out.len()
}

#[library_benchmark]
#[bench::get_key(setup = out_buffer)]
fn ascii_encode_get_key(mut out: Vec<u8>) -> usize {
    for _ in 0..N {
        out.clear();
        ascii::encode_get_key(&mut out, black_box(KEY)).unwrap();
    }
    out.len()
}

#[library_benchmark]
#[bench::set_header(setup = out_buffer)]
fn ascii_encode_set(mut out: Vec<u8>) -> usize {
    for _ in 0..N {
        out.clear();
        let req = ascii::Storage {
            command: ascii::StorageCommand::Set,
            key: black_box(KEY),
            flags: 0,
            exptime: black_box(60),
            value_len: black_box(1024),
            noreply: false,
        };
        ascii::encode_storage(&mut out, &req).unwrap();
    }
    out.len()
}

#[library_benchmark]
#[bench::get(setup = out_buffer)]
fn binary_encode_get(mut out: Vec<u8>) -> usize {
    for i in 0..N {
        out.clear();
        binary::encode_get(&mut out, binary::Opcode::GetK, black_box(KEY), i as u32).unwrap();
    }
    out.len()
}

#[library_benchmark]
#[bench::get(setup = out_buffer)]
fn meta_encode_get(mut out: Vec<u8>) -> usize {
    use meta::Flag;
    for _ in 0..N {
        out.clear();
        let flags = [Flag::ReturnValue, Flag::ReturnKey, Flag::Opaque(b"4242")];
        meta::encode_get(&mut out, black_box(KEY), &flags).unwrap();
    }
    out.len()
}

// ---- proto: parsing ----

/// `VALUE <key> 0 <len>\r\n<data>\r\nEND\r\n`.
fn ascii_hit() -> Vec<u8> {
    let mut out = format!("VALUE {} 0 1024\r\n", std::str::from_utf8(KEY).unwrap()).into_bytes();
    out.extend_from_slice(&value(1024));
    out.extend_from_slice(b"\r\nEND\r\n");
    out
}

fn stored() -> Vec<u8> {
    b"STORED\r\n".to_vec()
}

#[library_benchmark]
#[bench::value_1kib(setup = ascii_hit)]
#[bench::stored(setup = stored)]
fn ascii_parse(reply: Vec<u8>) -> usize {
    let parser = ascii::Parser::default();
    let mut total = 0;
    for _ in 0..N {
        let mut buf = black_box(&reply[..]);
        while let Some((response, used)) = parser.parse(buf).unwrap() {
            black_box(&response);
            buf = &buf[used..];
            total += used;
        }
    }
    total
}

/// A GETK hit: header, 4 bytes of flags, the key, 1 KiB of value.
fn binary_hit() -> Vec<u8> {
    let data = value(1024);
    let body = (4 + KEY.len() + data.len()) as u32;
    let mut reply = vec![0x81, 0x0c, 0, KEY.len() as u8, 4, 0, 0, 0];
    reply.extend_from_slice(&body.to_be_bytes());
    reply.extend_from_slice(&7u32.to_be_bytes());
    reply.extend_from_slice(&1u64.to_be_bytes());
    reply.extend_from_slice(&0u32.to_be_bytes());
    reply.extend_from_slice(KEY);
    reply.extend_from_slice(&data);
    reply
}

#[library_benchmark]
#[bench::value_1kib(setup = binary_hit)]
fn binary_parse(reply: Vec<u8>) -> usize {
    let parser = binary::Parser::default();
    let mut total = 0;
    for _ in 0..N {
        let (response, used) = parser.parse(black_box(&reply)).unwrap().unwrap();
        black_box(&response);
        total += used;
    }
    total
}

/// `VA 1024 k<key> O4242\r\n<data>\r\n`.
fn meta_hit() -> Vec<u8> {
    let mut out = b"VA 1024 k".to_vec();
    out.extend_from_slice(KEY);
    out.extend_from_slice(b" O4242\r\n");
    out.extend_from_slice(&value(1024));
    out.extend_from_slice(b"\r\n");
    out
}

#[library_benchmark]
#[bench::value_1kib(setup = meta_hit)]
fn meta_parse(reply: Vec<u8>) -> usize {
    let parser = meta::Parser::default();
    let mut total = 0;
    for _ in 0..N {
        let (response, used) = parser.parse(black_box(&reply)).unwrap().unwrap();
        black_box(&response);
        total += used;
    }
    total
}

// A hit of a known key read in one step (`Parser::read_hit`), as a run of
// the default workload reads most replies.
#[library_benchmark]
#[bench::value_1kib(setup = ascii_hit)]
fn ascii_read_hit(reply: Vec<u8>) -> usize {
    let parser = ascii::Parser::default();
    let mut total = 0;
    for _ in 0..N {
        let (data, used) = parser
            .read_hit(black_box(&reply), KEY.len(), |key| key == KEY)
            .unwrap();
        black_box(data);
        total += used;
    }
    total
}

// A `VA` hit of a known key and opaque read in one step.
#[library_benchmark]
#[bench::value_1kib(setup = meta_hit)]
fn meta_read_hit(reply: Vec<u8>) -> usize {
    let parser = meta::Parser::default();
    let mut total = 0;
    for _ in 0..N {
        let (data, used) = parser
            .read_hit(black_box(&reply), KEY.len(), |key| key == KEY, 4242)
            .unwrap();
        black_box(data);
        total += used;
    }
    total
}

library_benchmark_group!(
    name = proto;
    benchmarks = ascii_encode_get, ascii_encode_get_key, ascii_encode_set, binary_encode_get, meta_encode_get,
        ascii_parse, binary_parse, meta_parse, ascii_read_hit, meta_read_hit
);

// ---- workload: task generation ----

/// A source of workload `name` in steady state (its window filled).
fn warm_source(name: &str) -> (AnySource<'static>, Instant) {
    let config = support::workload_config(name);
    let workload: &'static Workload = Box::leak(Box::new(Workload::new(&config, 1, 1).unwrap()));
    let mut source = workload.source(0).unwrap();
    let now = Instant::now();
    for _ in 0..config.window * 20 {
        step(&mut source, now);
    }
    (source, now)
}

#[library_benchmark]
#[bench::default(args = ("default"), setup = warm_source)]
#[bench::verify_all(args = ("verify_all"), setup = warm_source)]
#[bench::multi_get_10(args = ("multi_get_10"), setup = warm_source)]
#[bench::keyspace_uniform(args = ("keyspace_uniform"), setup = warm_source)]
#[bench::keyspace_zipf(args = ("keyspace_zipf"), setup = warm_source)]
#[bench::keyspace_zipf_etc_verified(args = ("keyspace_zipf_etc_verified"), setup = warm_source)]
#[bench::keyspace_zipf_every_command(args = ("keyspace_zipf_every_command"), setup = warm_source)]
fn generate((mut source, now): (AnySource<'static>, Instant)) {
    // The source's own type, as the engine drives it: each worker is
    // built for its run's kind of source, with no dispatch a call.
    match &mut source {
        AnySource::Window(source) => generate_with(source, now),
        AnySource::Keyspace(source) => generate_with(source, now),
        AnySource::Trace(source) => generate_with(source, now),
    }
}

/// [`N`] tasks of `source`.
fn generate_with<'w>(source: &mut impl Source<'w>, now: Instant) {
    for _ in 0..N {
        step(source, now);
    }
}

/// A CSV trace's source and [`N`] of its records, read beforehand.
fn trace_source() -> (TraceSource<'static>, Vec<Record>, Instant) {
    let path = support::trace_file("replay", 4 * N as u64, 1000);
    let trace = TraceConfig {
        path: path.clone(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    let config = WorkloadConfig {
        trace: Some(TracePlan::new(trace.clone(), &scan(&trace).unwrap()).unwrap()),
        ..WorkloadConfig::default()
    };
    let workload: &'static Workload = Box::leak(Box::new(Workload::new(&config, 1, 1).unwrap()));
    let mut reader = TraceReader::open(&trace).unwrap();
    let records = (0..N)
        .map(|_| reader.next_record().unwrap().unwrap())
        .collect();
    let _ = std::fs::remove_file(&path);
    let AnySource::Trace(source) = workload.source(0).unwrap() else {
        panic!("a trace's workload makes a trace source");
    };
    (source, records, Instant::now())
}

#[library_benchmark]
#[bench::csv(setup = trace_source)]
fn trace_replay((mut source, records, now): (TraceSource<'static>, Vec<Record>, Instant)) {
    for record in records {
        source.deliver(Delivery::Record(record));
        step(&mut source, now);
    }
}

/// A reader of a CSV trace of [`N`] lines like [`trace_source`]'s.
fn csv_reader() -> TraceReader {
    let path = support::trace_file("read", N as u64, 100);
    let trace = TraceConfig {
        path: path.clone(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    let reader = TraceReader::open(&trace).unwrap();
    let _ = std::fs::remove_file(&path);
    reader
}

// The trace reader: one CSV line found and parsed into a record (the file
// is read in large blocks, a few for the whole benchmark).
#[library_benchmark]
#[bench::csv(setup = csv_reader)]
fn trace_read(mut reader: TraceReader) -> usize {
    let mut n = 0;
    while let Some(record) = reader.next_record().unwrap() {
        black_box(record);
        n += 1;
    }
    n
}

library_benchmark_group!(
    name = workload;
    benchmarks = generate, trace_replay, trace_read
);

// ---- engine: one request through the exchange ----

/// What a server answers to the request `bytes`: a 1 KiB hit for a get,
/// success for a set.
fn answer(protocol: Protocol, bytes: &[u8]) -> Vec<u8> {
    let data = value(1024);
    match protocol {
        Protocol::Binary => {
            let (opcode, key_len) = (bytes[1], u16::from_be_bytes([bytes[2], bytes[3]]));
            let extras = usize::from(bytes[4]);
            let key = &bytes[24 + extras..24 + extras + usize::from(key_len)];
            let mut reply = vec![0x81, opcode, 0, 0, 0, 0, 0, 0];
            let mut body = Vec::new();
            if matches!(opcode, 0x00 | 0x0c | 0x09 | 0x0d) {
                reply[4] = 4;
                body.extend_from_slice(&0u32.to_be_bytes());
                if matches!(opcode, 0x0c | 0x0d) {
                    reply[2..4].copy_from_slice(&key_len.to_be_bytes());
                    body.extend_from_slice(key);
                }
                body.extend_from_slice(&data);
            }
            reply.extend_from_slice(&(body.len() as u32).to_be_bytes());
            reply.extend_from_slice(&bytes[12..16]);
            reply.extend_from_slice(&1u64.to_be_bytes());
            reply.extend_from_slice(&body);
            reply
        }
        Protocol::Meta => {
            let line = bytes.split(|&b| b == b'\r').next().unwrap();
            let words: Vec<&[u8]> = line.split(|&b| b == b' ').collect();
            let opaque = words.iter().find(|w| w.first() == Some(&b'O')).unwrap();
            let mut reply = Vec::new();
            if words[0] == b"mg" {
                reply.extend_from_slice(b"VA 1024 k");
                reply.extend_from_slice(words[1]);
                reply.push(b' ');
                reply.extend_from_slice(opaque);
                reply.extend_from_slice(b"\r\n");
                reply.extend_from_slice(&data);
                reply.extend_from_slice(b"\r\n");
            } else {
                reply.extend_from_slice(b"HD ");
                reply.extend_from_slice(opaque);
                reply.extend_from_slice(b"\r\n");
            }
            reply
        }
        _ => {
            let line = bytes.split(|&b| b == b'\r').next().unwrap();
            let mut words = line.split(|&b| b == b' ');
            if words.next() == Some(b"get") {
                let mut reply = Vec::new();
                for key in words {
                    reply.extend_from_slice(b"VALUE ");
                    reply.extend_from_slice(key);
                    reply.extend_from_slice(b" 0 1024\r\n");
                    reply.extend_from_slice(&data);
                    reply.extend_from_slice(b"\r\n");
                }
                reply.extend_from_slice(b"END\r\n");
                reply
            } else {
                b"STORED\r\n".to_vec()
            }
        }
    }
}

/// Issues and encodes one request; `seen` is handed its bytes.
fn send(
    exchange: &mut Exchange<'static>,
    source: &mut Generator<'static>,
    now: Instant,
    seen: impl FnOnce(&[&[u8]]),
) {
    let (id, task) = source.issue().unwrap();
    exchange.begin(id, &task, now).unwrap();
    exchange.with_slices(seen);
    exchange.written();
}

/// Reads `answer`, the reply to the request outstanding.
fn read(
    exchange: &mut Exchange<'static>,
    source: &mut Generator<'static>,
    counters: &mut Counters,
    now: Instant,
    answer: &[u8],
) {
    let mut rest = answer;
    loop {
        let received = exchange.receive(rest, source, counters, now).unwrap();
        rest = &rest[received.consumed..];
        if received.done.is_some() {
            return;
        }
    }
}

/// An exchange and a source for `protocol`, with the replies to the [`N`]
/// requests it will send (made by an identical source beforehand). The
/// default workload's source is the window model's generator, the type a
/// run of it builds its worker for.
type Prepared = (Exchange<'static>, Generator<'static>, Vec<Vec<u8>>, Instant);

/// The window model's source of `workload`'s first connection.
fn window_source(workload: &'static Workload) -> Generator<'static> {
    let AnySource::Window(source) = workload.source(0).unwrap() else {
        panic!("the default workload makes the window model's source");
    };
    source
}

fn exchange_of(protocol: Protocol) -> Prepared {
    let config = WorkloadConfig::default();
    let workload: &'static Workload = Box::leak(Box::new(Workload::new(&config, 1, 1).unwrap()));
    let now = Instant::now();
    let mut dry_source = window_source(workload);
    let mut dry = Exchange::new(protocol, 1, 1 << 20);
    let mut counters = Counters::default();
    let replies = (0..N)
        .map(|_| {
            let mut reply = Vec::new();
            send(&mut dry, &mut dry_source, now, |slices| {
                reply = answer(protocol, &slices.concat());
            });
            read(&mut dry, &mut dry_source, &mut counters, now, &reply);
            reply
        })
        .collect();
    // As a run builds it: the default workload checks no answer.
    let source = window_source(workload);
    let exchange = Exchange::new(protocol, 1, 1 << 20).with_checks(source.checks_gets());
    (exchange, source, replies, now)
}

#[library_benchmark]
#[bench::ascii(args = (Protocol::Ascii), setup = exchange_of)]
#[bench::binary(args = (Protocol::Binary), setup = exchange_of)]
#[bench::meta(args = (Protocol::Meta), setup = exchange_of)]
fn exchange((mut exchange, mut source, replies, now): Prepared) -> u64 {
    let mut counters = Counters::default();
    for reply in &replies {
        send(&mut exchange, &mut source, now, |slices| {
            black_box(slices);
        });
        read(&mut exchange, &mut source, &mut counters, now, reply);
    }
    // Freeing the replies is the benchmark's cost, not the exchange's.
    std::mem::forget(replies);
    counters.requests_completed
}

/// [`N`] latencies spread over 50 µs to 5 ms, made beforehand.
fn latencies() -> (Latency, Vec<std::time::Duration>) {
    let spread = (0..N as u64)
        .map(|i| std::time::Duration::from_nanos(50_000 + (i * 2_654_435_761) % 5_000_000))
        .collect();
    (Latency::new(), spread)
}

// One latency recorded: moments, log2 bucket and HDR histogram.
#[library_benchmark]
#[bench::spread(setup = latencies)]
fn latency_record((mut latency, spread): (Latency, Vec<std::time::Duration>)) -> u64 {
    for d in &spread {
        latency.record(*d);
    }
    latency.count()
}

library_benchmark_group!(
    name = engine;
    benchmarks = exchange, latency_record
);

main!(library_benchmark_groups = proto, workload, engine);
