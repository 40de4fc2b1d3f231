//! One connection's source of tasks over a keyspace.

use std::fmt;
use std::time::Instant;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;

use super::{Keyspace, KeyspaceBatch};
use crate::command::Command;
use crate::popularity::Popularity;
use crate::seed::{derive_rng, unit};
use crate::slots::{Place, Slots};
use crate::source::Source;
use crate::task::{
    Check, GetKeys, KeyOp, KeyOutcome, KeyTask, Op, Retrieve, SetKind, SetOutcome, SetTask, Store,
    Task, TaskId, Verdict,
};
use crate::uniques::Uniques;
use crate::verify::judge;

/// What one task slot holds.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Free,
    Set(Store),
    Get {
        keys: usize,
        check: Check,
        retrieve: Retrieve,
    },
    Key(KeyOp),
}

impl Place for Slot {
    fn free() -> Slot {
        Slot::Free
    }

    fn is_free(&self) -> bool {
        matches!(self, Slot::Free)
    }
}

/// One connection's source of tasks over a [`Keyspace`]: each task a
/// command drawn by the keyspace's mix (`--mix`, or the get:set ratio),
/// its keys drawn by the keyspace's popularity from the connection's own
/// random stream. A multi-get (`-d`) asks for distinct keys: a key drawn
/// twice for one get is asked once. `incr` and `decr` act on the
/// keyspace's counters, `cas` on the unique of the connection's latest
/// `gets` hit; with none in hand, a `gets` goes instead (and fetches
/// one). Nothing is allocated after construction.
pub struct KeyspaceSource<'w> {
    space: &'w Keyspace,
    rng: Xoshiro256PlusPlus,
    popularity: Popularity,
    slots: Slots<Slot>,
    /// `division` key ids per slot.
    ids: Box<[u64]>,
    /// Prefilling: the id the next set stores, and the step to the one
    /// after (the number of connections).
    prefill: Option<(u64, u64)>,
    /// (key id, cas unique) of recent `gets` hits, the latest last.
    uniques: Uniques,
}

impl<'w> KeyspaceSource<'w> {
    /// Connection `connection`'s source, drawing from stream `connection`
    /// of `seed`, one task outstanding at a time.
    pub fn new(space: &'w Keyspace, seed: u64, connection: u32) -> KeyspaceSource<'w> {
        let mut source = KeyspaceSource {
            space,
            rng: derive_rng(seed, u64::from(connection)),
            popularity: space.popularity(connection),
            slots: Slots::new(1),
            ids: Box::default(),
            prefill: space
                .config()
                .prefill
                .then(|| (u64::from(connection), u64::from(space.connections))),
            uniques: Uniques::new(),
        };
        source.resize(1);
        source
    }

    /// The same source allowing up to `depth` outstanding tasks
    /// (1..=[`MAX_DEPTH`](crate::MAX_DEPTH), clamped); call it before the
    /// first task.
    pub fn with_depth(mut self, depth: usize) -> KeyspaceSource<'w> {
        self.resize(depth);
        self
    }

    fn resize(&mut self, depth: usize) {
        self.slots = Slots::new(depth);
        self.ids = vec![0; self.slots.depth() * self.space.division].into_boxed_slice();
    }

