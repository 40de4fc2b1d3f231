//! Latency in the JSON: the figures people read (µs, rounded) and, beside
//! them, the whole record — the histogram in HdrHistogram's V2 format and
//! the exact running moments — from which `memaslap merge` restores it.

use super::{round, us};
use memaslap_engine::{Latency, Moments, RestoreError};
use serde::{Deserialize, Serialize};

/// Latency of gets, sets and both.
#[derive(Debug, Serialize, Deserialize)]
pub struct LatencyByKind {
    /// Gets.
    pub get: LatencyJson,
    /// Sets.
    pub set: LatencyJson,
    /// Both.
    pub total: LatencyJson,
}

impl LatencyByKind {
    /// The figures of `get`, `set` and `total`.
    pub fn new(get: &Latency, set: &Latency, total: &Latency) -> LatencyByKind {
        LatencyByKind {
            get: LatencyJson::from(get),
            set: LatencyJson::from(set),
            total: LatencyJson::from(total),
        }
    }
}

/// One kind's latency in µs.
#[derive(Debug, Serialize, Deserialize)]
pub struct LatencyJson {
    count: u64,
    min_us: f64,
    max_us: f64,
    mean_us: f64,
    std_dev_us: f64,
    geo_mean_us: f64,
    p50_us: f64,
    p90_us: f64,
    p99_us: f64,
    p999_us: f64,
    p9999_us: f64,
    /// Counts per log2 bucket (bucket i: at most 2^i µs), up to the last
    /// non-empty one.
    log2_buckets: Vec<u64>,
    /// Every latency, as HdrHistogram's V2 compressed format in base64
    /// (values in ns): histograms of several instances merge exactly.
    hdr_v2: String,
    /// The running moments, unrounded, for merging.
    moments: MomentsJson,
}

/// [`Moments`] as the JSON holds them, unrounded: the mean in µs, the sum
/// of squared deviations in µs², the sum of the logarithms of the
/// latencies in µs.
#[derive(Debug, Serialize, Deserialize)]
struct MomentsJson {
    min_ns: u64,
    max_ns: u64,
    mean: f64,
    m2: f64,
    ln_sum: f64,
}

impl LatencyJson {
    /// The 99th percentile, µs.
    pub fn p99_us(&self) -> f64 {
        self.p99_us
    }

    /// The record these figures came from.
    ///
    /// # Errors
    /// What is wrong with the saved record.
    pub fn restore(&self) -> Result<Latency, RestoreError> {
        let m = &self.moments;
        let moments = Moments {
            count: self.count,
            min_ns: m.min_ns,
            max_ns: m.max_ns,
            mean_us: m.mean,
            m2_us: m.m2,
            ln_sum: m.ln_sum,
        };
        Latency::restore(moments, &self.log2_buckets, &self.hdr_v2)
    }
}

impl From<&Latency> for LatencyJson {
    fn from(l: &Latency) -> LatencyJson {
        let buckets = l.log2_buckets();
        let last = buckets.iter().rposition(|&n| n != 0).map_or(0, |i| i + 1);
        let m = l.moments();
        LatencyJson {
            count: l.count(),
            min_us: us(l.min()),
            max_us: us(l.max()),
            mean_us: round(l.mean_us(), 10.0),
            std_dev_us: round(l.std_dev_us(), 10.0),
            geo_mean_us: round(l.geo_mean_us(), 10.0),
            p50_us: us(l.quantile(0.5)),
            p90_us: us(l.quantile(0.9)),
            p99_us: us(l.quantile(0.99)),
            p999_us: us(l.quantile(0.999)),
            p9999_us: us(l.quantile(0.9999)),
            log2_buckets: buckets.iter().take(last).copied().collect(),
            hdr_v2: l.to_v2_base64(),
            moments: MomentsJson {
                min_ns: m.min_ns,
                max_ns: m.max_ns,
                mean: m.mean_us,
                m2: m.m2_us,
                ln_sum: m.ln_sum,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_latency_survives_the_json() {
        let mut l = Latency::new();
        for v in [5u64, 17, 17, 230, 4_100, 90_000] {
            l.record(Duration::from_nanos(v * 1_003));
        }
        let text = serde_json::to_string(&LatencyJson::from(&l)).unwrap();
        let back: LatencyJson = serde_json::from_str(&text).unwrap();
        let restored = back.restore().unwrap();
        assert_eq!(restored.moments(), l.moments());
        assert_eq!(restored.log2_buckets(), l.log2_buckets());
        assert_eq!(restored.quantile(0.99), l.quantile(0.99));
        assert_eq!(restored.to_v2_base64(), l.to_v2_base64());
    }
}
