//! The CPU time the calling thread has used, from the kernel's own
//! accounting (Linux: `getrusage(RUSAGE_THREAD)`): how much of a run a
//! worker thread spent on a core, in user space and in the kernel on its
//! behalf (its system calls, the network stack's work). Two calls a
//! thread a run, never one a request.

use std::time::Duration;

/// CPU time a thread has used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// In user space.
    pub user: Duration,
    /// In the kernel, on the thread's behalf.
    pub system: Duration,
}

impl CpuTimes {
    /// User and system time together.
    pub fn total(self) -> Duration {
        self.user.saturating_add(self.system)
    }

    /// Both readings' times added up.
    pub fn plus(self, other: CpuTimes) -> CpuTimes {
        CpuTimes {
            user: self.user.saturating_add(other.user),
            system: self.system.saturating_add(other.system),
        }
    }

    /// The time used since `earlier` (each part at least zero).
    pub fn since(self, earlier: CpuTimes) -> CpuTimes {
        CpuTimes {
            user: self.user.saturating_sub(earlier.user),
            system: self.system.saturating_sub(earlier.system),
        }
    }
}

/// The calling thread's CPU times so far; `None` where the system does
/// not tell them (anything but Linux) or the call fails.
pub fn thread_cpu() -> Option<CpuTimes> {
    #[cfg(target_os = "linux")]
    {
        let mut usage = std::mem::MaybeUninit::<libc::rusage>::zeroed();
        // SAFETY: `usage` points to a writable, zeroed `rusage` (a plain C
        // struct of integers, for which zero is a valid value), which
        // `getrusage` fills; RUSAGE_THREAD reads the calling thread's
        // counters and touches no other memory.
        let usage = unsafe {
            if libc::getrusage(libc::RUSAGE_THREAD, usage.as_mut_ptr()) != 0 {
                return None;
            }
            usage.assume_init()
        };
        Some(CpuTimes {
            user: duration(usage.ru_utime),
            system: duration(usage.ru_stime),
        })
    }
    #[cfg(not(target_os = "linux"))]
    None
}

/// A `timeval` as a duration (a negative part counts as zero).
#[cfg(target_os = "linux")]
fn duration(t: libc::timeval) -> Duration {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let micros = u32::try_from(t.tv_usec).unwrap_or(0).min(999_999);
    Duration::new(secs, micros * 1_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_difference_of_two_readings_never_goes_below_zero() {
        let a = CpuTimes {
            user: Duration::from_millis(5),
            system: Duration::from_millis(2),
        };
        let b = CpuTimes {
            user: Duration::from_millis(7),
            system: Duration::from_millis(1),
        };
        assert_eq!(
            b.since(a),
            CpuTimes {
                user: Duration::from_millis(2),
                system: Duration::ZERO
            }
        );
        assert_eq!(b.total(), Duration::from_millis(8));
        assert_eq!(a.plus(b).total(), Duration::from_millis(15));
        assert_eq!(b.since(a).plus(a).user, b.user);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_thread_that_works_uses_cpu_time_and_a_new_one_has_its_own() {
        let start = thread_cpu().unwrap();
        // Work until the kernel has counted 5 ms more (it keeps the time
        // in nanoseconds and gives it in microseconds).
        let enough = start.total() + Duration::from_millis(5);
        let mut x = 1u64;
        let mut later = start;
        for _ in 0..100_000 {
            for i in 0..10_000u64 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(i));
            }
            later = thread_cpu().unwrap();
            if later.total() >= enough {
                break;
            }
        }
        assert!(later.total() >= enough, "{start:?} {later:?}");
        // Another thread's counters start from its own start, not this
        // one's: a thread that only starts has used far less.
        let mine = thread_cpu().unwrap();
        let fresh = std::thread::spawn(thread_cpu).join().unwrap().unwrap();
        assert!(fresh.total() < mine.total(), "{fresh:?} {mine:?}");
    }
}
