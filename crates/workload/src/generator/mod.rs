//! A connection's generator: its window, its command mix and its
//! verification plan, driven by its own seeded random stream.

use std::fmt;
use std::time::Instant;

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::error::ConfigError;
use crate::flight::{Flights, Record};
use crate::item::Item;
use crate::keyspace::KeySpace;
use crate::seed::{below, derive_rng};
use crate::sizes::TABLE_LEN;
use crate::source::Source;
use crate::task::{Check, KeyOutcome, SetKind, SetOutcome, SetTask, Store, Task, TaskId, Verdict};
use crate::verify::judge;
use crate::workload::Workload;

pub use batch::GetBatch;

mod batch;
mod plan;
mod staged;
#[cfg(test)]
mod tests;

use staged::Staged;

/// Gets planned at most in one call to [`Source::issue`] while each one's
/// picks all have a set in flight: a bound for a window whose every stored
/// item is being set.
const GET_ATTEMPTS: usize = 16;

/// What a generator has issued so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Sets issued by the command mix (warm-up sets excluded).
    pub sets: u64,
    /// Of those, overwrites of an existing key.
    pub overwrites: u64,
    /// Keys requested by gets (a multi-get of `d` keys counts `d`).
    pub gets: u64,
    /// Of those, keys whose value is checked byte for byte (`-v`).
    pub data_checks: u64,
    /// Sets that stored the window before a run without sets.
    pub warmup_sets: u64,
}

/// One connection's source of tasks in memaslap's window model: a
/// [`Source`]. Nothing here allocates after construction.
///
/// memaslap's rules, kept:
/// - Sets walk the window in order. On the first lap each stores its item; on
///   later laps a set either overwrites the item (fraction `-o` of all sets,
///   the value offset moving by one so the expected value changes) or
///   replaces it with a fresh key.
/// - Gets pick uniformly among items already stored.
/// - The mix is deterministic: a set is issued when
///   `gets × set_proportion ≥ sets × get_proportion`.
/// - A mix without sets first stores the whole window (warm-up).
/// - A fraction `-e` of the window's slots, spread evenly, hold items stored
///   with a TTL of 60 s; gets of them are checked for expiry.
/// - A fraction `-v` of the other gets are verified byte for byte.
///
/// Pipelining (an extension, [`Generator::with_depth`]): up to `depth`
/// tasks may be outstanding, each reported by its [`TaskId`]. Walking sets move the cursor on when issued (back again
/// if the last one issued fails); an item with a set in flight is neither
/// picked by a get nor set again until that set is answered, so replies
/// handled in issue order judge every get against what the server holds.
///
/// Differences: a set's effect on the window waits for `STORED`, so a failed
/// set leaves the window as it was; a failed overwrite stops verification of
/// that item until it is stored again; the keys of a multi-get are distinct;
/// memaslap's periodic mix "adjustment" is not needed because the counts
/// never drift. A window item takes 12 bytes (memaslap's task item is larger):
/// its key suffix and first value offsets are a hash of its number rather
/// than random draws, a connection draws at most `2^40` fresh keys (then
/// replacements turn into overwrites, as when its prefixes run out), and set
/// times are kept to the millisecond (see `keyspace`).
pub struct Generator<'w> {
    workload: &'w Workload,
    connection: u32,
    rng: Xoshiro256PlusPlus,
    /// The items, 12 bytes each; a slot with a set in flight is marked.
    window: Box<[Item]>,
    /// Walking sets issued and not failed; the next walks slot
    /// `cursor % window`.
    cursor: u64,
    space: KeySpace<'w>,
    /// The number of the next fresh key, below `space.numbers()`.
    next_number: u64,
    warmup_left: usize,
    counts: Counts,
    flights: Flights,
    /// The next single-key gets' picks, drawn ahead (see `plan::stage`).
    staged: Staged,
    /// Plan one-key gets as multi-gets are planned (to test that both
    /// paths plan them alike).
    #[cfg(test)]
    plan_generally: bool,
}

impl<'w> Generator<'w> {
    pub(crate) fn new(workload: &'w Workload, connection: u32) -> Self {
        let config = workload.config();
        let global = workload.global(connection);
        let mut rng = derive_rng(workload.seed(), u64::from(global));
        let size_start = below(&mut rng, TABLE_LEN as u64) as usize;
        let mut generator = Self {
            workload,
            connection,
            rng,
            window: Box::default(),
            cursor: 0,
            space: KeySpace::new(workload, global, size_start),
            next_number: 0,
            warmup_left: if config.mix.has_no_sets() {
                config.window
            } else {
                0
            },
            counts: Counts::default(),
            flights: Flights::new(1, config.division),
            staged: Staged::default(),
            #[cfg(test)]
            plan_generally: false,
        };
        let window: Box<[Item]> = (0..config.window)
            .map(|slot| generator.fresh_item(has_ttl(slot, config.exp_verify)))
            .collect();
        generator.window = window;
        generator
    }

