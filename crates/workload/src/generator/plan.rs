//! How a generator plans its tasks: which window item a set stores, which
//! items a get reads and what it checks, and new items for fresh keys.

use super::{Generator, real};
use crate::flight::{PendingSet, Record};
use crate::item::{Entry, Item};
use crate::prefetch::prefetch;
use crate::seed::below;
use crate::task::{Check, SetKind, TaskId};

impl Generator<'_> {
    /// A walking set failed: when it was the last one issued, the next
    /// walks its slot again.
    pub(super) fn unwalk(&mut self, pending: PendingSet) {
        if pending.walk.is_some_and(|walk| walk + 1 == self.cursor) {
            self.cursor -= 1;
        }
    }

    pub(super) fn is_setting(&self, slot: usize) -> bool {
        self.window.get(slot).is_some_and(|item| item.is_setting())
    }

    /// Chooses the item a set stores; see the type's documentation. `None`
    /// when the walk reaches an item with a set in flight.
    pub(super) fn plan_set(&mut self, want_overwrite: bool, warmup: bool) -> Option<PendingSet> {
        let slot = (self.cursor % self.window.len().max(1) as u64) as usize;
        if self.is_setting(slot) {
            return None;
        }
        let current = self.window.get(slot).copied().unwrap_or_default();
        let walk = Some(self.cursor);
        let walking = |item, kind| PendingSet {
            slot,
            item,
            walk,
            kind,
            warmup,
        };
        if current.is_stored() {
            if want_overwrite || self.next_number >= self.space.numbers() {
                return Some(walking(current.overwritten(), SetKind::Overwrite));
            }
            return Some(walking(self.fresh_item(current.has_ttl()), SetKind::New));
        }
        let filled = self.filled();
        if want_overwrite && filled > 0 {
            let target = below(&mut self.rng, filled as u64) as usize;
            if let Some(item) = self.window.get(target).filter(|item| !item.is_setting()) {
                return Some(PendingSet {
                    slot: target,
                    item: item.overwritten(),
                    walk: None,
                    kind: SetKind::Overwrite,
                    warmup,
                });
            }
        }
        Some(walking(current, SetKind::New))
    }

    pub(super) fn issue_set(&mut self, id: TaskId, pending: PendingSet) {
        if pending.walk.is_some() {
            self.cursor += 1;
        }
        if let Some(item) = self.window.get_mut(pending.slot) {
            item.mark_setting(true);
        }
        self.flights.take(id, Record::Set(pending));
    }

    /// Picks `min(-d, filled)` distinct stored items (Floyd's sampling),
    /// leaving out items with a set in flight, and decides what to check for
    /// each. `None` when every pick had a set in flight.
    pub(super) fn plan_gets(&mut self, id: TaskId, filled: usize) -> Option<TaskId> {
        #[cfg(test)]
        let general = self.plan_generally;
        #[cfg(not(test))]
        let general = false;
        if self.workload.config().division == 1 && !general {
            return self.plan_get(id, filled);
        }
        let mut batch = std::mem::take(self.flights.batch_mut(id)?);
        batch.clear();
        let n = self.workload.config().division.min(filled);
        let staged = self.staged.take();
        for j in filled - n..filled {
            let pick = match staged {
                Some(pick) if n == 1 && pick <= j => pick,
                _ => below(&mut self.rng, j as u64 + 1) as usize,
            };
            let taken = batch.iter().any(|e| e.slot as usize == pick);
            let slot = if taken { j } else { pick };
            if self.is_setting(slot) {
                continue;
            }
            let Some(&item) = self.window.get(slot) else {
                continue;
            };
            batch.push(self.plan_entry(slot, item));
        }
        let planned = !batch.is_empty();
        if let Some(place) = self.flights.batch_mut(id) {
            *place = batch;
        }
        self.close_gets(id, filled, planned.then_some(Record::Get))
    }

    /// [`Generator::plan_gets`] of one key (`-d 1`, memaslap's default):
    /// the staged pick (or a fresh one, as the general path would draw it),
    /// kept in the get's record.
    fn plan_get(&mut self, id: TaskId, filled: usize) -> Option<TaskId> {
        let last = filled.checked_sub(1)?;
        let pick = match self.staged.take() {
            Some(pick) if pick <= last => pick,
            _ => below(&mut self.rng, filled as u64) as usize,
        };
        let item = match self.window.get(pick) {
            Some(item) if !item.is_setting() => Some(*item),
            _ => None,
        };
        let entry = item.map(|item| self.plan_entry(pick, item));
        self.close_gets(id, filled, entry.map(Record::GetOne))
    }

    /// The entry of a get of `item`, in window slot `slot`: its key's parts
    /// and what to check, counted as a key got.
    #[inline]
    fn plan_entry(&mut self, slot: usize, item: Item) -> Entry {
        let check = self.plan_check(slot);
        self.counts.gets += 1;
        Entry {
            slot: slot as u32,
            item,
            key: self.space.key_parts(item),
            check,
        }
    }

    /// Ends the planning of get `id`: stages the next pick, and takes the
    /// record, when any key was planned, as `record`.
    #[inline]
    fn close_gets(&mut self, id: TaskId, filled: usize, record: Option<Record>) -> Option<TaskId> {
        self.stage(filled);
        let record = record?;
        self.flights.take(id, record);
        Some(id)
    }

    /// Draws single-key gets' picks now, as many gets ahead as the
    /// connection's depth (at most four, `staged::AHEAD`), among the items
    /// stored now, and prefetches their items, so that loading one (a cache
    /// miss: the windows of all connections are larger than the cache)
    /// overlaps the work done before its get is issued. Items are only
    /// added to the stored ones, so a pick is still among them then (a pick
    /// past them, after a failed first set, is drawn again).
    fn stage(&mut self, filled: usize) {
        if self.workload.config().division != 1 || filled == 0 {
            return;
        }
        while self.staged.wants_more() {
            let pick = below(&mut self.rng, filled as u64) as usize;
            self.staged.push(pick);
            self.prefetch_slot(pick);
        }
    }

    /// Starts loading the window item in `slot`.
    #[inline]
    pub(super) fn prefetch_slot(&self, slot: usize) {
        if let Some(item) = self.window.get(slot) {
            prefetch(item);
        }
    }

    /// memaslap's verification plan: items with a TTL are always checked for
    /// expiry; of the others, gets are verified until `-v` of all gets are.
    pub(super) fn plan_check(&mut self, slot: usize) -> Check {
        let Some(item) = self.window.get(slot) else {
            return Check::None;
        };
        if item.is_uncertain() || !item.is_stored() {
            return Check::None;
        }
        if item.has_ttl() {
            return Check::Expiry;
        }
        let due = real(self.counts.gets + 1) * self.workload.config().verify;
        if real(self.counts.data_checks) < due {
            self.counts.data_checks += 1;
            return Check::Data;
        }
        Check::None
    }

    /// A new item under the next unused prefix, sized by the next table
    /// entry (see [`crate::keyspace`]).
    pub(super) fn fresh_item(&mut self, ttl: bool) -> Item {
        let item = self.space.fresh(self.next_number, ttl);
        self.next_number += 1;
        item
    }
}

