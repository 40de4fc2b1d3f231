//! One connection's source of tasks over a keyspace.

use std::fmt;
use std::time::Instant;

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::Rng;

use super::{Keyspace, KeyspaceBatch};
use crate::popularity::Popularity;
use crate::seed::{derive_rng, unit};
use crate::source::Source;
use crate::task::{Check, MAX_DEPTH, SetKind, SetOutcome, SetTask, Task, TaskId, Verdict};
use crate::verify::judge;

/// What one task slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Free,
    Set,
    Get { keys: usize, check: Check },
}

/// One connection's source of tasks over a [`Keyspace`]: each task a set
/// or a get by the mix (`--ratio` or the `cmd` section), its keys drawn by
/// the keyspace's popularity from the connection's own random stream. A
/// multi-get (`-d`) asks for distinct keys: a key drawn twice for one get
/// is asked once. Nothing is allocated after construction.
pub struct KeyspaceSource<'w> {
    space: &'w Keyspace,
    rng: Xoshiro256PlusPlus,
    popularity: Popularity,
    slots: Box<[Slot]>,
    /// `division` key ids per slot.
    ids: Box<[u64]>,
    /// The slot the next task takes.
    next: usize,
    outstanding: usize,
    /// Prefilling: the id the next set stores, and the step to the one
    /// after (the number of connections).
    prefill: Option<(u64, u64)>,
}

impl<'w> KeyspaceSource<'w> {
    /// Connection `connection`'s source, drawing from stream `connection`
    /// of `seed`, one task outstanding at a time.
    pub fn new(space: &'w Keyspace, seed: u64, connection: u32) -> KeyspaceSource<'w> {
        let mut source = KeyspaceSource {
            space,
            rng: derive_rng(seed, u64::from(connection)),
            popularity: space.popularity(connection),
            slots: Box::default(),
            ids: Box::default(),
            next: 0,
            outstanding: 0,
            prefill: space
                .config()
                .prefill
                .then(|| (u64::from(connection), u64::from(space.connections))),
        };
        source.resize(1);
        source
    }

    /// The same source allowing up to `depth` outstanding tasks
    /// (1..=[`MAX_DEPTH`], clamped); call it before the first task.
    pub fn with_depth(mut self, depth: usize) -> KeyspaceSource<'w> {
        self.resize(depth.clamp(1, MAX_DEPTH));
        self
    }

    fn resize(&mut self, depth: usize) {
        self.slots = vec![Slot::Free; depth].into_boxed_slice();
        self.ids = vec![0; depth * self.space.division].into_boxed_slice();
        self.next = 0;
        self.outstanding = 0;
    }

    /// The shared keyspace.
    pub fn keyspace(&self) -> &'w Keyspace {
        self.space
    }

    fn ids_of(&self, index: usize, keys: usize) -> &[u64] {
        let start = index * self.space.division;
        self.ids.get(start..start + keys).unwrap_or_default()
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

    fn release(&mut self, id: TaskId) {
        if let Some(slot) = self.slots.get_mut(id.index())
            && *slot != Slot::Free
        {
            *slot = Slot::Free;
            self.outstanding -= 1;
        }
    }
}

impl<'w> Source<'w> for KeyspaceSource<'w> {
    type Keys<'g>
        = KeyspaceBatch<'g, 'w>
    where
        Self: 'g;

    fn issue(&mut self) -> Option<(TaskId, Task<'w, KeyspaceBatch<'_, 'w>>)> {
        let index = self.next;
        if self.slots.get(index) != Some(&Slot::Free) {
            return None;
        }
        let prefill = match &mut self.prefill {
            Some((next, _)) if *next >= self.space.keys() => return None,
            Some((next, step)) => {
                let id = *next;
                *next = next.saturating_add(*step);
                Some(id)
            }
            None => None,
        };
        let is_set = prefill.is_some() || unit(self.rng.next_u64()) < self.space.set_share;
        let slot = if is_set {
            let id = match prefill {
                Some(id) => id,
                None => self.popularity.draw(&mut self.rng),
            };
            if let Some(first) = self.ids.get_mut(index * self.space.division) {
                *first = id;
            }
            Slot::Set
        } else {
            let check = if self.space.verify > 0.0 && unit(self.rng.next_u64()) < self.space.verify
            {
                Check::Data
            } else {
                Check::None
            };
            let keys = self.draw_get(index);
            Slot::Get { keys, check }
        };
        if let Some(at) = self.slots.get_mut(index) {
            *at = slot;
        }
        self.next = (index + 1) % self.slots.len();
        self.outstanding += 1;
        let id = TaskId::new(index);
        let task = match slot {
            Slot::Set => {
                let key_id = self.ids_of(index, 1).first().copied().unwrap_or(0);
                Task::Set(SetTask {
                    key: self.space.key(key_id),
                    value: self.space.value(key_id),
                    exptime: 0,
                    kind: SetKind::Overwrite,
                    warmup: false,
                })
            }
            _ => Task::Get(self.batch(id)),
        };
        Some((id, task))
    }

    fn complete_set(&mut self, id: TaskId, _outcome: SetOutcome, _now: Instant) {
        if self.slots.get(id.index()) == Some(&Slot::Set) {
            self.release(id);
        }
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
        let entry = crate::task::GetKeys::get(&self.batch(id), index)?;
        Some(match answer {
            None if entry.check == Check::Data => Verdict::Ok,
            _ => judge(entry.check, entry.expected, 0, None, answer, now),
        })
    }

    fn finish_get(&mut self, id: TaskId) {
        if matches!(self.slots.get(id.index()), Some(Slot::Get { .. })) {
            self.release(id);
        }
    }

    fn batch(&self, id: TaskId) -> KeyspaceBatch<'_, 'w> {
        match self.slots.get(id.index()) {
            Some(&Slot::Get { keys, check }) => {
                KeyspaceBatch::new(self.space, self.ids_of(id.index(), keys), check)
            }
            _ => KeyspaceBatch::new(self.space, &[], Check::None),
        }
    }

    fn depth(&self) -> usize {
        self.slots.len()
    }

    fn outstanding(&self) -> usize {
        self.outstanding
    }

    fn is_warming_up(&self) -> bool {
        false
    }
}

impl fmt::Debug for KeyspaceSource<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyspaceSource")
            .field("depth", &self.slots.len())
            .field("outstanding", &self.outstanding)
            .finish_non_exhaustive()
    }
}
