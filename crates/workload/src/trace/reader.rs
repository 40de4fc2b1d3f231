//! A trace read as a stream of [`Record`]s with bounded memory: the file
//! (decompressed on the fly when its name ends in `.zst`) goes through one
//! reused buffer, CSV lines or `oracleGeneral` records at a time, never
//! whole.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use super::record::{ORACLE_LEN, OracleRecord, Record, parse_csv};
use super::{TraceConfig, TraceError, TraceFormat};

/// Bytes the reader's buffer holds; a CSV line may not be longer.
const BUFFER: usize = 256 << 10;

/// Reads a trace's records in order.
pub struct TraceReader {
    input: Box<dyn Read + Send>,
    path: String,
    format: TraceFormat,
    skip_bad: bool,
    buf: Box<[u8]>,
    start: usize,
    end: usize,
    eof: bool,
    /// Lines (CSV) or records (`oracleGeneral`) read so far.
    position: u64,
    skipped: u64,
}

impl TraceReader {
    /// Opens the trace `config` names.
    ///
    /// # Errors
    /// [`TraceError::Open`] when the file cannot be opened or its zstd
    /// stream cannot start.
    pub fn open(config: &TraceConfig) -> Result<TraceReader, TraceError> {
        let path = config.path.display().to_string();
        let open_error = |e: std::io::Error| TraceError::Open {
            path: path.clone(),
            error: e.to_string(),
        };
        let file = File::open(&config.path).map_err(open_error)?;
        let input: Box<dyn Read + Send> = if is_zstd(&config.path) {
            Box::new(zstd::stream::read::Decoder::new(file).map_err(open_error)?)
        } else {
            Box::new(BufReader::new(file))
        };
        Ok(TraceReader::from_reader(
            input,
            path,
            config.format,
            config.skip_bad,
        ))
    }

    /// Reads a trace of `format` from `input` (not decompressed), named
    /// `name` in errors; `skip_bad` as [`TraceConfig::skip_bad`].
    ///
    /// ```
    /// use memaslap_workload::{TraceFormat, TraceReader};
    /// let lines = &b"0,k1,3,10,1,set,0\n1,k1,3,0,1,get,0\n"[..];
    /// let mut reader = TraceReader::from_reader(Box::new(lines), "lines".into(), TraceFormat::Csv, false);
    /// assert_eq!(reader.next_record()?.map(|r| r.value_size), Some(10));
    /// assert_eq!(reader.next_record()?.map(|r| r.time), Some(1.0));
    /// assert_eq!(reader.next_record()?, None);
    /// # Ok::<(), memaslap_workload::TraceError>(())
    /// ```
    pub fn from_reader(
        input: Box<dyn Read + Send>,
        name: String,
        format: TraceFormat,
        skip_bad: bool,
    ) -> TraceReader {
        TraceReader {
            input,
            path: name,
            format,
            skip_bad,
            buf: vec![0; BUFFER].into_boxed_slice(),
            start: 0,
            end: 0,
            eof: false,
            position: 0,
            skipped: 0,
        }
    }

    /// Malformed lines skipped so far (`--trace-skip-bad`).
    pub fn skipped(&self) -> u64 {
        self.skipped
    }

    /// The next record, `None` at the end of the trace.
    ///
    /// # Errors
    /// [`TraceError::Read`] when the file cannot be read;
    /// [`TraceError::Line`] for a malformed CSV line (unless skipped) or
    /// a truncated `oracleGeneral` record.
    pub fn next_record(&mut self) -> Result<Option<Record>, TraceError> {
        loop {
            let found = match self.format {
                TraceFormat::Csv => self.next_csv()?,
                TraceFormat::OracleGeneral => self.next_oracle()?,
            };
            match found {
                Next::Record(record) => return Ok(Some(record)),
                Next::Skip => {}
                Next::End => return Ok(None),
            }
        }
    }

    fn next_csv(&mut self) -> Result<Next, TraceError> {
        let Some(line) = self.line()? else {
            return Ok(Next::End);
        };
        self.position += 1;
        let (start, end) = line;
        let text = self.buf.get(start..end).unwrap_or_default();
        if text.is_empty() || text == b"\r" {
            return Ok(Next::Skip);
        }
        match parse_csv(text) {
            Ok(record) => Ok(Next::Record(record)),
            Err(_) if self.skip_bad => {
                self.skipped += 1;
                Ok(Next::Skip)
            }
            Err(what) => Err(self.line_error(what)),
        }
    }

    /// The bounds of the next line in the buffer (without its `\n`), or
    /// `None` at the end.
    fn line(&mut self) -> Result<Option<(usize, usize)>, TraceError> {
        let mut searched = self.start;
        loop {
            let window = self.buf.get(searched..self.end).unwrap_or_default();
            if let Some(at) = memchr::memchr(b'\n', window) {
                let line = (self.start, searched + at);
                self.start = searched + at + 1;
                return Ok(Some(line));
            }
            if self.eof {
                if self.start == self.end {
                    return Ok(None);
                }
                let line = (self.start, self.end);
                self.start = self.end;
                return Ok(Some(line));
            }
            let scanned = self.end - self.start;
            if !self.refill()? {
                self.position += 1;
                return Err(self.line_error(format!("a line longer than {BUFFER} bytes")));
            }
            searched = self.start + scanned;
        }
    }

    fn next_oracle(&mut self) -> Result<Next, TraceError> {
        while self.end - self.start < ORACLE_LEN {
            if self.eof {
                if self.start == self.end {
                    return Ok(Next::End);
                }
                self.position += 1;
                let left = self.end - self.start;
                return Err(
                    self.line_error(format!("a truncated record: {left} bytes of {ORACLE_LEN}"))
                );
            }
            self.refill()?;
        }
        let bytes = self
            .buf
            .get(self.start..self.start + ORACLE_LEN)
            .unwrap_or_default();
        let record: &OracleRecord = bytemuck::from_bytes(bytes);
        let record = record.record();
        self.start += ORACLE_LEN;
        self.position += 1;
        Ok(record.map_or(Next::Skip, Next::Record))
    }

    /// Moves what is left to the front and reads more; false when the
    /// buffer is full of one unfinished line. Sets `eof` at the end.
    fn refill(&mut self) -> Result<bool, TraceError> {
        if self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let Some(room) = self.buf.get_mut(self.end..) else {
            return Ok(false);
        };
        if room.is_empty() {
            return Ok(false);
        }
        let read = loop {
            match self.input.read(room) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(TraceError::Read {
                        path: self.path.clone(),
                        error: e.to_string(),
                    });
                }
            }
        };
        self.end += read;
        self.eof = read == 0;
        Ok(true)
    }

    fn line_error(&self, what: String) -> TraceError {
        TraceError::Line {
            path: self.path.clone(),
            unit: match self.format {
                TraceFormat::Csv => "line",
                TraceFormat::OracleGeneral => "record",
            },
            number: self.position,
            what,
        }
    }
}

/// What the next step of reading found.
enum Next {
    Record(Record),
    Skip,
    End,
}

/// Whether `path` names a zstd-compressed file.
fn is_zstd(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "zst")
}