    /// The same generator allowing up to `depth` outstanding tasks
    /// (1..=[`crate::MAX_DEPTH`], clamped); call it before the first task.
    pub fn with_depth(mut self, depth: usize) -> Self {
        self.flights = Flights::new(depth, self.workload.config().division);
        self.staged = Staged::new(self.flights.depth());
        self
    }

    /// This generator's connection index.
    pub fn connection(&self) -> u32 {
        self.connection
    }

    /// What has been issued so far.
    pub fn counts(&self) -> Counts {
        self.counts
    }

    /// Items in the window (`-w`).
    pub fn window_len(&self) -> usize {
        self.window.len()
    }

    /// Items of the window stored at least once; gets pick among them.
    pub fn filled(&self) -> usize {
        usize::try_from(self.cursor).map_or(self.window.len(), |c| c.min(self.window.len()))
    }

    fn set_is_due(&self) -> bool {
        let mix = self.workload.config().mix;
        !mix.has_no_sets() && real(self.counts.gets) * mix.set >= real(self.counts.sets) * mix.get
    }

    /// Issues the next task into a free record, if it can go now.
    fn issue_id(&mut self) -> Option<TaskId> {
        let id = self.flights.next_free()?;
        if self.warmup_left > 0 {
            return self.issue_warmup_set(id);
        }
        let filled = self.filled();
        if filled == 0 || self.set_is_due() {
            return self.issue_next_set(id);
        }
        // A get whose picks all had a set in flight is skipped. The next
        // call would plan the next one, with nothing changed in between;
        // planning it now keeps a pipelined connection's write whole
        // instead of ending it at the skipped get.
        (0..GET_ATTEMPTS).find_map(|_| self.plan_gets(id, filled))
    }

    /// Issues a set of the warm-up (a run without sets stores its window
    /// first) as `id`.
    #[cold]
    #[inline(never)]
    fn issue_warmup_set(&mut self, id: TaskId) -> Option<TaskId> {
        let pending = self.plan_set(false, true)?;
        self.warmup_left -= 1;
        self.counts.warmup_sets += 1;
        self.issue_set(id, pending);
        Some(id)
    }

    /// Issues the set the mix has due as `id`: an overwrite while
    /// overwrites are behind their share, else the next new item.
    #[inline(never)]
    fn issue_next_set(&mut self, id: TaskId) -> Option<TaskId> {
        let overwrite = real(self.counts.overwrites)
            < real(self.counts.sets) * self.workload.config().overwrite;
        let pending = self.plan_set(overwrite, false)?;
        self.counts.sets += 1;
        if pending.kind == SetKind::Overwrite {
            self.counts.overwrites += 1;
        }
        self.issue_set(id, pending);
        Some(id)
    }

    /// Issues the next task, its get's keys handed to `keys` (a source
    /// that wraps them builds its task in place, not by moving this one).
    #[inline(always)]
    pub(crate) fn issue_as<'g, B>(
        &'g mut self,
        keys: impl FnOnce(GetBatch<'g, 'w>) -> B,
    ) -> Option<(TaskId, Task<'w, B>)> {
        let id = self.issue_id()?;
        Some((id, self.task(id, keys)))
    }

    /// The task outstanding as `id`, a get's keys wrapped by `keys`.
    #[inline(always)]
    fn task<'g, B>(&'g self, id: TaskId, keys: impl FnOnce(GetBatch<'g, 'w>) -> B) -> Task<'w, B> {
        match self.flights.get(id) {
            Some(Record::Set(pending)) => Task::Set(SetTask {
                key: self.space.key(pending.item),
                value: self.space.value(pending.item),
                exptime: pending.item.exptime(),
                kind: pending.kind,
                warmup: pending.warmup,
                store: Store::Set,
            }),
            _ => Task::Get(keys(self.batch(id))),
        }
    }
}

