//! Latency of one kind of operation: exact running moments for memaslap's
//! min/max/avg/std-dev/geometric-mean columns, its log2 distribution, and a
//! mergeable HDR histogram for percentiles.

use hdrhistogram::Histogram;
use std::time::Duration;

mod fresh;
mod pending;
mod saved;
use fresh::{FOLD, Fresh, combine};
use pending::Pending;
pub use saved::{Moments, RestoreError};
use std::borrow::Cow;

/// Number of log2 buckets: bucket `i` counts latencies of at most `2^i` µs.
pub const LOG2_BUCKETS: usize = 64;

/// The largest latency the histogram resolves (one hour); longer ones are
/// recorded as one hour in the histogram and exactly in the moments.
const HIST_MAX_NS: u64 = 3_600_000_000_000;

/// Significant decimal digits the histogram keeps.
const HIST_SIGFIG: u8 = 3;

/// Latencies of one operation kind, recorded per request and merged across
/// threads and intervals.
#[derive(Debug)]
pub struct Latency {
    count: u64,
    min_ns: u64,
    max_ns: u64,
    /// The mean latency in µs of those folded from `fresh` (all but
    /// `fresh.n`).
    mean_us: f64,
    /// Their sum of squared deviations, in µs².
    m2_us: f64,
    /// Their sum of the natural logarithms of the latencies in µs.
    ln_sum: f64,
    /// The latest latencies, as exact sums, folded in every [`FOLD`].
    fresh: Fresh,
    log2: [u64; LOG2_BUCKETS],
    /// The histogram, but for the latencies in `pending`.
    hist: Histogram<u64>,
    /// Latencies recorded since the histogram last took them (at most
    /// [`FOLD`]), by its index.
    pending: Pending,
}

impl Clone for Latency {
    /// A copy whose histogram holds every latency recorded.
    fn clone(&self) -> Latency {
        Latency {
            count: self.count,
            min_ns: self.min_ns,
            max_ns: self.max_ns,
            mean_us: self.mean_us,
            m2_us: self.m2_us,
            ln_sum: self.ln_sum,
            fresh: self.fresh,
            log2: self.log2,
            hist: self.histogram().into_owned(),
            pending: Pending::new(),
        }
    }
}

impl Default for Latency {
    fn default() -> Self {
        Self::new()
    }
}

impl Latency {
    /// An empty record.
    pub fn new() -> Latency {
        #[allow(clippy::expect_used)]
        let hist = Histogram::new_with_bounds(1, HIST_MAX_NS, HIST_SIGFIG)
            .expect("constant histogram bounds are valid");
        Latency {
            count: 0,
            min_ns: u64::MAX,
            max_ns: 0,
            mean_us: 0.0,
            m2_us: 0.0,
            ln_sum: 0.0,
            fresh: Fresh::default(),
            log2: [0; LOG2_BUCKETS],
            hist,
            pending: Pending::new(),
        }
    }

    /// Records one latency.
    #[inline]
    pub fn record(&mut self, latency: Duration) {
        self.record_ns(nanos(latency));
    }

    /// Records one latency of `ns` nanoseconds (0 counts as 1: the
    /// histogram starts there).
    pub fn record_ns(&mut self, ns: u64) {
        let ns = ns.max(1);
        if ns > HIST_MAX_NS {
            self.record_long(ns);
        } else {
            self.count += 1;
            self.fresh.push(ns);
            self.pending.push(ns);
            if self.fresh.n == FOLD {
                self.fold();
            }
        }
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        if let Some(bucket) = self.log2.get_mut(log2_bucket(ns)) {
            *bucket += 1;
        }
    }

