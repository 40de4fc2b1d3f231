//! Latencies recorded since the last fold into a record's moments, kept as
//! exact integer sums and one running product: recording one costs no
//! division and no logarithm.

/// Latencies folded at most at once, so that the sums cannot overflow:
/// n · Σns² and (Σns)² stay below 2^128 for latencies up to an hour.
pub(super) const FOLD: u64 = 1 << 16;

/// The sums of the latencies recorded since the last fold.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fresh {
    pub n: u64,
    sum_ns: u128,
    sum_sq_ns: u128,
    /// The product of the latencies in ns is `mantissa · 2^exponent`,
    /// the mantissa kept in [1, 2): its logarithm is the sum of theirs
    /// (in µs, less `n · ln 1000`).
    mantissa: f64,
    exponent: i64,
}

impl Default for Fresh {
    fn default() -> Self {
        Fresh {
            n: 0,
            sum_ns: 0,
            sum_sq_ns: 0,
            mantissa: 1.0,
            exponent: 0,
        }
    }
}

/// Bits of an `f64`'s exponent field, and its bias.
const EXPONENT_BITS: u64 = 0x7ff << 52;
const BIAS: i64 = 1023;

impl Fresh {
    /// Adds a latency of `ns` nanoseconds (at least 1, at most an hour).
    #[inline]
    pub fn push(&mut self, ns: u64) {
        self.n += 1;
        self.sum_ns += u128::from(ns);
        self.sum_sq_ns += u128::from(ns) * u128::from(ns);
        self.multiply(ns as f64);
    }

    /// Multiplies the product by `factor` (a latency in ns).
    #[inline(always)]
    fn multiply(&mut self, factor: f64) {
        // A normal product in [1, 2 · 3.6e12]: take its power of two out.
        let product = (self.mantissa * factor).to_bits();
        self.exponent += ((product & EXPONENT_BITS) >> 52) as i64 - BIAS;
        self.mantissa = f64::from_bits((product & !EXPONENT_BITS) | ((BIAS as u64) << 52));
    }

    /// Adds `k` latencies of `ns` nanoseconds each (at least 1, at most an
    /// hour; `n + k` at most [`FOLD`]): the sums of `k` pushes, and their
    /// product taken one factor at a time, as `k` pushes take it.
    #[inline]
    pub fn push_n(&mut self, ns: u64, k: u64) {
        self.n += k;
        self.sum_ns += u128::from(ns) * u128::from(k);
        self.sum_sq_ns += u128::from(ns) * u128::from(ns) * u128::from(k);
        for _ in 0..k {
            self.multiply(ns as f64);
        }
    }

    /// Their count, mean (µs), sum of squared deviations (µs²) and sum of
    /// natural logarithms (of µs).
    pub fn moments(&self) -> (u64, f64, f64, f64) {
        if self.n == 0 {
            return (0, 0.0, 0.0, 0.0);
        }
        let n = u128::from(self.n);
        let mean_us = self.sum_ns as f64 / self.n as f64 / 1000.0;
        // n · Σx² - (Σx)² is exact in integers and never negative.
        let spread = (n * self.sum_sq_ns).saturating_sub(self.sum_ns * self.sum_ns);
        let m2_us = spread as f64 / self.n as f64 / 1e6;
        let ln_sum = self.exponent as f64 * std::f64::consts::LN_2 + self.mantissa.ln()
            - self.n as f64 * 1000f64.ln();
        (self.n, mean_us, m2_us, ln_sum)
    }
}

/// The mean and sum of squared deviations of two sets of `a` and `b`
/// values with these (Chan et al.'s pairwise update).
pub(super) fn combine(a: (u64, f64, f64), b: (u64, f64, f64)) -> (f64, f64) {
    let ((na, mean_a, m2_a), (nb, mean_b, m2_b)) = (a, b);
    let n = na + nb;
    if n == 0 {
        return (0.0, 0.0);
    }
    let delta = mean_b - mean_a;
    let weight = nb as f64 / n as f64;
    (
        mean_a + delta * weight,
        m2_a + m2_b + delta * delta * na as f64 * weight,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_give_the_moments_of_what_was_pushed() {
        let mut f = Fresh::default();
        let values = [2_000u64, 4_000, 4_000, 4_000, 5_000, 5_000, 7_000, 9_000];
        for v in values {
            f.push(v);
        }
        let (n, mean, m2, ln) = f.moments();
        assert_eq!(n, 8);
        assert!((mean - 5.0).abs() < 1e-12);
        assert!((m2 - 32.0).abs() < 1e-9);
        let ln_direct: f64 = values.iter().map(|&v| (v as f64 / 1000.0).ln()).sum();
        assert!((ln - ln_direct).abs() < 1e-12, "{ln} {ln_direct}");
    }

    #[test]
    fn the_product_stays_exact_over_a_fold_of_extremes() {
        let mut f = Fresh::default();
        let mut direct = 0.0;
        for i in 0..FOLD {
            let ns = if i % 2 == 0 { 1 } else { 3_600_000_000_000 };
            f.push(ns);
            direct += (ns as f64 / 1000.0).ln();
        }
        let (_, _, m2, ln) = f.moments();
        assert!(m2.is_finite() && m2 > 0.0);
        assert!((ln - direct).abs() / direct.abs() < 1e-12, "{ln} {direct}");
    }
}
