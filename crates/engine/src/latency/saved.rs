//! A latency record written out and read back: its histogram in
//! HdrHistogram's V2 compressed format (base64) and its exact running
//! moments, so that records saved by several instances of one run merge
//! into exactly the record one instance would have kept.

use super::{HIST_MAX_NS, LOG2_BUCKETS, Latency, log2_bucket};
use base64::Engine;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Serializer, V2DeflateSerializer};
use std::fmt;

/// The running moments of a record, exactly as it keeps them: with its
/// histogram and log2 buckets, all it needs to be restored.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    /// Latencies recorded.
    pub count: u64,
    /// The shortest, in ns (`u64::MAX` when none).
    pub min_ns: u64,
    /// The longest, in ns.
    pub max_ns: u64,
    /// The arithmetic mean, in µs.
    pub mean_us: f64,
    /// The sum of squared deviations from the mean, in µs².
    pub m2_us: f64,
    /// The sum of the natural logarithms of the latencies in µs.
    pub ln_sum: f64,
}

/// Why a saved record cannot be restored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestoreError {
    /// The histogram is not base64.
    Base64(String),
    /// The histogram is not in the V2 format, or is cut short.
    Histogram(String),
    /// The histogram holds a latency past the bounds every record has.
    OutOfBounds,
    /// More log2 buckets than a record has.
    TooManyBuckets(usize),
    /// The parts disagree: what does not add up.
    Inconsistent(&'static str),
}

impl fmt::Display for RestoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RestoreError::Base64(e) => write!(f, "the histogram is not base64: {e}"),
            RestoreError::Histogram(e) => {
                write!(f, "the histogram is not in HdrHistogram's V2 format: {e}")
            }
            RestoreError::OutOfBounds => write!(f, "the histogram holds a latency past one hour"),
            RestoreError::TooManyBuckets(n) => {
                write!(f, "{n} log2 buckets (at most {LOG2_BUCKETS})")
            }
            RestoreError::Inconsistent(what) => write!(f, "{what}"),
        }
    }
}

impl std::error::Error for RestoreError {}

impl Latency {
    /// The histogram in HdrHistogram's V2 compressed format, base64: the
    /// interchange format other HdrHistogram tools read, values in
    /// nanoseconds. Histograms of several runs (instances) merge exactly.
    pub fn to_v2_base64(&self) -> String {
        let mut bytes = Vec::new();
        // Writing into a Vec fails only on an impossible histogram.
        if V2DeflateSerializer::new()
            .serialize(&*self.histogram(), &mut bytes)
            .is_err()
        {
            bytes.clear();
        }
        base64::engine::general_purpose::STANDARD.encode(bytes)
    }

    /// The running moments, exactly.
    pub fn moments(&self) -> Moments {
        let (count, mean_us, m2_us, ln_sum) = self.settled();
        Moments {
            count,
            min_ns: self.min_ns,
            max_ns: self.max_ns,
            mean_us,
            m2_us,
            ln_sum,
        }
    }

    /// The record saved as `moments`, its log2 buckets (trailing empty
    /// ones may be left out) and its histogram from
    /// [`Latency::to_v2_base64`]. Checks that the parts agree: as many
    /// latencies in each, the least and most within the histogram's.
    ///
    /// # Errors
    /// A [`RestoreError`] naming what is wrong with the saved parts.
    pub fn restore(moments: Moments, log2: &[u64], hdr_v2: &str) -> Result<Latency, RestoreError> {
        if log2.len() > LOG2_BUCKETS {
            return Err(RestoreError::TooManyBuckets(log2.len()));
        }
        let mut record = histogram_only(hdr_v2)?;
        let mut buckets = [0; LOG2_BUCKETS];
        for (mine, saved) in buckets.iter_mut().zip(log2) {
            *mine = *saved;
        }
        record.log2 = buckets;
        check(&moments, &record)?;
        record.count = moments.count;
        record.min_ns = moments.min_ns;
        record.max_ns = moments.max_ns;
        record.mean_us = moments.mean_us;
        record.m2_us = moments.m2_us;
        record.ln_sum = moments.ln_sum;
        Ok(record)
    }
}

