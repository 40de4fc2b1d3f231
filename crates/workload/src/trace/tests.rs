use super::*;
use crate::command::Command;
use crate::source::Source;
use crate::task::{GetKeys, KeyOp, SetKind, SetOutcome, Store, Task};
use record::OracleRecord;
use std::io::Write;
use std::time::{Duration, Instant};

/// A file under the temporary directory holding `bytes`, removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str, bytes: &[u8]) -> TempFile {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("trace-{}-{n}-{name}", std::process::id()));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(bytes)
            .unwrap();
        TempFile(path)
    }

    fn config(&self, format: TraceFormat, skip_bad: bool) -> TraceConfig {
        TraceConfig {
            path: self.0.clone(),
            format,
            skip_bad,
        }
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

fn read_all(config: &TraceConfig) -> Result<Vec<Record>, TraceError> {
    let mut reader = TraceReader::open(config)?;
    let mut out = Vec::new();
    while let Some(r) = reader.next_record()? {
        out.push(r);
    }
    Ok(out)
}

const CSV: &str =
    "0,k1,10,0,1,get,0\n0.5,k2,20,100,2,set,60\r\n\n1.25,k1,10,5,1,cas,0\n3,k3,12,0,3,delete,0";

#[test]
fn csv_traces_stream_plain_and_zstd_alike() {
    let plain = TempFile::new("t.csv", CSV.as_bytes());
    let records = read_all(&plain.config(TraceFormat::Csv, false)).unwrap();
    assert_eq!(records.len(), 4);
    assert_eq!(records[1].time, 0.5);
    assert_eq!(records[1].ttl, 60);
    assert_eq!(records[3].command, Command::Delete);
    let packed = zstd::encode_all(CSV.as_bytes(), 3).unwrap();
    let zst = TempFile::new("t.csv.zst", &packed);
    assert_eq!(
        read_all(&zst.config(TraceFormat::Csv, false)).unwrap(),
        records
    );
    let summary = scan(&zst.config(TraceFormat::Csv, false)).unwrap();
    assert_eq!(summary.requests, 4);
    assert_eq!(
        (summary.first, summary.last, summary.span()),
        (0.0, 3.0, 3.0)
    );
    assert_eq!(summary.by_command[Command::Get.index()], 1);
    assert_eq!(summary.by_command[Command::Cas.index()], 1);
}

#[test]
fn a_long_trace_goes_through_the_buffer_in_pieces() {
    let mut text = String::new();
    for i in 0..40_000 {
        text.push_str(&format!(
            "{},key-{i},20,{},{},set,0\n",
            i / 1000,
            i % 700,
            i % 13
        ));
    }
    let file = TempFile::new("long.csv", text.as_bytes());
    let records = read_all(&file.config(TraceFormat::Csv, false)).unwrap();
    assert_eq!(records.len(), 40_000);
    assert_eq!(records[39_999].value_size, 39_999 % 700);
    assert_eq!(records[12_345].client, 12_345 % 13);
}

#[test]
fn malformed_lines_name_their_line_or_are_skipped_and_counted() {
    let bad = "0,k1,10,0,1,get,0\n0,k2,10,0,1,fetch,0\n0,k3,10,0,1,get,0\n";
    let file = TempFile::new("bad.csv", bad.as_bytes());
    let e = read_all(&file.config(TraceFormat::Csv, false)).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("line 2: 'fetch' is not an operation"),
        "{text}"
    );
    assert!(text.contains("bad.csv"), "{text}");
    let mut reader = TraceReader::open(&file.config(TraceFormat::Csv, true)).unwrap();
    let mut n = 0;
    while reader.next_record().unwrap().is_some() {
        n += 1;
    }
    assert_eq!((n, reader.skipped()), (2, 1));
    let empty = TempFile::new("empty.csv", b"\n\n");
    assert!(matches!(
        scan(&empty.config(TraceFormat::Csv, false)),
        Err(TraceError::Empty { .. })
    ));
    let missing = TraceConfig {
        path: "/nonexistent/trace.csv".into(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    assert!(
        scan(&missing)
            .unwrap_err()
            .to_string()
            .contains("/nonexistent/trace.csv")
    );
}

fn oracle_bytes(records: &[OracleRecord]) -> Vec<u8> {
    bytemuck::cast_slice(records).to_vec()
}

#[test]
fn oracle_general_records_are_gets_and_size_0_is_skipped() {
    let records = [
        OracleRecord::new(0, 7, 100),
        OracleRecord::new(1, 8, 0),
        OracleRecord::new(2, 7, 100),
    ];
    let bytes = oracle_bytes(&records);
    let file = TempFile::new("t.oracleGeneral", &bytes);
    let got = read_all(&file.config(TraceFormat::OracleGeneral, false)).unwrap();
    assert_eq!(got.len(), 2);
    assert!(
        got.iter()
            .all(|r| r.command == Command::Get && r.object == 7)
    );
    let zst = TempFile::new(
        "t.oracleGeneral.zst",
        &zstd::encode_all(&bytes[..], 1).unwrap(),
    );
    assert_eq!(
        read_all(&zst.config(TraceFormat::OracleGeneral, false)).unwrap(),
        got
    );
    // A truncated last record is an error naming it.
    let cut = TempFile::new("cut.oracleGeneral", &bytes[..bytes.len() - 5]);
    let e = read_all(&cut.config(TraceFormat::OracleGeneral, false)).unwrap_err();
    assert!(
        e.to_string()
            .contains("record 3: a truncated record: 19 bytes of 24"),
        "{e}"
    );
}

#[test]
fn the_feed_routes_each_client_to_one_connection_in_order() {
    let mut text = String::new();
    for i in 0..3000 {
        text.push_str(&format!("{i},k{i},16,0,{},get,0\n", i % 10));
    }
    let file = TempFile::new("route.csv", text.as_bytes());
    let config = file.config(TraceFormat::Csv, false);
    let trace = Trace::new(&config, b"", 0.0, 4);
    // Thread 1 of 2 serves connections 2 and 3.
    let mut feed = trace.feed(2, 2).unwrap();
    let mut got: Vec<Vec<Record>> = vec![Vec::new(), Vec::new()];
    let mut ends = 0;
    let mut calls = 0;
    while !feed.ended() {
        calls += 1;
        // Each call takes at most 100 records per connection.
        let mut taken = [0; 2];
        feed.fill(&trace, |local, delivery| match delivery {
            Delivery::End => {
                ends += 1;
                true
            }
            Delivery::Record(r) if taken[local] < 100 => {
                taken[local] += 1;
                got[local].push(r);
                true
            }
            Delivery::Record(_) => false,
        });
    }
    assert!(calls > 3);
    assert_eq!(ends, 2);
    for (local, records) in got.iter().enumerate() {
        assert!(!records.is_empty());
        assert!(records.iter().all(|r| trace.route(r) == 2 + local as u32));
        assert!(records.windows(2).all(|w| w[0].time < w[1].time));
    }
    let all: usize = got.iter().map(Vec::len).sum();
    let theirs = (0..10u64)
        .filter(|&c| {
            trace.route(&Record {
                client: c,
                ..got[0][0]
            }) >= 2
        })
        .count();
    assert_eq!(all, theirs * 300);
}

fn record(command: Command, object: u64, time: f64) -> Record {
    Record {
        time,
        object,
        key_size: 30,
        value_size: 200,
        client: 1,
        command,
        ttl: 9,
    }
}

#[test]
fn a_source_turns_records_into_tasks_when_due() {
    let config = TraceConfig {
        path: "unused".into(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    let trace = Trace::new(&config, b"", 10.0, 1);
    let mut source = TraceSource::new(&trace);
    let now = Instant::now();
    assert_eq!(source.next_due(), None);
    for (command, time) in [
        (Command::Gets, 10.0),
        (Command::Cas, 10.5),
        (Command::Incr, 12.0),
        (Command::Touch, 13.0),
    ] {
        assert!(source.deliver(Delivery::Record(record(command, 42, time))));
    }
    assert!(source.deliver(Delivery::End));
    assert!(!source.is_done());
    assert_eq!(source.next_due(), Some(Duration::ZERO));
    let (id, task) = source.issue().unwrap();
    let Task::Get(batch) = task else { panic!() };
    assert_eq!(batch.len(), 1);
    assert_eq!(batch.get(0).unwrap().key.len(), 30);
    source.saw_cas(id, 0, 777);
    source.finish_get(id);
    assert_eq!(source.next_due(), Some(Duration::from_millis(500)));
    let (id, Task::Set(set)) = source.issue().unwrap() else {
        panic!()
    };
    assert_eq!(
        (set.store, set.exptime, set.value.len()),
        (Store::Cas(777), 9, 200)
    );
    source.complete_set(id, SetOutcome::Stored, now);
    let (id, Task::Key(incr)) = source.issue().unwrap() else {
        panic!()
    };
    assert_eq!(incr.op, KeyOp::Incr(1));
    let object_key = trace.key(&record(Command::Get, 42, 0.0));
    assert_ne!(incr.key, object_key, "a counter is named apart");
    source.complete_key(id, crate::task::KeyOutcome::Hit, now);
    let (id, Task::Key(touch)) = source.issue().unwrap() else {
        panic!()
    };
    assert_eq!((touch.op, touch.key), (KeyOp::Touch(9), object_key));
    source.complete_key(id, crate::task::KeyOutcome::Miss, now);
    assert!(source.is_done());
    assert!(source.issue().is_none());
}

#[test]
fn a_miss_of_an_oracle_get_is_filled_before_the_next_record() {
    let config = TraceConfig {
        path: "unused".into(),
        format: TraceFormat::OracleGeneral,
        skip_bad: false,
    };
    let trace = Trace::new(&config, b"", 0.0, 1);
    let mut source = TraceSource::new(&trace);
    let now = Instant::now();
    let get = |object| Record {
        key_size: 0,
        value_size: 1234,
        ..record(Command::Get, object, 0.0)
    };
    source.deliver(Delivery::Record(get(5)));
    source.deliver(Delivery::Record(get(6)));
    let (id, Task::Get(_)) = source.issue().unwrap() else {
        panic!()
    };
    assert_eq!(
        source.check_get(id, 0, None, now),
        Some(crate::task::Verdict::Unchecked)
    );
    source.finish_get(id);
    let (id, Task::Set(fill)) = source.issue().unwrap() else {
        panic!("a fill")
    };
    assert_eq!(
        (fill.kind, fill.store, fill.value.len()),
        (SetKind::Fill, Store::Set, 1234)
    );
    assert_eq!(fill.key.len(), 16);
    source.complete_set(id, SetOutcome::Stored, now);
    // A hit needs no fill.
    let (id, Task::Get(_)) = source.issue().unwrap() else {
        panic!()
    };
    source.check_get(id, 0, Some(b"x"), now);
    source.finish_get(id);
    assert!(source.issue().is_none());
}
