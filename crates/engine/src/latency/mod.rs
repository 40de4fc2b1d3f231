//! Latency of one kind of operation: exact running moments for memaslap's
//! min/max/avg/std-dev/geometric-mean columns, its log2 distribution, and a
//! mergeable HDR histogram for percentiles.

use hdrhistogram::Histogram;
use std::time::Duration;

mod fresh;
mod pending;
mod saved;
mod v2;
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
        self.bound_and_bucket(ns, 1);
    }

    /// Records `n` latencies of `ns` nanoseconds each: the record `n`
    /// calls of [`Latency::record_ns`] make, for replies that share one
    /// latency (those of one read to the requests of one write).
    pub fn record_ns_n(&mut self, ns: u64, n: u64) {
        let ns = ns.max(1);
        if ns > HIST_MAX_NS {
            for _ in 0..n {
                self.record_long(ns);
            }
        } else {
            let mut left = n;
            while left > 0 {
                // A fold leaves room: fresh.n < FOLD between records.
                let take = left.min(FOLD - self.fresh.n);
                self.count += take;
                self.fresh.push_n(ns, take);
                self.pending.push_n(ns, take);
                if self.fresh.n == FOLD {
                    self.fold();
                }
                left -= take;
            }
        }
        if n > 0 {
            self.bound_and_bucket(ns, n);
        }
    }

    /// Takes `n` latencies of `ns` (at least one) into the minimum, the
    /// maximum and the log2 buckets.
    #[inline(always)]
    fn bound_and_bucket(&mut self, ns: u64, n: u64) {
        self.min_ns = self.min_ns.min(ns);
        self.max_ns = self.max_ns.max(ns);
        if let Some(bucket) = self.log2.get_mut(log2_bucket(ns)) {
            *bucket += n;
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

    /// Moves the latencies still pending into the histogram, so that
    /// copies and merges of this record borrow it instead of building one.
    pub fn settle_histogram(&mut self) {
        self.pending.drain_into(&mut self.hist);
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
        // An empty histogram has every count zero already: no need to
        // write them all again.
        if !self.hist.is_empty() {
            self.hist.reset();
        }
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
            // max then min, not clamp: a restored record's bounds come
            // from a file, and clamp panics on a least past the most.
            Duration::from_nanos(ns.max(self.min_ns).min(self.max_ns))
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
mod tests;