impl Latency {
    /// The record of a histogram saved alone ([`Latency::to_v2_base64`]):
    /// its moments and log2 buckets are those of the histogram's values,
    /// exact to its three significant digits.
    ///
    /// # Errors
    /// What is wrong with the saved histogram.
    pub fn from_histogram(hdr_v2: &str) -> Result<Latency, RestoreError> {
        histogram_only(hdr_v2)
    }
}

/// The record of the histogram `hdr_v2`, its other parts drawn from it.
fn histogram_only(hdr_v2: &str) -> Result<Latency, RestoreError> {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(hdr_v2)
        .map_err(|e| RestoreError::Base64(e.to_string()))?;
    let hist: Histogram<u64> = super::v2::decode(&bytes)?;
    if hist.max() > HIST_MAX_NS {
        return Err(RestoreError::OutOfBounds);
    }
    let mut record = Latency::new();
    record
        .hist
        .add(&hist)
        .map_err(|_| RestoreError::OutOfBounds)?;
    let n = record.hist.len();
    if n > 0 {
        record.count = n;
        record.min_ns = record.hist.min().max(1);
        // A histogram of too few significant digits may say its most is
        // below its least.
        record.max_ns = record.hist.max().max(record.min_ns);
        record.mean_us = record.hist.mean() / 1000.0;
        let sd_us = record.hist.stdev() / 1000.0;
        record.m2_us = sd_us * sd_us * n as f64;
        for v in record.hist.iter_recorded() {
            let ns = v.value_iterated_to().max(1);
            let times = v.count_at_value();
            record.ln_sum += times as f64 * (ns as f64 / 1000.0).ln();
            if let Some(bucket) = record.log2.get_mut(log2_bucket(ns)) {
                *bucket += times;
            }
        }
    }
    Ok(record)
}

