//! The tasks a generator has outstanding: a fixed set of records, one per
//! task that may be in flight at once (`--depth`), reused without
//! allocating.

use crate::item::{Entry, Item};
use crate::task::{MAX_DEPTH, SetKind, TaskId};

/// A set in flight: the window changes only once it is stored.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PendingSet {
    pub slot: usize,
    pub item: Item,
    /// For a walking set, the cursor it was issued at (the cursor moved on
    /// when it was issued).
    pub walk: Option<u64>,
    pub kind: SetKind,
    /// Whether it stores the window before a run without sets.
    pub warmup: bool,
}

/// What one record holds.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Record {
    Free,
    Set(PendingSet),
    /// A get of one key, kept in the record: what its answer is judged by
    /// is loaded with the record.
    GetOne(Entry),
    /// A get of the keys in its batch.
    Get,
}

/// The records, the keys of each get and which ones are free.
#[derive(Debug)]
pub(crate) struct Flights {
    records: Box<[Record]>,
    batches: Box<[Vec<Entry>]>,
    /// Free record indices, the next one to use last.
    free: Vec<u16>,
    /// Whether gets may have more than one key (in a batch).
    batched: bool,
}

impl Flights {
    /// Room for `depth` tasks (1..=[`MAX_DEPTH`]) of up to `division` keys.
    pub fn new(depth: usize, division: usize) -> Flights {
        let depth = depth.clamp(1, MAX_DEPTH);
        let batched = division > 1;
        // A one-key get keeps its key in its record: no batch is made.
        let room = if batched { division } else { 0 };
        Flights {
            records: vec![Record::Free; depth].into_boxed_slice(),
            batches: (0..depth).map(|_| Vec::with_capacity(room)).collect(),
            free: (0..depth as u16).rev().collect(),
            batched,
        }
    }

    /// How many tasks may be outstanding at once.
    pub fn depth(&self) -> usize {
        self.records.len()
    }

    /// How many are.
    pub fn outstanding(&self) -> usize {
        self.records.len() - self.free.len()
    }

    /// The id the next task will get, if a record is free.
    pub fn next_free(&self) -> Option<TaskId> {
        self.free
            .last()
            .copied()
            .map(|i| TaskId::new(usize::from(i)))
    }

    /// Takes the record `next_free` named and fills it.
    pub fn take(&mut self, id: TaskId, record: Record) {
        if self.free.last().map(|&i| usize::from(i)) == Some(id.index()) {
            self.free.pop();
        }
        if let Some(slot) = self.records.get_mut(id.index()) {
            *slot = record;
        }
    }

    /// The record of `id`.
    pub fn get(&self, id: TaskId) -> Option<Record> {
        self.records.get(id.index()).copied()
    }

    /// Frees `id`'s record, returning what it held.
    pub fn release(&mut self, id: TaskId) -> Option<Record> {
        let slot = self.records.get_mut(id.index())?;
        let record = std::mem::replace(slot, Record::Free);
        if !matches!(record, Record::Free) {
            self.free.push(id.index() as u16);
        }
        Some(record)
    }

    /// Frees `id`'s record if it holds a get (of one key or more).
    #[inline]
    pub fn release_get(&mut self, id: TaskId) {
        if let Some(slot @ (Record::Get | Record::GetOne(_))) = self.records.get_mut(id.index()) {
            *slot = Record::Free;
            self.free.push(id.index() as u16);
        }
    }

    /// Starts loading `id`'s record, and when gets may have several keys,
    /// its batch's header and first key.
    #[inline]
    pub fn prefetch(&self, id: TaskId) {
        if let Some(record) = self.records.get(id.index()) {
            crate::prefetch::prefetch(record);
        }
        if !self.batched {
            return;
        }
        if let Some(batch) = self.batches.get(id.index()) {
            crate::prefetch::prefetch(batch);
            if let Some(first) = batch.first() {
                crate::prefetch::prefetch(first);
            }
        }
    }

    /// The keys of the get `id` (empty for another record).
    #[inline]
    pub fn batch(&self, id: TaskId) -> &[Entry] {
        match self.records.get(id.index()) {
            Some(Record::GetOne(entry)) => std::slice::from_ref(entry),
            Some(Record::Get) => self.batches.get(id.index()).map_or(&[], |b| b.as_slice()),
            _ => &[],
        }
    }