impl<'w> Source<'w> for Generator<'w> {
    type Keys<'g>
        = GetBatch<'g, 'w>
    where
        Self: 'g;

    fn issue(&mut self) -> Option<(TaskId, Task<'w, GetBatch<'_, 'w>>)> {
        self.issue_as(|batch| batch)
    }

    fn complete_set(&mut self, id: TaskId, outcome: SetOutcome, now: Instant) {
        let Some(Record::Set(pending)) = self.flights.get(id) else {
            return;
        };
        self.flights.release(id);
        let set_ms = match outcome {
            SetOutcome::Stored => Some(self.space.set_ms(now)),
            SetOutcome::NotStored | SetOutcome::Lost => None,
        };
        let Some(item) = self.window.get_mut(pending.slot) else {
            return;
        };
        item.mark_setting(false);
        match set_ms {
            Some(set_ms) => *item = pending.item.stored_at(set_ms),
            None => {
                if pending.kind == SetKind::Overwrite && item.is_stored() {
                    item.make_uncertain();
                }
                self.unwalk(pending);
            }
        }
    }

    #[inline]
    fn check_get(
        &self,
        id: TaskId,
        index: usize,
        answer: Option<&[u8]>,
        now: Instant,
    ) -> Option<Verdict> {
        let entry = self.flights.batch(id).get(index)?;
        if entry.check == Check::None {
            return Some(Verdict::Unchecked);
        }
        let item = entry.item;
        Some(judge(
            entry.check,
            self.space.value(item),
            item.exptime(),
            self.space.set_at(item),
            answer,
            now,
        ))
    }

    #[inline]
    fn finish_get(&mut self, id: TaskId) {
        self.flights.release_get(id);
    }

    /// Without `-v` and `-e` no get is checked: no item has a
    /// TTL and none is planned for a data check.
    fn checks_gets(&self) -> bool {
        let config = self.workload.config();
        config.verify > 0.0 || config.exp_verify > 0.0
    }

    #[inline]
    fn prefetch(&self, ids: impl Iterator<Item = TaskId>) {
        for id in ids {
            self.flights.prefetch(id);
        }
    }

    /// The window items of the picks drawn ahead: prefetched when drawn,
    /// they are out of the cache again after a round of every
    /// connection's replies.
    #[inline]
    fn prefetch_next(&self) {
        for pick in self.staged.iter() {
            self.prefetch_slot(pick);
        }
    }

    /// The window model issues no key tasks: nothing to complete.
    fn complete_key(&mut self, _id: TaskId, _outcome: KeyOutcome, _now: Instant) {}

    #[inline]
    fn batch(&self, id: TaskId) -> GetBatch<'_, 'w> {
        GetBatch::new(self.flights.batch(id), &self.space)
    }

    fn depth(&self) -> usize {
        self.flights.depth()
    }

    fn outstanding(&self) -> usize {
        self.flights.outstanding()
    }

    /// Whether the next task is a warm-up set (the mix has no sets and the
    /// window is not stored yet). Once it turns false, memaslap waits for
    /// all connections before the timed run starts.
    fn is_warming_up(&self) -> bool {
        self.warmup_left > 0
    }
}

impl Workload {
    /// The generator of connection `connection` (0-based, over all threads):
    /// its own random stream, window and counters.
    ///
    /// Building it allocates the window (`-w` items) and the multi-get batch
    /// (`-d` keys); generating tasks afterwards allocates nothing.
    ///
    /// # Errors
    /// [`ConfigError::ConnectionIndex`] when `connection` is not below the
    /// number of connections the workload was built for.
    pub fn generator(&self, connection: u32) -> Result<Generator<'_>, ConfigError> {
        if connection >= self.connections() {
            return Err(ConfigError::ConnectionIndex {
                index: connection,
                connections: self.connections(),
            });
        }
        Ok(Generator::new(self, connection))
    }
}

impl fmt::Debug for Generator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Generator")
            .field("connection", &self.connection)
            .field("window", &self.window.len())
            .field("filled", &self.filled())
            .field("counts", &self.counts)
            .field("outstanding", &self.flights.outstanding())
            .finish_non_exhaustive()
    }
}

/// A count as a float, as `n as f64` gives it: counts stay far below
/// 2^63, where the signed conversion (one instruction on x86_64, against
/// several for an unsigned one) is the same.
#[inline(always)]
pub(crate) fn real(n: u64) -> f64 {
    debug_assert!(i64::try_from(n).is_ok());
    n as i64 as f64
}

/// Whether window slot `slot` holds items with a TTL: exactly
/// `floor(window × fraction)` slots do, spread evenly (memaslap's rule).
///
/// The products are never negative (a fraction is validated to `0..=1`),
/// so truncating to an integer is their floor: one instruction, where
/// `f64::floor` is a library call on the baseline x86_64 target (and the
/// window's slots are many: 10,000 a connection by default). Without a
/// fraction (no `-e`, the default) no slot does, and nothing is computed.
fn has_ttl(slot: usize, fraction: f64) -> bool {
    fraction > 0.0 && ((slot + 1) as f64 * fraction) as u64 > (slot as f64 * fraction) as u64
}