    /// The shared keyspace.
    pub fn keyspace(&self) -> &'w Keyspace {
        self.space
    }

    fn ids_of(&self, index: usize, keys: usize) -> &[u64] {
        let start = index * self.space.division;
        self.ids.get(start..start + keys).unwrap_or_default()
    }

    fn set_first(&mut self, index: usize, id: u64) {
        if let Some(first) = self.ids.get_mut(index * self.space.division) {
            *first = id;
        }
    }

    /// Draws the keys of a get into slot `index`; returns how many.
    fn draw_get(&mut self, index: usize) -> usize {
        let division = self.space.division;
        let start = index * division;
        let mut keys = 0;
        for _ in 0..division {
            let id = self.popularity.draw(&mut self.rng);
            let Some(drawn) = self.ids.get_mut(start..start + division) else {
                return 0;
            };
            if drawn.get(..keys).is_some_and(|seen| seen.contains(&id)) {
                continue;
            }
            if let Some(slot) = drawn.get_mut(keys) {
                *slot = id;
                keys += 1;
            }
        }
        keys
    }

    /// The next prefill id, `None` when not prefilling; `Some(None)` when
    /// the connection's share is stored.
    fn next_prefill(&mut self) -> Option<Option<u64>> {
        let total = self.space.stored_ids();
        let (next, step) = self.prefill.as_mut()?;
        if *next >= total {
            return Some(None);
        }
        let id = *next;
        *next = next.saturating_add(*step);
        Some(Some(id))
    }

    /// Fills slot `index` with a task of `command`.
    fn draw(&mut self, index: usize, command: Command) -> Slot {
        let space = self.space;
        // A cas needs a unique from an earlier gets: without one in hand,
        // the gets that fetches one goes first.
        let command = match command {
            Command::Cas if self.uniques.is_empty() => Command::Gets,
            other => other,
        };
        let id = self.popularity.draw(&mut self.rng);
        // A cas goes to the key its unique came from; incr and decr to
        // the key's counter.
        let (key, unique) = match command {
            Command::Cas => self.uniques.take_latest().unwrap_or((id, 0)),
            Command::Incr | Command::Decr => (space.counter(id), 0),
            _ => (id, 0),
        };
        let slot = match command.op(space.touch_exptime, unique, 1) {
            Op::Get(retrieve) => {
                let check = if space.verify > 0.0 && unit(self.rng.next_u64()) < space.verify {
                    Check::Data
                } else {
                    Check::None
                };
                let keys = self.draw_get(index);
                return Slot::Get {
                    keys,
                    check,
                    retrieve,
                };
            }
            Op::Set(store) => Slot::Set(store),
            Op::Key(op) => Slot::Key(op),
        };
        self.set_first(index, key);
        slot
    }

    /// The task in slot `index`, a get's keys wrapped by `keys`.
    #[inline]
    fn task<'g, B>(
        &'g self,
        index: usize,
        keys: impl FnOnce(KeyspaceBatch<'g, 'w>) -> B,
    ) -> Task<'w, B> {
        let space = self.space;
        let key_id = self.ids_of(index, 1).first().copied().unwrap_or(0);
        match self.slots.get(index).copied().unwrap_or(Slot::Free) {
            Slot::Set(store) => Task::Set(SetTask {
                key: space.key(key_id),
                value: match store {
                    Store::Append | Store::Prepend => space.chunk(),
                    _ => space.value(key_id),
                },
                exptime: 0,
                kind: SetKind::Overwrite,
                warmup: false,
                store,
            }),
            Slot::Key(op) => Task::Key(KeyTask {
                key: space.key(key_id),
                op,
            }),
            Slot::Get { .. } | Slot::Free => Task::Get(keys(self.batch(TaskId::new(index)))),
        }
    }

    /// Issues the next task, its get's keys handed to `keys` (a source
    /// that wraps them builds its task in place instead of moving it).
    #[inline]
    pub(crate) fn issue_as<'g, B>(
        &'g mut self,
        keys: impl FnOnce(KeyspaceBatch<'g, 'w>) -> B,
    ) -> Option<(TaskId, Task<'w, B>)> {
        let index = self.issue_index()?;
        Some((TaskId::new(index), self.task(index, keys)))
    }

    /// Takes the next task into its slot; the slot's index.
    fn issue_index(&mut self) -> Option<usize> {
        let free = self.slots.next_free()?;
        let index = free.index();
        let slot = match self.next_prefill() {
            Some(Some(id)) => {
                self.set_first(index, id);
                Slot::Set(Store::Set)
            }
            Some(None) => return None,
            None => {
                let command = self.space.mix.pick(unit(self.rng.next_u64()));
                self.draw(index, command)
            }
        };
        Some(self.slots.fill(free, slot))
    }
}

impl<'w> Source<'w> for KeyspaceSource<'w> {
    type Keys<'g>
        = KeyspaceBatch<'g, 'w>
    where
        Self: 'g;

    fn issue(&mut self) -> Option<(TaskId, Task<'w, KeyspaceBatch<'_, 'w>>)> {
        self.issue_as(|batch| batch)
    }

    fn complete_set(&mut self, id: TaskId, _outcome: SetOutcome, _now: Instant) {
        self.slots
            .free_if(id.index(), |slot| matches!(slot, Slot::Set(_)));
    }

    /// A hit must hold the key's value; a miss is never an error (the key
    /// may not have been stored yet, or was evicted).
    fn check_get(
        &self,
        id: TaskId,
        index: usize,
        answer: Option<&[u8]>,
        now: Instant,
    ) -> Option<Verdict> {
        let entry = self.batch(id).get(index)?;
        Some(match answer {
            None if entry.check == Check::Data => Verdict::Ok,
            _ => judge(entry.check, entry.expected, 0, None, answer, now),
        })
    }

    /// Without `-v` no get is planned for a check: every answer would be
    /// [`Verdict::Unchecked`].
    fn checks_gets(&self) -> bool {
        self.space.verify > 0.0
    }

    fn finish_get(&mut self, id: TaskId) {
        self.slots
            .free_if(id.index(), |slot| matches!(slot, Slot::Get { .. }));
    }

    fn saw_cas(&mut self, id: TaskId, index: usize, cas: u64) {
        let Some(&key) = self.batch(id).ids().get(index) else {
            return;
        };
        self.uniques.push(key, cas);
    }

    fn complete_key(&mut self, id: TaskId, _outcome: KeyOutcome, _now: Instant) {
        self.slots
            .free_if(id.index(), |slot| matches!(slot, Slot::Key(_)));
    }

    fn batch(&self, id: TaskId) -> KeyspaceBatch<'_, 'w> {
        match self.slots.get(id.index()) {
            Some(&Slot::Get {
                keys,
                check,
                retrieve,
            }) => KeyspaceBatch::new(self.space, self.ids_of(id.index(), keys), check, retrieve),
            _ => KeyspaceBatch::new(self.space, &[], Check::None, Retrieve::Get),
        }
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
}

impl fmt::Debug for KeyspaceSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyspaceSource")
            .field("depth", &self.slots.depth())
            .field("outstanding", &self.slots.outstanding())
            .finish_non_exhaustive()
    }
}
