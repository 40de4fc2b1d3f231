//! The CPU the client's worker threads spent on a run, from each thread's
//! own accounting: what a request cost the client, and whether a worker
//! thread was busy for most of the run — then the client, not the server,
//! may have set the pace and added to the latencies.

use memaslap_transport::CpuTimes;
use std::time::Duration;

/// A worker thread on a core for at least this share of the run was
/// likely the run's bottleneck.
pub const BUSY_SHARE: f64 = 0.9;

/// The CPU the worker threads of one run (or of several instances'
/// runs, merged) used from their start to their end.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ClientCpu {
    /// Their user time, added up.
    pub user: Duration,
    /// Their system time (the kernel's work on their behalf), added up.
    pub system: Duration,
    /// Worker threads counted.
    pub threads: usize,
    /// The largest share of its run's time one thread was on a core
    /// (its CPU time over the run's elapsed time).
    pub busiest: f64,
    /// The cores the process could run on (0: not known), added up over
    /// merged instances.
    pub cores: usize,
    /// The cores the threads kept busy: their CPU time over the run's
    /// elapsed time, added up over merged instances.
    pub cores_used: f64,
}

impl ClientCpu {
    /// The threads' times, each over a run of `elapsed`, in a process
    /// that could run on `cores` cores (0: not known).
    pub fn of_threads(threads: &[CpuTimes], elapsed: Duration, cores: usize) -> ClientCpu {
        let mut cpu = ClientCpu {
            cores,
            ..ClientCpu::default()
        };
        for t in threads {
            cpu.user = cpu.user.saturating_add(t.user);
            cpu.system = cpu.system.saturating_add(t.system);
            cpu.threads += 1;
            cpu.busiest = cpu.busiest.max(share(t.total(), elapsed));
        }
        cpu.cores_used = share(cpu.total(), elapsed);
        cpu
    }

    /// User and system time together.
    pub fn total(&self) -> Duration {
        self.user.saturating_add(self.system)
    }

    /// Adds another run's (another instance's): times and threads added,
    /// the busiest thread the busier of the two.
    pub fn merge(&mut self, other: &ClientCpu) {
        self.user = self.user.saturating_add(other.user);
        self.system = self.system.saturating_add(other.system);
        self.threads += other.threads;
        self.busiest = self.busiest.max(other.busiest);
        // Unknown in either, unknown in both.
        self.cores = if self.cores == 0 || other.cores == 0 {
            0
        } else {
            self.cores + other.cores
        };
        self.cores_used += other.cores_used;
    }

    /// The CPU a request cost, over `requests` of them; `None` for none.
    pub fn per_request(&self, requests: u64) -> Option<Duration> {
        let each = self.total().as_nanos().checked_div(u128::from(requests))?;
        Some(Duration::from_nanos(
            u64::try_from(each).unwrap_or(u64::MAX),
        ))
    }

    /// Whether a worker thread was on a core for most of the run
    /// ([`BUSY_SHARE`] of it or more).
    pub fn was_busy(&self) -> bool {
        self.busiest >= BUSY_SHARE
    }

    /// Whether the threads together kept most of the process's cores
    /// busy ([`BUSY_SHARE`] of them or more): more threads than cores
    /// each look idle part of the time while the cores are all taken.
    pub fn cores_were_busy(&self) -> bool {
        self.cores > 0 && self.cores_used >= BUSY_SHARE * self.cores as f64
    }
}

/// The CPU the worker threads used in one interval of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct IntervalCpu {
    /// All of it, user and system, added up.
    total: Duration,
    /// The most one thread used.
    busiest: Duration,
    /// Threads that reported it.
    reported: usize,
    /// Whether one of them could not tell its CPU.
    unknown: bool,
}

impl IntervalCpu {
    /// Adds one thread's CPU in the interval (`None`: it could not tell).
    pub(super) fn add(&mut self, thread: Option<CpuTimes>) {
        self.reported += 1;
        match thread {
            Some(t) => {
                self.total = self.total.saturating_add(t.total());
                self.busiest = self.busiest.max(t.total());
            }
            None => self.unknown = true,
        }
    }