    /// The histogram of every latency recorded: borrowed when none is
    /// pending (as in every copy and every merge), else a copy with them.
    fn histogram(&self) -> Cow<'_, Histogram<u64>> {
        if self.pending.is_empty() {
            return Cow::Borrowed(&self.hist);
        }
        let mut hist = self.hist.clone();
        self.pending.add_to(&mut hist);
        Cow::Owned(hist)
    }

    /// The count, mean (µs), sum of squared deviations (µs²) and sum of
    /// logarithms of everything recorded, fresh latencies included.
    fn settled(&self) -> (u64, f64, f64, f64) {
        let (n, mean, m2, ln) = self.fresh.moments();
        let folded = self.count - n;
        let (mean_us, m2_us) = combine((folded, self.mean_us, self.m2_us), (n, mean, m2));
        (self.count, mean_us, m2_us, self.ln_sum + ln)
    }

    /// Adds a latency longer than the fresh sums take straight to the
    /// moments (Welford's update).
    fn record_long(&mut self, ns: u64) {
        self.fold();
        self.hist.saturating_record(HIST_MAX_NS);
        self.count += 1;
        let us = ns as f64 / 1000.0;
        let delta = us - self.mean_us;
        self.mean_us += delta / self.count as f64;
        self.m2_us += delta * (us - self.mean_us);
        self.ln_sum += us.ln();
    }

    /// Folds the fresh latencies into the moments, and the pending ones
    /// into the histogram.
    fn fold(&mut self) {
        let (_, mean_us, m2_us, ln_sum) = self.settled();
        (self.mean_us, self.m2_us, self.ln_sum) = (mean_us, m2_us, ln_sum);
        self.fresh = Fresh::default();
        self.pending.drain_into(&mut self.hist);
    }

    /// Adds every latency recorded in `other` to this record.
    pub fn merge(&mut self, other: &Latency) {
        if other.count == 0 {
            return;
        }
        self.fold();
        let (n, mean_us, m2_us, ln_sum) = other.settled();
        (self.mean_us, self.m2_us) =
            combine((self.count, self.mean_us, self.m2_us), (n, mean_us, m2_us));
        self.count += n;
        self.min_ns = self.min_ns.min(other.min_ns);
        self.max_ns = self.max_ns.max(other.max_ns);
        self.ln_sum += ln_sum;
        for (mine, theirs) in self.log2.iter_mut().zip(other.log2.iter()) {
            *mine += theirs;
        }
        // Every record is built with the same bounds, so adding cannot fail.
        let _ = self.hist.add(&*other.histogram());
    }

    /// Forgets everything recorded, keeping the histogram's memory.
    pub fn reset(&mut self) {
        self.count = 0;
        self.min_ns = u64::MAX;
        self.max_ns = 0;
        self.mean_us = 0.0;
        self.m2_us = 0.0;
        self.ln_sum = 0.0;
        self.fresh = Fresh::default();
        self.log2 = [0; LOG2_BUCKETS];
        self.hist.reset();
        self.pending.clear();
    }

    /// How many latencies were recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The shortest latency, or zero when none was recorded.
    pub fn min(&self) -> Duration {
        if self.count == 0 {
            Duration::ZERO
        } else {
            Duration::from_nanos(self.min_ns)
        }
    }

    /// The longest latency, or zero when none was recorded.
    pub fn max(&self) -> Duration {
        Duration::from_nanos(self.max_ns)
    }

    /// The arithmetic mean in µs (zero when empty).
    pub fn mean_us(&self) -> f64 {
        self.settled().1
    }

    /// The population standard deviation in µs (zero when empty).
    pub fn std_dev_us(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            (self.settled().2 / self.count as f64).max(0.0).sqrt()
        }
    }

    /// The geometric mean in µs (zero when empty).
    pub fn geo_mean_us(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            (self.settled().3 / self.count as f64).exp()
        }
    }

    /// Counts per log2 bucket: entry `i` counts latencies `l` with
    /// `2^(i-1) < ceil(l in µs) ≤ 2^i` (entry 0 also holds sub-µs ones).
    pub fn log2_buckets(&self) -> &[u64; LOG2_BUCKETS] {
        &self.log2
    }

    /// The latency at quantile `q` (0.0 to 1.0), exact to three significant
    /// digits and never outside the recorded min and max; zero when empty.
    pub fn quantile(&self, q: f64) -> Duration {
        if self.count == 0 {
            Duration::ZERO
        } else {
            let ns = self.histogram().value_at_quantile(q.clamp(0.0, 1.0));
            Duration::from_nanos(ns.clamp(self.min_ns, self.max_ns))
        }
    }
}

/// `latency` in whole nanoseconds, `u64::MAX` past 584 years.
#[inline]
pub fn nanos(latency: Duration) -> u64 {
    u64::try_from(latency.as_nanos()).unwrap_or(u64::MAX)
}

