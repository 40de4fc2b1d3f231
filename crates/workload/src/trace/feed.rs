//! One worker thread's reader of a trace: it reads the records in order
//! and hands each to the source of its connection, if that connection is
//! one of the thread's, waiting (holding the record) while that source's
//! queue is full.

use super::reader::TraceReader;
use super::record::Record;
use super::{Trace, TraceError};

/// What the feed hands a connection's source.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Delivery {
    /// A record for it.
    Record(Record),
    /// The trace ended: nothing more will come.
    End,
}

/// Reads a trace for the connections `first .. first + count` (of all).
pub struct TraceFeed {
    reader: TraceReader,
    first: u32,
    count: u32,
    /// A record its source had no room for yet, with its connection.
    held: Option<(usize, Record)>,
    ended: bool,
    error: Option<TraceError>,
}

impl TraceFeed {
    pub(crate) fn new(reader: TraceReader, first: u32, count: u32) -> TraceFeed {
        TraceFeed {
            reader,
            first,
            count,
            held: None,
            ended: false,
            error: None,
        }
    }

    /// Whether the trace has ended (every source was told).
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// The error that ended the trace early, if one did.
    pub fn error(&self) -> Option<&TraceError> {
        self.error.as_ref()
    }

    /// Hands records to `deliver(local connection, delivery)` until one
    /// finds its source full (`deliver` returns false; the record is held
    /// for the next call) or the trace ends (every local connection is
    /// then told [`Delivery::End`]). A read error ends the trace; it is
    /// kept for [`TraceFeed::error`].
    pub fn fill(&mut self, trace: &Trace, mut deliver: impl FnMut(usize, Delivery) -> bool) {
        if self.ended {
            return;
        }
        if let Some((local, record)) = self.held.take()
            && !deliver(local, Delivery::Record(record))
        {
            self.held = Some((local, record));
            return;
        }
        loop {
            let record = match self.reader.next_record() {
                Ok(Some(record)) => record,
                Ok(None) => break,
                Err(e) => {
                    self.error = Some(e);
                    break;
                }
            };
            let Some(local) = trace
                .route(&record)
                .checked_sub(self.first)
                .filter(|&l| l < self.count)
            else {
                continue;
            };
            let local = local as usize;
            if !deliver(local, Delivery::Record(record)) {
                self.held = Some((local, record));
                return;
            }
        }
        self.ended = true;
        for local in 0..self.count as usize {
            deliver(local, Delivery::End);
        }
    }
}

impl std::fmt::Debug for TraceFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TraceFeed")
            .field("first", &self.first)
            .field("count", &self.count)
            .field("ended", &self.ended)
            .finish_non_exhaustive()
    }
}