#[cfg(test)]
mod tests {
    use crate::config::{CommandMix, WorkloadConfig};
    use crate::flight::Record;
    use crate::source::{Source, answers_judged};
    use crate::task::{SetOutcome, Task};
    use crate::workload::Workload;
    use std::time::Instant;

    /// The one-key path plans what the general path plans: the same
    /// entries and random draws, through sets failing and in flight.
    #[test]
    fn one_key_gets_are_planned_as_the_general_path_plans_them() {
        let config = WorkloadConfig {
            window: 50,
            verify: 0.3,
            exp_verify: 0.2,
            mix: CommandMix { set: 0.3, get: 0.7 },
            ..WorkloadConfig::default()
        };
        let workload = Workload::new(&config, 9, 1).unwrap();
        let [mut quick, mut general] = [false, true].map(|generally| {
            let mut g = workload.generator(0).unwrap().with_depth(4);
            g.plan_generally = generally;
            g
        });
        let now = Instant::now();
        let mut in_flight = Vec::new();
        for step in 0..2_000u32 {
            // Hints before a receive change nothing the quick path plans.
            quick.prefetch(in_flight.iter().copied());
            quick.prefetch_next();
            let a = quick
                .issue()
                .map(|(id, task)| (id, matches!(task, Task::Get(_))));
            let b = general
                .issue()
                .map(|(id, task)| (id, matches!(task, Task::Get(_))));
            assert_eq!(a, b, "step {step}");
            if let Some((id, get)) = a {
                if get {
                    assert_eq!(quick.flights.batch(id), general.flights.batch(id));
                    assert_eq!(quick.flights.batch(id).len(), 1);
                    assert!(matches!(quick.flights.get(id), Some(Record::GetOne(_))));
                }
                in_flight.push(id);
            }
            assert_eq!(quick.staged, general.staged);
            assert_eq!(quick.counts, general.counts);
            // Complete the oldest when the depth is full or every third
            // step; one set in seven fails.
            if in_flight.len() == 4 || step % 3 == 0 {
                let id = in_flight.remove(0);
                let outcome = if step % 7 == 0 {
                    SetOutcome::NotStored
                } else {
                    SetOutcome::Stored
                };
                for g in [&mut quick, &mut general] {
                    match g.flights.get(id) {
                        Some(Record::Set(_)) => g.complete_set(id, outcome, now),
                        _ => g.finish_get(id),
                    }
                }
            }
        }
        assert!(quick.counts.gets > 1_000, "{:?}", quick.counts);
        assert!(quick.counts.data_checks > 0);
    }

    /// Without `-v` and `-e` every get's answer is unchecked, as
    /// `checks_gets` tells its callers; with either, some are checked.
    #[test]
    fn gets_are_checked_only_when_checks_gets_says_so() {
        for (verify, exp_verify) in [(0.0, 0.0), (0.1, 0.0), (0.0, 0.1)] {
            let config = WorkloadConfig {
                window: 50,
                verify,
                exp_verify,
                ..WorkloadConfig::default()
            };
            let workload = Workload::new(&config, 9, 1).unwrap();
            let mut g = workload.generator(0).unwrap().with_depth(4);
            let (gets, checked) = answers_judged(&mut g, 2_000);
            assert!(gets > 500);
            assert_eq!(g.checks_gets(), checked > 0, "-v {verify} -e {exp_verify}");
        }
    }
}
