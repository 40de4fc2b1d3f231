//! The latency record's tests: buckets, moments, merges, percentiles.

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
fn a_copy_before_any_fold_equals_recording_into_the_histogram() {
    let mut l = Latency::new();
    let mut direct = Histogram::new_with_bounds(1, HIST_MAX_NS, HIST_SIGFIG).unwrap();
    for i in 0..5_000u64 {
        let ns = 1 + (i * 104_729) % 40_000_000;
        l.record(Duration::from_nanos(ns));
        direct.record(ns).unwrap();
    }
    assert!(l.hist.is_empty() && !l.pending.is_empty());
    let copy = l.clone();
    assert_eq!(copy.hist, direct);
    assert_eq!(
        (copy.hist.min(), copy.hist.max()),
        (direct.min(), direct.max())
    );
    // Reset after a fold clears the histogram; reset of an empty one
    // leaves it as a new one.
    for i in 0..FOLD {
        l.record(Duration::from_nanos(1 + i));
    }
    assert!(!l.hist.is_empty());
    l.reset();
    assert_eq!(l.hist, Histogram::new_from(&direct));
    assert_eq!((l.hist.min(), l.hist.max()), (0, 0));
    l.reset();
    l.record(us(3));
    assert_eq!(l.clone().hist.len(), 1);
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

/// Whether two records hold the same latencies, to the bit.
fn assert_same(a: &Latency, b: &Latency, what: &str) {
    assert_eq!(a.count(), b.count(), "{what}: count");
    assert_eq!((a.min(), a.max()), (b.min(), b.max()), "{what}: min, max");
    for (x, y) in [
        (a.mean_us(), b.mean_us()),
        (a.std_dev_us(), b.std_dev_us()),
        (a.geo_mean_us(), b.geo_mean_us()),
    ] {
        assert_eq!(x.to_bits(), y.to_bits(), "{what}: {x} against {y}");
    }
    assert_eq!(a.log2_buckets(), b.log2_buckets(), "{what}: log2");
    assert_eq!(*a.histogram(), *b.histogram(), "{what}: histogram");
}

#[test]
fn a_run_of_equal_latencies_is_recorded_as_one_at_a_time() {
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut runs = Latency::new();
    let mut ones = Latency::new();
    let mut recorded = 0;
    // Runs of 0 to 40 (some across a fold), a latency past the hour now
    // and then, then one long run across two folds.
    for i in 0..=9_000 {
        let n = if i < 9_000 { next() % 41 } else { 2 * FOLD + 5 };
        let ns = match next() % 100 {
            0 => HIST_MAX_NS + next() % 1_000,
            1 => 0,
            _ => 1 + next() % 20_000_000,
        };
        runs.record_ns_n(ns, n);
        for _ in 0..n {
            ones.record_ns(ns);
        }
        recorded += n;
        if i % 997 == 0 {
            assert_same(&runs, &ones, &format!("after run {i}"));
        }
    }
    assert!(recorded > 3 * FOLD);
    assert_same(&runs, &ones, "at the end");
}