/// Whether `moments` agree with the histogram and buckets of `record`.
fn check(moments: &Moments, record: &Latency) -> Result<(), RestoreError> {
    let in_buckets = record
        .log2
        .iter()
        .try_fold(0u64, |sum, n| sum.checked_add(*n));
    if in_buckets != Some(moments.count) {
        return Err(RestoreError::Inconsistent(
            "the log2 buckets do not hold the count",
        ));
    }
    if record.hist.len() != moments.count {
        return Err(RestoreError::Inconsistent(
            "the histogram does not hold the count",
        ));
    }
    let finite = [moments.mean_us, moments.m2_us, moments.ln_sum]
        .iter()
        .all(|x| x.is_finite());
    if !finite || moments.m2_us < 0.0 {
        return Err(RestoreError::Inconsistent(
            "a moment is not a finite number",
        ));
    }
    if moments.count == 0 {
        return Ok(());
    }
    if moments.min_ns > moments.max_ns || moments.min_ns == 0 {
        return Err(RestoreError::Inconsistent(
            "the least latency is past the most",
        ));
    }
    let bucketed = |ns: u64| record.log2.get(log2_bucket(ns)).is_some_and(|&n| n > 0);
    let lowest = record
        .hist
        .lowest_equivalent(moments.min_ns.min(HIST_MAX_NS));
    let highest = record
        .hist
        .highest_equivalent(moments.max_ns.min(HIST_MAX_NS));
    if !bucketed(moments.min_ns)
        || !bucketed(moments.max_ns)
        || record.hist.min() < lowest
        || record.hist.max() > highest
    {
        return Err(RestoreError::Inconsistent(
            "the least or most latency is not where the histogram has it",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn recorded(values_us: &[u64]) -> Latency {
        let mut l = Latency::new();
        for v in values_us {
            l.record(Duration::from_micros(*v));
        }
        l
    }

    fn saved(l: &Latency) -> (Moments, Vec<u64>, String) {
        let buckets = l.log2_buckets();
        let last = buckets.iter().rposition(|&n| n != 0).map_or(0, |i| i + 1);
        (l.moments(), buckets[..last].to_vec(), l.to_v2_base64())
    }

    #[test]
    fn a_record_round_trips_exactly() {
        let l = recorded(&[3, 70, 70, 900, 12_000, 5_000_000]);
        let (moments, log2, hdr) = saved(&l);
        let back = Latency::restore(moments, &log2, &hdr).unwrap();
        assert_eq!(back.hist, *l.histogram());
        assert_eq!(back.moments(), l.moments());
        assert_eq!(back.log2_buckets(), l.log2_buckets());
        assert_eq!(back.std_dev_us(), l.std_dev_us());
        assert_eq!(back.geo_mean_us(), l.geo_mean_us());
        for q in [0.5, 0.99, 0.999, 1.0] {
            assert_eq!(back.quantile(q), l.quantile(q));
        }
        let alone = Latency::from_histogram(&hdr).unwrap();
        assert_eq!(alone.count(), l.count());
        // The histogram alone knows the most only to its three digits.
        let (got, want) = (alone.quantile(0.5), l.quantile(0.5));
        assert!(got.abs_diff(want) <= want / 1000, "{got:?} {want:?}");
        let (got, want) = (alone.max(), l.max());
        assert!(got.abs_diff(want) <= want / 1000, "{got:?} {want:?}");
        let empty = Latency::new();
        let (moments, log2, hdr) = saved(&empty);
        let back = Latency::restore(moments, &log2, &hdr).unwrap();
        assert_eq!(back.count(), 0);
        assert_eq!(back.min(), Duration::ZERO);
    }

    #[test]
    fn restored_parts_merge_as_the_whole() {
        // Latencies split at random over k records, each saved and read
        // back as another machine's would be: the merge gives every
        // printed percentile of one record that kept them all.
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for k in [2u64, 3, 7] {
            let mut whole = Latency::new();
            let mut parts: Vec<Latency> = (0..k).map(|_| Latency::new()).collect();
            for _ in 0..30_000 {
                let v = Duration::from_nanos(500 + next() % 80_000_000);
                whole.record(v);
                parts[(next() % k) as usize].record(v);
            }
            let mut merged = Latency::new();
            for part in &parts {
                let (moments, log2, hdr) = saved(part);
                merged.merge(&Latency::restore(moments, &log2, &hdr).unwrap());
            }
            assert_eq!(*merged.histogram(), *whole.histogram());
            for q in [0.5, 0.9, 0.99, 0.999, 0.9999, 1.0] {
                assert_eq!(merged.quantile(q), whole.quantile(q), "k {k} q {q}");
            }
            assert_eq!(merged.count(), whole.count());
            assert_eq!(merged.min(), whole.min());
            assert_eq!(merged.max(), whole.max());
            assert_eq!(merged.log2_buckets(), whole.log2_buckets());
            assert!((merged.mean_us() - whole.mean_us()).abs() < 1e-6);
            assert!((merged.std_dev_us() - whole.std_dev_us()).abs() < 1e-6);
            assert!((merged.geo_mean_us() - whole.geo_mean_us()).abs() < 1e-6);
        }
    }

    #[test]
    fn parts_that_disagree_are_refused() {
        let l = recorded(&[10, 20, 30]);
        let (moments, log2, hdr) = saved(&l);
        let more = Moments {
            count: 4,
            ..moments
        };
        assert!(matches!(
            Latency::restore(more, &log2, &hdr),
            Err(RestoreError::Inconsistent(_))
        ));
        let faster = Moments {
            min_ns: 1_000,
            ..moments
        };
        assert!(Latency::restore(faster, &log2, &hdr).is_err());
        let nan = Moments {
            mean_us: f64::NAN,
            ..moments
        };
        assert!(Latency::restore(nan, &log2, &hdr).is_err());
        assert!(matches!(
            Latency::restore(moments, &log2, "not base64!"),
            Err(RestoreError::Base64(_))
        ));
        assert!(matches!(
            Latency::restore(moments, &log2, "AAAA"),
            Err(RestoreError::Histogram(_))
        ));
        let cut = &hdr[..hdr.len() / 2 / 4 * 4];
        assert!(Latency::restore(moments, &log2, cut).is_err());
        assert!(matches!(
            Latency::restore(moments, &[0; 65], &hdr),
            Err(RestoreError::TooManyBuckets(65))
        ));
    }
}