    /// The key list to fill for a get about to take record `id`.
    pub fn batch_mut(&mut self, id: TaskId) -> Option<&mut Vec<Entry>> {
        self.batches.get_mut(id.index())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A prefetch is a hint: of any id, in flight, free or past the
    /// records, it changes nothing.
    #[test]
    fn a_prefetch_changes_nothing() {
        let mut f = Flights::new(2, 1);
        let a = f.next_free().unwrap();
        f.take(a, Record::Get);
        for index in [0, 1, 2, 500] {
            f.prefetch(TaskId::new(index));
        }
        assert_eq!(f.outstanding(), 1);
        assert!(matches!(f.get(a), Some(Record::Get)));
        assert_eq!(f.next_free(), Some(TaskId::new(1)));
    }

    #[test]
    fn records_are_reused_without_growing() {
        let mut f = Flights::new(3, 2);
        assert_eq!((f.depth(), f.outstanding()), (3, 0));
        let a = f.next_free().unwrap();
        f.take(a, Record::Get);
        let b = f.next_free().unwrap();
        f.take(b, Record::Get);
        let c = f.next_free().unwrap();
        f.take(c, Record::Get);
        assert_eq!([a.index(), b.index(), c.index()], [0, 1, 2]);
        assert_eq!(f.next_free(), None);
        assert!(matches!(f.release(b), Some(Record::Get)));
        assert!(matches!(f.release(b), Some(Record::Free)));
        assert_eq!(f.outstanding(), 2);
        assert_eq!(f.next_free(), Some(b));
        assert_eq!(f.free.capacity(), 3);
    }

    /// A one-key get's key is its record's, and goes with it.
    #[test]
    fn a_one_key_get_keeps_its_key_in_the_record() {
        let mut f = Flights::new(2, 1);
        let entry = Entry {
            slot: 7,
            item: Item::fresh(42, 3, false),
            key: crate::keyspace::KeyParts::default(),
            check: crate::task::Check::Data,
        };
        let a = f.next_free().unwrap();
        f.take(a, Record::GetOne(entry));
        f.prefetch(a);
        assert_eq!(f.batch(a), &[entry]);
        assert!(matches!(f.release(a), Some(Record::GetOne(e)) if e == entry));
        assert_eq!(f.batch(a), &[]);
        assert_eq!(f.outstanding(), 0);
    }

    /// `release_get` frees a get's record, of one key or more, once, and
    /// leaves any other record as it is.
    #[test]
    fn release_get_frees_gets_alone() {
        let mut f = Flights::new(3, 2);
        let a = f.next_free().unwrap();
        f.take(a, Record::Get);
        let b = f.next_free().unwrap();
        let entry = Entry {
            slot: 0,
            item: Item::fresh(1, 0, false),
            key: crate::keyspace::KeyParts::default(),
            check: crate::task::Check::None,
        };
        f.take(b, Record::GetOne(entry));
        let c = f.next_free().unwrap();
        let set = PendingSet {
            slot: 0,
            item: Item::fresh(2, 0, false),
            walk: None,
            kind: SetKind::New,
            warmup: false,
        };
        f.take(c, Record::Set(set));
        f.release_get(a);
        f.release_get(a);
        f.release_get(b);
        f.release_get(c);
        f.release_get(TaskId::new(500));
        assert_eq!(f.outstanding(), 1);
        assert!(matches!(f.get(a), Some(Record::Free)));
        assert!(matches!(f.get(b), Some(Record::Free)));
        assert!(matches!(f.get(c), Some(Record::Set(_))));
        assert_eq!(f.free.len(), 2);
    }

    /// A one-key get kept in its record makes no record larger than a set.
    #[test]
    fn a_record_takes_at_most_forty_bytes() {
        assert!(size_of::<Record>() <= 40, "{}", size_of::<Record>());
    }

    #[test]
    fn depth_is_bounded() {
        assert_eq!(Flights::new(0, 1).depth(), 1);
        assert_eq!(Flights::new(5000, 1).depth(), MAX_DEPTH);
    }
}