/// The log2 bucket of a latency in nanoseconds: the smallest `i` with
/// `2^i ≥` the latency rounded up to whole µs.
pub fn log2_bucket(ns: u64) -> usize {
    let us = ns.div_ceil(1000);
    if us <= 1 {
        0
    } else {
        // For us ≥ 2, `(us - 1).ilog2() + 1` is the smallest i with 2^i ≥ us.
        (us - 1).ilog2() as usize + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn buckets_follow_memaslap() {
        assert_eq!(log2_bucket(0), 0);
        assert_eq!(log2_bucket(1_000), 0);
        assert_eq!(log2_bucket(1_001), 1);
        assert_eq!(log2_bucket(2_000), 1);
        assert_eq!(log2_bucket(18_000), 5);
        assert_eq!(log2_bucket(32_000), 5);
        assert_eq!(log2_bucket(32_001), 6);
        assert_eq!(log2_bucket(5_500_000), 13);
        assert_eq!(log2_bucket(u64::MAX), 55);
    }

    #[test]
    fn moments() {
        let mut l = Latency::new();
        for v in [2, 4, 4, 4, 5, 5, 7, 9] {
            l.record(us(v));
        }
        assert_eq!(l.count(), 8);
        assert_eq!(l.min(), us(2));
        assert_eq!(l.max(), us(9));
        assert!((l.mean_us() - 5.0).abs() < 1e-9);
        assert!((l.std_dev_us() - 2.0).abs() < 1e-9);
        let geo = (2.0f64 * 4.0 * 4.0 * 4.0 * 5.0 * 5.0 * 7.0 * 9.0).powf(1.0 / 8.0);
        assert!((l.geo_mean_us() - geo).abs() < 1e-9);
        assert_eq!(l.log2_buckets()[1], 1);
        assert_eq!(l.log2_buckets()[2], 3);
        assert_eq!(l.log2_buckets()[3], 3);
        assert_eq!(l.log2_buckets()[4], 1);
    }

    #[test]
    fn merge_equals_recording_everything_in_one() {
        let values: Vec<u64> = (1..2000).map(|i| (i * 7919) % 5000 + 10).collect();
        let mut whole = Latency::new();
        let mut a = Latency::new();
        let mut b = Latency::new();
        for (i, v) in values.iter().enumerate() {
            whole.record(us(*v));
            if i % 3 == 0 {
                a.record(us(*v))
            } else {
                b.record(us(*v))
            }
        }
        a.merge(&b);
        assert_eq!(a.count(), whole.count());
        assert_eq!(a.min(), whole.min());
        assert_eq!(a.max(), whole.max());
        assert!((a.mean_us() - whole.mean_us()).abs() < 1e-6);
        assert!((a.std_dev_us() - whole.std_dev_us()).abs() < 1e-6);
        assert!((a.geo_mean_us() - whole.geo_mean_us()).abs() < 1e-6);
        assert_eq!(a.log2_buckets(), whole.log2_buckets());
        for q in [0.5, 0.9, 0.99, 0.999, 1.0] {
            assert_eq!(a.quantile(q), whole.quantile(q));
        }
    }

    #[test]
    fn merging_any_split_gives_every_percentile_of_the_whole() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut whole = Latency::new();
        let mut parts: Vec<Latency> = (0..7).map(|_| Latency::new()).collect();
        for _ in 0..50_000 {
            let v = Duration::from_nanos(1_000 + next() % 50_000_000);
            whole.record(v);
            parts[(next() % 7) as usize].record(v);
        }
        let mut merged = Latency::new();
        for part in &parts {
            merged.merge(part);
        }
        for q in [0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
            assert_eq!(merged.quantile(q), whole.quantile(q), "q{q}");
        }
        assert_eq!(merged.count(), whole.count());
    }

    #[test]
    fn percentiles_are_exact_to_three_digits() {
        let mut l = Latency::new();
        for v in 1..=10_000u64 {
            l.record(us(v));
        }
        for (q, want) in [(0.5, 5_000.0), (0.9, 9_000.0), (0.99, 9_900.0)] {
            let got = l.quantile(q).as_secs_f64() * 1e6;
            assert!((got - want).abs() / want < 1e-3, "q{q}: {got} vs {want}");
        }
        assert_eq!(l.quantile(1.0).as_micros(), 10_000);
    }

    #[test]
    fn moments_over_many_folds_and_past_an_hour_match_a_direct_sum() {
        let mut l = Latency::new();
        let values: Vec<u64> = (0..3 * FOLD + 17)
            .map(|i| 1 + (i * 2_654_435_761) % 50_000_000)
            .chain([7_200_000_000_000, 5])
            .collect();
        for &v in &values {
            l.record(Duration::from_nanos(v));
        }
        let us: Vec<f64> = values.iter().map(|&v| v as f64 / 1000.0).collect();
        let n = us.len() as f64;
        let mean = us.iter().sum::<f64>() / n;
        let var = us.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n;
        let geo = (us.iter().map(|x| x.ln()).sum::<f64>() / n).exp();
        assert_eq!(l.count(), values.len() as u64);
        assert!((l.mean_us() - mean).abs() / mean < 1e-12);
        assert!((l.std_dev_us() - var.sqrt()).abs() / var.sqrt() < 1e-9);
        assert!((l.geo_mean_us() - geo).abs() / geo < 1e-12);
    }

    #[test]
    fn a_copy_holds_every_latency_in_its_histogram() {
        let mut l = Latency::new();
        // One fold's worth went into the histogram, 100 are pending.
        for i in 0..FOLD + 100 {
            l.record(Duration::from_nanos(1 + (i * 7_919) % 3_000_000));
        }
        assert!(!l.pending.is_empty());
        let copy = l.clone();
        assert!(copy.pending.is_empty());
        assert!(matches!(copy.histogram(), Cow::Borrowed(_)));
        assert_eq!(copy.hist.len(), FOLD + 100);
        assert_eq!(*l.histogram(), copy.hist);
        l.reset();
        for q in [0.0, 0.5, 0.99, 1.0] {
            assert_eq!(copy.quantile(q), copy.clone().quantile(q));
        }
        assert_eq!(l.histogram().len(), 0);
    }

    #[test]
    fn empty_and_reset() {
        let mut l = Latency::new();
        assert_eq!(l.min(), Duration::ZERO);
        assert_eq!(l.quantile(0.5), Duration::ZERO);
        assert_eq!(l.std_dev_us(), 0.0);
        l.record(us(100));
        l.record(Duration::from_secs(7200));
        assert_eq!(l.max(), Duration::from_secs(7200));
        l.reset();
        assert_eq!(l.count(), 0);
        assert_eq!(l.max(), Duration::ZERO);
        assert_eq!(l.log2_buckets().iter().sum::<u64>(), 0);
    }
}