    /// Adds an interval no thread completed to this one (the run's tail).
    pub(super) fn absorb(&mut self, other: &IntervalCpu) {
        self.total = self.total.saturating_add(other.total);
        self.busiest = self.busiest.max(other.busiest);
        self.reported += other.reported;
        self.unknown |= other.unknown;
    }

    /// The CPU, and the busiest thread's share of an interval `length`
    /// long, when some thread reported it and every one told it.
    pub(super) fn of(&self, length: Duration) -> Option<(Duration, f64)> {
        (self.reported > 0 && !self.unknown).then(|| (self.total, share(self.busiest, length)))
    }
}

/// `cpu` over `elapsed` (zero for a run of no time).
fn share(cpu: Duration, elapsed: Duration) -> f64 {
    if elapsed.is_zero() {
        return 0.0;
    }
    cpu.as_secs_f64() / elapsed.as_secs_f64()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn times(user_ms: u64, system_ms: u64) -> CpuTimes {
        CpuTimes {
            user: Duration::from_millis(user_ms),
            system: Duration::from_millis(system_ms),
        }
    }

    #[test]
    fn threads_add_up_and_the_busiest_is_kept() {
        let run = Duration::from_secs(1);
        let cpu = ClientCpu::of_threads(&[times(200, 700), times(100, 300)], run, 2);
        assert_eq!(cpu.user, Duration::from_millis(300));
        assert_eq!(cpu.system, Duration::from_millis(1000));
        assert_eq!(cpu.threads, 2);
        assert!((cpu.busiest - 0.9).abs() < 1e-12, "{}", cpu.busiest);
        assert!(cpu.was_busy());
        assert_eq!(cpu.per_request(1_300_000), Some(Duration::from_micros(1)));
        assert_eq!(cpu.per_request(0), None);
        assert!((cpu.cores_used - 1.3).abs() < 1e-12, "{}", cpu.cores_used);
        assert!(!cpu.cores_were_busy());
        let idle = ClientCpu::of_threads(&[times(10, 10)], Duration::ZERO, 0);
        assert_eq!(idle.busiest, 0.0);
        assert!(!idle.was_busy() && !idle.cores_were_busy());
        // Four threads on two cores, each on a core half the run: no
        // thread looks busy, the cores were.
        let half = times(250, 250);
        let crowded = ClientCpu::of_threads(&[half; 4], run, 2);
        assert!(!crowded.was_busy() && crowded.cores_were_busy());
    }

    #[test]
    fn an_interval_adds_its_threads_and_keeps_the_busiest() {
        let mut interval = IntervalCpu::default();
        assert_eq!(interval.of(Duration::from_secs(1)), None);
        interval.add(Some(times(100, 300)));
        interval.add(Some(times(50, 50)));
        assert_eq!(
            interval.of(Duration::from_secs(2)),
            Some((Duration::from_millis(500), 0.2))
        );
        let mut tail = IntervalCpu::default();
        tail.absorb(&IntervalCpu::default());
        assert_eq!(tail.of(Duration::from_secs(1)), None);
        tail.absorb(&interval);
        assert_eq!(
            tail.of(Duration::from_secs(4)),
            Some((Duration::from_millis(500), 0.1))
        );
        interval.add(None);
        assert_eq!(interval.of(Duration::from_secs(2)), None);
        tail.absorb(&interval);
        assert_eq!(tail.of(Duration::from_secs(4)), None);
    }

    #[test]
    fn instances_merge_into_one_run() {
        let run = Duration::from_secs(2);
        let mut a = ClientCpu::of_threads(&[times(100, 300)], run, 4);
        let b = ClientCpu::of_threads(&[times(500, 1000), times(0, 1)], run, 2);
        a.merge(&b);
        assert_eq!(a.total(), Duration::from_millis(1901));
        assert_eq!(a.threads, 3);
        assert!((a.busiest - 0.75).abs() < 1e-12, "{}", a.busiest);
        assert!(!a.was_busy());
        assert_eq!(a.cores, 6);
        assert!((a.cores_used - 0.9505).abs() < 1e-12, "{}", a.cores_used);
        a.merge(&ClientCpu::default());
        assert_eq!(a.cores, 0);
    }
}
