//! One connection's replay: the records its thread's feed handed it, in
//! order, each turned into a task when it falls due.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::time::{Duration, Instant};

use super::Trace;
use super::feed::Delivery;
use super::record::Record;
use crate::command::Command;
use crate::slots::{Place, Slots};
use crate::source::Source;
use crate::task::{
    Check, GetEntry, GetKeys, Key, KeyOp, KeyOutcome, KeyTask, Op, Retrieve, SetKind, SetOutcome,
    SetTask, Store, Task, TaskId, Verdict,
};
use crate::uniques::Uniques;

/// Records a connection holds before its feed waits.
const QUEUE: usize = 1024;
/// The unique of a `cas` whose object's unique is unknown: it matches
/// nothing memcached hands out, so the cas is refused as memcached
/// refuses a stale one.
const UNKNOWN_UNIQUE: u64 = u64::MAX;

/// What one task slot holds; a get its key too, built once when the get
/// is issued (the reply's check compares it again).
#[derive(Debug, Clone, Copy)]
enum Slot<'w> {
    Free,
    Get(Record, Retrieve, Key<'w>),
    Set(Record, Store, SetKind),
    Key(Record, KeyOp),
}

impl Place for Slot<'_> {
    fn free() -> Self {
        Slot::Free
    }

    fn is_free(&self) -> bool {
        matches!(self, Slot::Free)
    }
}

/// One connection's source of a trace replay: a bounded queue its feed
/// fills ([`TraceSource::deliver`]), the records turned into tasks in
/// order. A record's time is when it is due ([`Source::next_due`]); the
/// engine's schedule decides whether to wait for it.
pub struct TraceSource<'w> {
    trace: &'w Trace,
    /// The records handed over, each with when it is due on the trace's
    /// clock (converted once, on delivery: it is asked for on every
    /// attempt to issue).
    queue: VecDeque<(Record, Duration)>,
    ended: bool,
    slots: Slots<Slot<'w>>,
    /// (object, cas unique) of recent `gets` hits, the latest last.
    uniques: Uniques,
    /// Whether the get being answered missed (for its demand fill).
    missed: Cell<bool>,
    /// A demand fill to send before the next record.
    fill: Option<Record>,
}

impl<'w> TraceSource<'w> {
    /// An empty source of `trace`, one task outstanding at a time.
    pub fn new(trace: &'w Trace) -> TraceSource<'w> {
        TraceSource {
            trace,
            queue: VecDeque::with_capacity(QUEUE),
            ended: false,
            slots: Slots::new(1),
            uniques: Uniques::new(),
            missed: Cell::new(false),
            fill: None,
        }
    }

    /// The same source allowing up to `depth` outstanding tasks
    /// (1..=[`MAX_DEPTH`](crate::MAX_DEPTH), clamped); call it before the
    /// first task.
    pub fn with_depth(mut self, depth: usize) -> TraceSource<'w> {
        self.slots = Slots::new(depth);
        self
    }

    /// Takes what the feed hands over; false (and nothing taken) when the
    /// queue is full.
    fn take_delivery(&mut self, delivery: Delivery) -> bool {
        match delivery {
            Delivery::End => {
                self.ended = true;
                true
            }
            Delivery::Record(_) if self.queue.len() >= QUEUE => false,
            Delivery::Record(record) => {
                // Below 2^53 s (a timestamp's bound): never out of range.
                let due = Duration::try_from_secs_f64(self.trace.offset(&record))
                    .unwrap_or(Duration::MAX);
                self.queue.push_back((record, due));
                true
            }
        }
    }

    /// The slot a record becomes.
    fn slot(&mut self, record: Record) -> Slot<'w> {
        let unique = match record.command {
            Command::Cas => self.uniques.take(record.object).unwrap_or(UNKNOWN_UNIQUE),
            _ => 0,
        };
        match record.command.op(record.ttl, unique, 1) {
            Op::Get(retrieve) => Slot::Get(record, retrieve, self.trace.key(&record)),
            Op::Set(store) => Slot::Set(record, store, SetKind::Overwrite),
            Op::Key(op) => Slot::Key(record, op),
        }
    }

    /// The task in slot `index`, a get's keys wrapped by `keys`.
    #[inline]
    fn task<'g, B>(
        &'g self,
        index: usize,
        keys: impl FnOnce(TraceBatch<'g, 'w>) -> B,
    ) -> Task<'w, B> {
        let trace = self.trace;
        match self.slots.get(index).copied().unwrap_or(Slot::Free) {
            Slot::Set(record, store, kind) => Task::Set(SetTask {
                key: trace.key(&record),
                value: trace.value(&record),
                exptime: record.ttl,
                kind,
                warmup: false,
                store,
            }),
            Slot::Key(record, op) => Task::Key(KeyTask {
                key: match op {
                    KeyOp::Incr(_) | KeyOp::Decr(_) => trace.counter_key(&record),
                    KeyOp::Delete | KeyOp::Touch(_) => trace.key(&record),
                },
                op,
            }),
            Slot::Get(..) | Slot::Free => Task::Get(keys(self.batch(TaskId::new(index)))),
        }
    }

    /// Issues the next task, its get's keys handed to `keys` (a source
    /// that wraps them builds its task in place instead of moving it).
    #[inline]
    pub(crate) fn issue_as<'g, B>(
        &'g mut self,
        keys: impl FnOnce(TraceBatch<'g, 'w>) -> B,
    ) -> Option<(TaskId, Task<'w, B>)> {
        let index = self.issue_index()?;
        Some((TaskId::new(index), self.task(index, keys)))
    }

    /// Takes the next task into its slot; the slot's index.
    fn issue_index(&mut self) -> Option<usize> {
        let free = self.slots.next_free()?;
        let slot = match self.fill.take() {
            Some(record) => Slot::Set(record, Store::Set, SetKind::Fill),
            None => {
                let (record, _) = self.queue.pop_front()?;
                self.slot(record)
            }
        };
        Some(self.slots.fill(free, slot))
    }
}

