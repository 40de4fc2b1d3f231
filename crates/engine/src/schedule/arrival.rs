//! When open-loop requests fall due (`--rate`, `--arrival`): an arrival
//! process drawing the gaps between intended send times, independently of
//! replies, from a seed. Times are nanoseconds since the run's start.

use memaslap_workload::mix64;

/// How the gaps between arrivals are drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArrivalKind {
    /// Exponential gaps of mean 1/rate: a Poisson process, as independent
    /// users make.
    Poisson,
    /// Every gap exactly 1/rate.
    Uniform,
}

impl ArrivalKind {
    /// The name `--arrival` takes.
    pub fn name(self) -> &'static str {
        match self {
            ArrivalKind::Poisson => "poisson",
            ArrivalKind::Uniform => "uniform",
        }
    }
}

/// The intended send times of one thread's requests.
#[derive(Debug, Clone)]
pub struct Arrivals {
    kind: ArrivalKind,
    /// The mean gap, in ns.
    mean_ns: f64,
    /// The next arrival, in ns since the start (kept in `f64` so that
    /// uniform gaps do not drift by rounding).
    next_ns: f64,
    /// `next_ns` rounded to whole ns, as asked for on every pass of the
    /// worker's loop (rounding is a call into libm on x86-64's baseline).
    next_due: u64,
    /// SplitMix64's counter.
    state: u64,
}

impl Arrivals {
    /// `rate` arrivals per second drawn as `kind` says from `seed`, the
    /// first after `offset` (a fraction of the mean gap, to stagger
    /// threads). `None` unless `rate` is positive and finite.
    pub fn new(kind: ArrivalKind, rate: f64, seed: u64, offset: f64) -> Option<Arrivals> {
        if !(rate > 0.0 && rate.is_finite()) {
            return None;
        }
        let mean_ns = 1e9 / rate;
        let mut arrivals = Arrivals {
            kind,
            mean_ns,
            next_ns: 0.0,
            next_due: 0,
            state: seed,
        };
        let first = match kind {
            ArrivalKind::Uniform => mean_ns * offset.clamp(0.0, 1.0),
            ArrivalKind::Poisson => arrivals.gap(),
        };
        arrivals.set_next(first);
        Some(arrivals)
    }

    /// When the next request falls due, in ns since the start.
    pub fn next_due(&self) -> u64 {
        self.next_due
    }

    /// Takes the next arrival and draws the one after it.
    pub fn advance(&mut self) -> u64 {
        let due = self.next_due;
        let next = self.next_ns + self.gap();
        self.set_next(next);
        due
    }

    fn set_next(&mut self, ns: f64) {
        self.next_ns = ns;
        self.next_due = ns.round() as u64;
    }

    /// One gap, in ns.
    fn gap(&mut self) -> f64 {
        match self.kind {
            ArrivalKind::Uniform => self.mean_ns,
            ArrivalKind::Poisson => {
                self.state = self.state.wrapping_add(1);
                // 53 random bits: u in [0, 1), so 1 - u is never 0.
                let u = (mix64(self.state) >> 11) as f64 / (1u64 << 53) as f64;
                -self.mean_ns * (1.0 - u).ln()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gaps(kind: ArrivalKind, rate: f64, n: usize) -> Vec<f64> {
        let mut a = Arrivals::new(kind, rate, 42, 0.0).unwrap();
        let mut last = a.advance();
        (0..n)
            .map(|_| {
                let t = a.advance();
                let gap = (t - last) as f64;
                last = t;
                gap
            })
            .collect()
    }

    #[test]
    fn poisson_gaps_are_exponential_with_mean_one_over_the_rate() {
        for rate in [1_000.0, 123_456.0] {
            let g = gaps(ArrivalKind::Poisson, rate, 100_000);
            let mean = g.iter().sum::<f64>() / g.len() as f64;
            let var = g.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / g.len() as f64;
            let cv = var.sqrt() / mean;
            let want = 1e9 / rate;
            assert!((mean / want - 1.0).abs() < 0.02, "mean {mean} want {want}");
            assert!((cv - 1.0).abs() < 0.05, "coefficient of variation {cv}");
        }
    }

    #[test]
    fn uniform_gaps_are_exact() {
        assert!(
            gaps(ArrivalKind::Uniform, 1_000.0, 100_000)
                .iter()
                .all(|&g| g == 1e6)
        );
        // A gap that is no whole number of ns: each within 1 ns, no drift.
        let mut a = Arrivals::new(ArrivalKind::Uniform, 3_000.0, 1, 0.0).unwrap();
        let last = (0..=300_000).map(|_| a.advance()).last().unwrap();
        assert_eq!(last, 100_000_000_000);
    }

    #[test]
    fn seeds_and_offsets() {
        let draw = |seed| {
            let mut a = Arrivals::new(ArrivalKind::Poisson, 1e4, seed, 0.0).unwrap();
            (0..8).map(|_| a.advance()).collect::<Vec<_>>()
        };
        assert_eq!(draw(1), draw(1));
        assert_ne!(draw(1), draw(2));
        let a = Arrivals::new(ArrivalKind::Uniform, 1000.0, 0, 0.5).unwrap();
        assert_eq!(a.next_due(), 500_000);
        assert!(Arrivals::new(ArrivalKind::Uniform, 0.0, 0, 0.0).is_none());
        assert!(Arrivals::new(ArrivalKind::Poisson, f64::NAN, 0, 0.0).is_none());
    }
}
