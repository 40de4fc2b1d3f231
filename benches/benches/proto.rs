//! The protocol crate's hot path: encoding requests and parsing replies.

#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use memaslap_proto::{ascii, binary, meta};
use std::hint::black_box;

/// A 64-byte key like memaslap's default.
const KEY: &[u8] = b"Aa0-Bb1.Cc2-Dd3.Ee4-Ff5.Gg6-Hh7.Ii8-Jj9.Kk0-Ll1.Mm2-Nn3.Oo4-Pp5";

fn value(len: usize) -> Vec<u8> {
    (0..len).map(|i| b"0123456789abcdef"[i % 16]).collect()
}

fn encode(c: &mut Criterion) {
    let mut group = c.benchmark_group("ascii_encode");
    group.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(512);
    group.bench_function("get", |b| {
        b.iter(|| {
            out.clear();
            ascii::encode_get(&mut out, [black_box(KEY)]).unwrap();
            black_box(out.len())
        })
    });
    group.bench_function("set_header", |b| {
        b.iter(|| {
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
            black_box(out.len())
        })
    });
    group.finish();
}

/// `VALUE <key> 0 <len>\r\n<data>\r\n` for one key.
fn value_reply(out: &mut Vec<u8>, key: &[u8], data: &[u8]) {
    out.extend_from_slice(b"VALUE ");
    out.extend_from_slice(key);
    out.extend_from_slice(format!(" 0 {}\r\n", data.len()).as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// Parses every response in `buf`, returning how many there were.
fn parse_all(parser: &ascii::Parser, mut buf: &[u8]) -> usize {
    let mut n = 0;
    while let Some((response, used)) = parser.parse(buf).unwrap() {
        black_box(&response);
        buf = &buf[used..];
        n += 1;
    }
    n
}

fn parse_ascii(c: &mut Criterion) {
    let parser = ascii::Parser::default();
    let mut group = c.benchmark_group("ascii_parse");

    let mut single = Vec::new();
    value_reply(&mut single, KEY, &value(1024));
    single.extend_from_slice(b"END\r\n");
    group.throughput(Throughput::Bytes(single.len() as u64));
    group.bench_function("value_1KiB", |b| {
        b.iter(|| parse_all(&parser, black_box(&single)))
    });

    let mut multi = Vec::new();
    for i in 0..100 {
        let key = format!("{}{i:04}", std::str::from_utf8(&KEY[..60]).unwrap());
        value_reply(&mut multi, key.as_bytes(), &value(1024));
    }
    multi.extend_from_slice(b"END\r\n");
    group.throughput(Throughput::Bytes(multi.len() as u64));
    group.bench_function("multiget_100x1KiB", |b| {
        b.iter(|| parse_all(&parser, black_box(&multi)))
    });
    group.finish();
}

fn parse_binary(c: &mut Criterion) {
    let parser = binary::Parser::default();
    let data = value(1024);
    let extras = 0u32.to_be_bytes();
    let body_len = (extras.len() + data.len()) as u32;
    let mut reply = vec![0x81, 0x00, 0, 0, extras.len() as u8, 0, 0, 0];
    reply.extend_from_slice(&body_len.to_be_bytes());
    reply.extend_from_slice(&7u32.to_be_bytes());
    reply.extend_from_slice(&1u64.to_be_bytes());
    reply.extend_from_slice(&extras);
    reply.extend_from_slice(&data);

    let mut group = c.benchmark_group("binary_parse");
    group.throughput(Throughput::Bytes(reply.len() as u64));
    group.bench_function("get_hit_1KiB", |b| {
        b.iter(|| {
            let (response, used) = parser.parse(black_box(&reply)).unwrap().unwrap();
            black_box((response.value.len(), used))
        })
    });
    group.finish();
}

/// The requests the engine sends in the meta protocol.
fn encode_meta(c: &mut Criterion) {
    use meta::Flag;
    let mut group = c.benchmark_group("meta_encode");
    group.throughput(Throughput::Elements(1));
    let mut out = Vec::with_capacity(512);
    group.bench_function("get", |b| {
        b.iter(|| {
            out.clear();
            let flags = [Flag::ReturnValue, Flag::ReturnKey, Flag::Opaque(b"4242")];
            meta::encode_get(&mut out, black_box(KEY), &flags).unwrap();
            black_box(out.len())
        })
    });
    group.bench_function("set_header", |b| {
        b.iter(|| {
            out.clear();
            let flags = [
                Flag::Ttl(black_box(60)),
                Flag::SetFlags(0),
                Flag::Opaque(b"4242"),
            ];
            meta::encode_set(&mut out, black_box(KEY), black_box(1024), &flags).unwrap();
            black_box(out.len())
        })
    });
    group.finish();
}

/// `VA <len> k<key> O<opaque>\r\n<data>\r\n`.
fn meta_value(out: &mut Vec<u8>, key: &[u8], opaque: usize, data: &[u8]) {
    out.extend_from_slice(format!("VA {} k", data.len()).as_bytes());
    out.extend_from_slice(key);
    out.extend_from_slice(format!(" O{opaque}\r\n").as_bytes());
    out.extend_from_slice(data);
    out.extend_from_slice(b"\r\n");
}

/// The replies the engine reads in the meta protocol, beside the text
/// protocol's (`ascii_parse`) for the same values.
fn parse_meta(c: &mut Criterion) {
    let parser = meta::Parser::default();
    let parse_all = |mut buf: &[u8]| {
        let mut n = 0;
        while let Some((response, used)) = parser.parse(buf).unwrap() {
            black_box(&response);
            buf = &buf[used..];
            n += 1;
        }
        n
    };
    let mut group = c.benchmark_group("meta_parse");
    let mut single = Vec::new();
    meta_value(&mut single, KEY, 4242, &value(1024));
    group.throughput(Throughput::Bytes(single.len() as u64));
    group.bench_function("value_1KiB", |b| b.iter(|| parse_all(black_box(&single))));

    let mut multi = Vec::new();
    for i in 0..100 {
        let key = format!("{}{i:04}", std::str::from_utf8(&KEY[..60]).unwrap());
        meta_value(&mut multi, key.as_bytes(), i, &value(1024));
    }
    multi.extend_from_slice(b"MN\r\n");
    group.throughput(Throughput::Bytes(multi.len() as u64));
    group.bench_function("multiget_100x1KiB", |b| {
        b.iter(|| parse_all(black_box(&multi)))
    });
    group.finish();
}

criterion_group!(
    benches,
    encode,
    encode_meta,
    parse_ascii,
    parse_meta,
    parse_binary
);
criterion_main!(benches);
