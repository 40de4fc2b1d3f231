//! Latencies counted in the histogram's own buckets since they were last
//! added to it: recording one is an index found with one leading-zero
//! count and a shift, and one increment. `hdrhistogram`'s own recording
//! (range checks, clamping, its minimum, maximum and total kept up to
//! date) cost about a hundred instructions per latency; the histogram now
//! takes the counts in bulk, once per fold and whenever it is read.
//!
//! The buckets are those of a histogram from 1 ns to one hour with three
//! significant digits ([`super::HIST_MAX_NS`], [`super::HIST_SIGFIG`]):
//! 2048 sub-buckets (the power of two above 2 × 10³), the upper half of
//! each in every bucket after the first, which doubles the width. The
//! tests check index and value against the histogram itself.

use hdrhistogram::Histogram;

/// log2 of the sub-buckets per bucket.
const SUB_MAGNITUDE: u32 = 11;
/// log2 of half of them: the new sub-buckets each bucket after the first adds.
const HALF_MAGNITUDE: u32 = SUB_MAGNITUDE - 1;
const HALF: u64 = 1 << HALF_MAGNITUDE;
/// A value below 2048 is in the first bucket.
const SUB_MASK: u64 = (1 << SUB_MAGNITUDE) - 1;
/// Buckets up to one hour: 2048 · 2^31 ns is more than an hour.
const BUCKETS: usize = 32;
/// Counts the histogram keeps: every bucket's upper half, and the first
/// bucket's lower half.
pub(super) const LEN: usize = (BUCKETS + 1) << HALF_MAGNITUDE;

/// The histogram's index of a latency of `ns` (at least 1, at most an hour).
#[inline(always)]
fn index(ns: u64) -> usize {
    let bucket = (64 - SUB_MAGNITUDE) - (ns | SUB_MASK).leading_zeros();
    let sub = ns >> bucket;
    (((u64::from(bucket) + 1) << HALF_MAGNITUDE) + sub - HALF) as usize
}

/// The lowest latency at index `i`, which the histogram counts there.
fn value(i: usize) -> u64 {
    let i = i as u64;
    if i < 2 * HALF {
        i
    } else {
        let bucket = (i >> HALF_MAGNITUDE) - 1;
        ((i & (HALF - 1)) + HALF) << bucket
    }
}

/// Latencies not yet in the histogram, by its index.
pub(super) struct Pending {
    /// At most [`super::FOLD`] latencies wait, so no count overflows.
    counts: Box<[u32]>,
    n: u64,
}

impl Pending {
    /// None waiting. The counts are made with the first latency, as
    /// zeroed memory the system maps page by page as latencies come.
    pub fn new() -> Pending {
        Pending {
            counts: Box::default(),
            n: 0,
        }
    }

    /// Counts a latency of `ns` (at least 1, at most an hour).
    #[inline(always)]
    pub fn push(&mut self, ns: u64) {
        match self.counts.get_mut(index(ns)) {
            Some(count) => *count += 1,
            None => self.push_first(ns),
        }
        self.n += 1;
    }

    /// Counts `k` latencies of `ns` (at least 1, at most an hour; at most
    /// [`super::FOLD`] waiting with them, so no count overflows).
    #[inline]
    pub fn push_n(&mut self, ns: u64, k: u64) {
        if self.counts.is_empty() {
            self.make_counts();
        }
        if let Some(count) = self.counts.get_mut(index(ns)) {
            *count += u32::try_from(k).unwrap_or(u32::MAX);
        }
        self.n += k;
    }

    /// Counts the first latency: the counts are made.
    #[cold]
    #[inline(never)]
    fn push_first(&mut self, ns: u64) {
        self.make_counts();
        if let Some(count) = self.counts.get_mut(index(ns)) {
            *count += 1;
        }
    }

    /// Makes the counts, once.
    #[cold]
    fn make_counts(&mut self) {
        if self.counts.is_empty() {
            self.counts = vec![0; LEN].into_boxed_slice();
        }
    }

    /// Whether none waits.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Adds those waiting to `hist`, leaving them waiting.
    pub fn add_to(&self, hist: &mut Histogram<u64>) {
        if self.n == 0 {
            return;
        }
        for (i, &count) in self.counts.iter().enumerate() {
            if count != 0 {
                hist.saturating_record_n(value(i), u64::from(count));
            }
        }
    }

    /// Moves those waiting into `hist`.
    pub fn drain_into(&mut self, hist: &mut Histogram<u64>) {
        self.add_to(hist);
        self.clear();
    }

    /// Forgets those waiting.
    pub fn clear(&mut self) {
        if self.n != 0 {
            self.counts.fill(0);
            self.n = 0;
        }
    }
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("n", &self.n).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::latency::{HIST_MAX_NS, HIST_SIGFIG};

    fn histogram() -> Histogram<u64> {
        Histogram::new_with_bounds(1, HIST_MAX_NS, HIST_SIGFIG).unwrap()
    }

    /// Latencies around every power of two and spread between them, up to
    /// an hour.
    fn latencies() -> Vec<u64> {
        let mut all: Vec<u64> = (1..5000).collect();
        for shift in 11..42 {
            let p = 1u64 << shift;
            all.extend([p - 1, p, p + 1, p + p / 3, p + p / 2 + 7]);
        }
        all.extend([HIST_MAX_NS - 1, HIST_MAX_NS]);
        all.retain(|&ns| ns <= HIST_MAX_NS);
        all
    }

    #[test]
    fn the_histogram_has_as_many_counts() {
        assert_eq!(histogram().distinct_values(), LEN);
        assert!(index(HIST_MAX_NS) < LEN);
    }

    #[test]
    fn each_index_is_the_histograms_and_its_value_the_lowest_there() {
        let hist = histogram();
        for ns in latencies() {
            let i = index(ns);
            assert_eq!(value(i), hist.lowest_equivalent(ns), "{ns}");
            // The next index starts just past this one's values.
            assert_eq!(value(i + 1), hist.next_non_equivalent(ns), "{ns}");
        }
    }

    #[test]
    fn counts_added_in_bulk_equal_recording_each() {
        let mut direct = histogram();
        let mut bulk = histogram();
        let mut pending = Pending::new();
        for (k, ns) in latencies().into_iter().enumerate() {
            for _ in 0..=(k % 3) {
                direct.saturating_record(ns);
                pending.push(ns);
            }
        }
        let mut peek = histogram();
        pending.add_to(&mut peek);
        assert!(!pending.is_empty());
        pending.drain_into(&mut bulk);
        assert!(pending.is_empty());
        assert_eq!(bulk, direct);
        assert_eq!(peek, direct);
        assert_eq!(
            (bulk.min(), bulk.max(), bulk.len()),
            (direct.min(), direct.max(), direct.len())
        );
        pending.drain_into(&mut bulk);
        assert_eq!(bulk, direct);
    }
}
