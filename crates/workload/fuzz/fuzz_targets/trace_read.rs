//! Feeds arbitrary bytes to the trace reader as a CSV trace or an
//! `oracleGeneral` one (the first byte chooses, and whether malformed lines
//! are skipped). Nothing may panic; every record read has a timestamp that
//! is finite and not negative; a CSV trace yields no more records and
//! skipped lines than it has lines, an `oracleGeneral` one no more than its
//! 24-byte records; reading stops at the end or at the first error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use memaslap_workload::{TraceFormat, TraceReader};

fuzz_target!(|data: &[u8]| {
    let Some((&choice, trace)) = data.split_first() else {
        return;
    };
    let format = if choice & 1 == 0 {
        TraceFormat::Csv
    } else {
        TraceFormat::OracleGeneral
    };
    let skip_bad = choice & 2 != 0;
    let most = match format {
        TraceFormat::Csv => trace.iter().filter(|&&b| b == b'\n').count() + 1,
        TraceFormat::OracleGeneral => trace.len() / 24,
    };
    let input = Box::new(std::io::Cursor::new(trace.to_vec()));
    let mut reader = TraceReader::from_reader(input, "fuzz".into(), format, skip_bad);
    let mut records = 0;
    while let Ok(Some(record)) = reader.next_record() {
        assert!(record.time.is_finite() && record.time >= 0.0);
        records += 1;
        assert!(records <= most);
    }
    assert!(records + reader.skipped() as usize <= most);
});
