//! Statistics the reporter hands back, reset, once it has merged an
//! interval: the worker's next snapshot swaps them in instead of copying
//! its own, so that a snapshot allocates nothing and copies no histogram.

use super::Worker;
use crate::stats::Stats;
use memaslap_workload::Source;
use std::sync::mpsc::Receiver;

impl<'w, S: Source<'w>> Worker<'w, S> {
    /// Takes the statistics the reporter returns on `returns` (reset,
    /// after it merged them) for its next snapshots.
    pub fn with_returns(mut self, returns: Receiver<Box<Stats>>) -> Worker<'w, S> {
        self.spares = Spares::from(returns);
        self
    }
}

/// Where the reporter returns this worker's statistics, if it does.
#[derive(Default)]
pub(super) struct Spares(Option<Receiver<Box<Stats>>>);

impl Spares {
    /// The statistics the reporter returns on `returns`.
    pub(super) fn from(returns: Receiver<Box<Stats>>) -> Spares {
        Spares(Some(returns))
    }

    /// The interval's statistics, `stats` left empty for the next one: a
    /// returned set swapped in when one of the same kind is back (the
    /// same records kept), else a copy.
    pub(super) fn take_interval(&self, stats: &mut Stats) -> Box<Stats> {
        let spare = self.0.as_ref().and_then(|rx| rx.try_recv().ok());
        if let Some(mut spare) = spare.filter(|s| s.same_records(stats)) {
            std::mem::swap(stats, &mut spare);
            return spare;
        }
        let copy = Box::new(stats.clone());
        stats.reset();
        copy
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_returned_set_is_swapped_in_and_a_missing_one_copied() {
        let (tx, rx) = mpsc::channel();
        let spares = Spares::from(rx);
        let mut stats = Stats::open_loop();
        stats.get.record(Duration::from_micros(40));
        // Nothing returned yet: a copy, and the worker's set reset.
        let first = spares.take_interval(&mut stats);
        assert_eq!((first.get.count(), stats.get.count()), (1, 0));
        // The reporter merged it and hands it back, reset.
        let mut back = first;
        back.reset();
        let back_at: *const Stats = &*back;
        tx.send(back).unwrap();
        stats.set.record(Duration::from_micros(50));
        let second = spares.take_interval(&mut stats);
        assert_eq!((second.set.count(), stats.set.count()), (1, 0));
        // The returned box carries the interval: nothing was allocated.
        assert!(std::ptr::eq(back_at, &*second));
        assert!(stats.open.is_some());
        // A set of another kind (no open-loop records) is not taken.
        tx.send(Box::new(Stats::default())).unwrap();
        stats.get.record(Duration::from_micros(60));
        let third = spares.take_interval(&mut stats);
        assert_eq!(third.get.count(), 1);
        assert!(stats.open.is_some());
    }
}