impl<'w> Source<'w> for TraceSource<'w> {
    type Keys<'g>
        = TraceBatch<'g, 'w>
    where
        Self: 'g;

    fn issue(&mut self) -> Option<(TaskId, Task<'w, TraceBatch<'_, 'w>>)> {
        self.issue_as(|batch| batch)
    }

    fn deliver(&mut self, delivery: Delivery) -> bool {
        self.take_delivery(delivery)
    }

    fn queued(&self) -> usize {
        self.queue.len()
    }

    fn complete_set(&mut self, id: TaskId, _outcome: SetOutcome, _now: Instant) {
        self.slots
            .free_if(id.index(), |slot| matches!(slot, Slot::Set(..)));
    }

    /// Replayed values are not checked; a miss is noted for the demand
    /// fill of `oracleGeneral` traces.
    fn check_get(
        &self,
        id: TaskId,
        index: usize,
        answer: Option<&[u8]>,
        _now: Instant,
    ) -> Option<Verdict> {
        // The get's one key, asked for by place only: building the key
        // itself (`batch(id).get(index)`) would cost its name's encoding.
        if index != 0 || !matches!(self.slots.get(id.index()), Some(Slot::Get(..))) {
            return None;
        }
        if answer.is_none() {
            self.missed.set(true);
        }
        Some(Verdict::Unchecked)
    }

    fn finish_get(&mut self, id: TaskId) {
        let missed = self.missed.replace(false);
        if let Some(&Slot::Get(record, ..)) = self.slots.get(id.index()) {
            if missed && self.trace.fills() {
                self.fill = Some(record);
            }
            self.slots.free_if(id.index(), |_| true);
        }
    }

    fn saw_cas(&mut self, id: TaskId, _index: usize, cas: u64) {
        let Some(&Slot::Get(record, ..)) = self.slots.get(id.index()) else {
            return;
        };
        self.uniques.push(record.object, cas);
    }

    fn complete_key(&mut self, id: TaskId, _outcome: KeyOutcome, _now: Instant) {
        self.slots
            .free_if(id.index(), |slot| matches!(slot, Slot::Key(..)));
    }

    fn batch(&self, id: TaskId) -> TraceBatch<'_, 'w> {
        let (key, retrieve) = match self.slots.get(id.index()) {
            Some(Slot::Get(_, retrieve, key)) => (Some(key), *retrieve),
            _ => (None, Retrieve::Get),
        };
        TraceBatch { key, retrieve }
    }

    fn depth(&self) -> usize {
        self.slots.depth()
    }

    fn outstanding(&self) -> usize {
        self.slots.outstanding()
    }

    fn is_warming_up(&self) -> bool {
        false
    }

    /// A demand fill is due at once; a record at its time in the trace.
    fn next_due(&self) -> Option<Duration> {
        if self.fill.is_some() {
            return Some(Duration::ZERO);
        }
        self.queue.front().map(|&(_, due)| due)
    }

    fn is_done(&self) -> bool {
        self.ended && self.queue.is_empty() && self.fill.is_none()
    }
}

/// The key of a replayed get (one key per get), borrowed from its slot:
/// a reference, so that the engine's batch of any source stays small.
#[derive(Clone, Copy)]
pub struct TraceBatch<'g, 'w> {
    key: Option<&'g Key<'w>>,
    retrieve: Retrieve,
}

impl<'w> GetKeys<'w> for TraceBatch<'_, 'w> {
    fn len(&self) -> usize {
        usize::from(self.key.is_some())
    }

    fn get(&self, index: usize) -> Option<GetEntry<'w>> {
        let key = self.key.filter(|_| index == 0)?;
        Some(GetEntry {
            key: *key,
            expected: &[],
            check: Check::None,
            exptime: 0,
            set_at: None,
        })
    }

    fn retrieve(&self) -> Retrieve {
        self.retrieve
    }
}

impl fmt::Debug for TraceBatch<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter().map(|e| e.key)).finish()
    }
}

impl fmt::Debug for TraceSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TraceSource")
            .field("queued", &self.queue.len())
            .field("ended", &self.ended)
            .field("outstanding", &self.slots.outstanding())
            .finish_non_exhaustive()
    }
}
