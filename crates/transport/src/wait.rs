//! Waiting for readiness with one system call per wait.
//!
//! On Linux, `polling`'s `Poller::wait` makes five system calls per call:
//! it arms its timerfd and re-registers it, calls `epoll_wait`, then reads
//! its notifier and re-registers that. A worker that waits once for every
//! handful of replies pays them on every wait. Sockets stay registered
//! through `polling` (which keeps the poller key as the epoll event's data
//! and never arms its own timerfd or notifier unless its `wait` or `notify`
//! is called); [`wait`] waits on the same epoll instance with one system
//! call. A wait of a millisecond or more is an `epoll_wait` for its whole
//! milliseconds, which may end up to a millisecond early with no event;
//! the wait for the rest, shorter than a millisecond, is an `epoll_pwait2`,
//! whose timeout has nanosecond resolution, so paced runs keep their
//! precision. (`epoll_wait` is the cheaper call: no timespec to copy in
//! and convert, no signal mask to consider; a busy worker's waits end on
//! events, not on their timeouts.) Kernels older than 5.11, which have no
//! `epoll_pwait2`, wait every timeout rounded up to a millisecond. Other
//! systems use `Poller::wait`.
//!
//! Both waits are made as plain system calls (`epoll_wait` as `epoll_pwait`
//! without a signal mask, which the kernel takes for the same call), not
//! through libc's `epoll_wait`: in a process with more than one thread,
//! glibc makes that a cancellation point and updates the thread's
//! cancellation state before and after each call, two atomic operations a
//! wait (the `sock` module says the same of `send` and `recv`).

use std::io;
use std::time::Duration;

use polling::{Event, Poller};

/// The events one [`wait`] returned.
pub struct Ready {
    #[cfg(target_os = "linux")]
    list: Vec<libc::epoll_event>,
    #[cfg(target_os = "linux")]
    len: usize,
    #[cfg(not(target_os = "linux"))]
    events: polling::Events,
}

impl std::fmt::Debug for Ready {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ready").field("len", &self.len()).finish()
    }
}

impl Ready {
    /// Room for up to `capacity` events per wait (at least one).
    pub fn with_capacity(capacity: usize) -> Ready {
        #[cfg(target_os = "linux")]
        {
            let empty = libc::epoll_event { events: 0, u64: 0 };
            Ready {
                list: vec![empty; capacity.clamp(1, i32::MAX as usize)],
                len: 0,
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            let capacity =
                std::num::NonZeroUsize::new(capacity).unwrap_or(std::num::NonZeroUsize::MIN);
            Ready {
                events: polling::Events::with_capacity(capacity),
            }
        }
    }

    /// How many events the last wait returned.
    pub fn len(&self) -> usize {
        #[cfg(target_os = "linux")]
        return self.len;
        #[cfg(not(target_os = "linux"))]
        return self.events.len();
    }

    /// Whether the last wait returned no event.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The events of the last wait, as `polling` reports them: the key the
    /// socket was registered under, readable (also on hang-up and error),
    /// writable (also on hang-up and error), and interrupted when the peer
    /// closed its side (`EPOLLRDHUP`, for sockets registered for it), hung
    /// up or failed.
    pub fn iter(&self) -> impl Iterator<Item = Event> + '_ {
        #[cfg(target_os = "linux")]
        return self
            .list
            .get(..self.len)
            .unwrap_or_default()
            .iter()
            .filter_map(|raw| decode(raw.events, raw.u64));
        #[cfg(not(target_os = "linux"))]
        return self.events.iter();
    }
}

/// The event for epoll `flags` on data `data`, or `None` for the poller's
/// own descriptors (registered under `usize::MAX`).
#[cfg(target_os = "linux")]
fn decode(flags: u32, data: u64) -> Option<Event> {
    const READ: u32 = (libc::EPOLLIN | libc::EPOLLHUP | libc::EPOLLERR | libc::EPOLLPRI) as u32;
    const WRITE: u32 = (libc::EPOLLOUT | libc::EPOLLHUP | libc::EPOLLERR) as u32;
    const ENDING: u32 = (libc::EPOLLRDHUP | libc::EPOLLHUP | libc::EPOLLERR) as u32;
    let key = usize::try_from(data).ok().filter(|k| *k != usize::MAX)?;
    let mut event = Event::new(key, flags & READ != 0, flags & WRITE != 0);
    event.set_interrupt(flags & ENDING != 0);
    Some(event)
}

/// Makes the calling thread's timed waits end as close to their deadline
/// as the kernel can (Linux: a timer slack of 1 ns instead of 50 µs), for
/// threads whose requests fall due at set times. Elsewhere it does nothing.
pub fn precise_timers() {
    #[cfg(target_os = "linux")]
    // SAFETY: PR_SET_TIMERSLACK takes an integer argument and touches no
    // memory of this process; a failure only leaves the default slack.
    unsafe {
        libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong, 0, 0, 0);
    }
}

/// Waits until a socket registered in `poller` is ready or `timeout`
/// passes (`None`: no limit), filling `ready`. Returns how many events came.
/// An interrupted wait returns zero events. A timeout of a millisecond or
/// more may end up to a millisecond early, with no event: wait again for
/// the rest (see the module's documentation).
#[cfg(target_os = "linux")]
pub fn wait(poller: &Poller, ready: &mut Ready, timeout: Option<Duration>) -> io::Result<usize> {
    use std::os::fd::{AsFd, AsRawFd};
    use std::sync::atomic::{AtomicBool, Ordering};

    /// Set once `epoll_pwait2` turned out to be missing.
    static NO_PWAIT2: AtomicBool = AtomicBool::new(false);

    ready.len = 0;
    let fd = poller.as_fd().as_raw_fd();
    let max = i32::try_from(ready.list.len()).unwrap_or(i32::MAX);
    let events = ready.list.as_mut_ptr();
    let mut n = -1;
    // Under a millisecond, and not zero: only `epoll_pwait2` can wait it.
    let fine = timeout.filter(|t| t.as_secs() == 0 && (1..1_000_000).contains(&t.subsec_nanos()));
    if let Some(t) = fine
        && !NO_PWAIT2.load(Ordering::Relaxed)
    {
        let spec = libc::timespec {
            tv_sec: 0,
            tv_nsec: t.subsec_nanos().into(),
        };
        // SAFETY: `events` points to `max` writable `epoll_event`s owned by
        // `ready`, the timeout points to a live timespec, and no signal
        // mask is passed.
        let r = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait2,
                fd,
                events,
                max,
                &spec as *const libc::timespec,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        n = r as i32;
        if r < 0 && io::Error::last_os_error().raw_os_error() == Some(libc::ENOSYS) {
            NO_PWAIT2.store(true, Ordering::Relaxed);
        }
    }
    if fine.is_none() || NO_PWAIT2.load(Ordering::Relaxed) {
        let millis = timeout.map_or(-1, |t| epoll_millis(t, NO_PWAIT2.load(Ordering::Relaxed)));
        // SAFETY: `events` points to `max` writable `epoll_event`s owned by
        // `ready`, and no signal mask is passed.
        let r = unsafe {
            libc::syscall(
                libc::SYS_epoll_pwait,
                fd,
                events,
                max,
                millis,
                std::ptr::null::<libc::sigset_t>(),
                0usize,
            )
        };
        n = r as i32;
    }
    match usize::try_from(n) {
        Ok(n) => {
            ready.len = n.min(ready.list.len());
            Ok(ready.len)
        }
        Err(_) => {
            let error = io::Error::last_os_error();
            if error.kind() == io::ErrorKind::Interrupted {
                Ok(0)
            } else {
                Err(error)
            }
        }
    }
}

/// `epoll_wait`'s timeout for `timeout`: its whole milliseconds (the rest
/// is waited with `epoll_pwait2`), or rounded up when there is no
/// `epoll_pwait2` (`round_up`).
#[cfg(target_os = "linux")]
fn epoll_millis(timeout: Duration, round_up: bool) -> i32 {
    // In 64 bits: `as_nanos` is 128, and its division a call of some 40
    // instructions at every wait of a kernel without `epoll_pwait2`.
    let nanos = timeout.subsec_nanos();
    let part = if round_up {
        nanos.div_ceil(1_000_000)
    } else {
        nanos / 1_000_000
    };
    let ms = timeout
        .as_secs()
        .saturating_mul(1_000)
        .saturating_add(u64::from(part));
    i32::try_from(ms).unwrap_or(i32::MAX)
}

/// Waits until a socket registered in `poller` is ready or `timeout`
/// passes (`None`: no limit), filling `ready`. Returns how many events came.
#[cfg(not(target_os = "linux"))]
pub fn wait(poller: &Poller, ready: &mut Ready, timeout: Option<Duration>) -> io::Result<usize> {
    ready.events.clear();
    match poller.wait(&mut ready.events, timeout) {
        Ok(n) => Ok(n),
        Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polling::PollMode;
    use std::io::Write;
    use std::net::{TcpListener, TcpStream};

    #[test]
    fn reports_readiness_under_the_registered_key() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let mut client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let poller = Poller::new().unwrap();
        // SAFETY: `server` is deleted from the poller before it is dropped.
        unsafe { poller.add_with_mode(&server, Event::readable(7), PollMode::Edge) }.unwrap();
        let mut ready = Ready::with_capacity(4);
        let n = wait(&poller, &mut ready, Some(Duration::ZERO)).unwrap();
        assert_eq!(n, 0);
        assert!(ready.is_empty());

        client.write_all(b"x").unwrap();
        let n = wait(&poller, &mut ready, Some(Duration::from_secs(10))).unwrap();
        assert_eq!(n, 1);
        let events: Vec<Event> = ready.iter().collect();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].key, 7);
        assert!(events[0].readable);
        assert!(!events[0].writable);

        // Edge-triggered: nothing new, so the wait times out.
        let n = wait(&poller, &mut ready, Some(Duration::from_millis(1))).unwrap();
        assert_eq!(n, 0);
        assert!(ready.is_empty());
        poller.delete(&server).unwrap();
    }

    #[test]
    fn writable_and_hang_up() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let client = TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        let poller = Poller::new().unwrap();
        // SAFETY: `server` is deleted from the poller before it is dropped.
        unsafe { poller.add_with_mode(&server, Event::all(3), PollMode::Edge) }.unwrap();
        let mut ready = Ready::with_capacity(4);
        wait(&poller, &mut ready, Some(Duration::from_secs(10))).unwrap();
        let event = ready.iter().next().unwrap();
        assert_eq!(
            (event.key, event.readable, event.writable),
            (3, false, true)
        );

        drop(client);
        wait(&poller, &mut ready, Some(Duration::from_secs(10))).unwrap();
        let event = ready.iter().next().unwrap();
        assert_eq!(event.key, 3);
        assert!(event.readable);
        poller.delete(&server).unwrap();
    }

    /// `polling` registers its own notifier under `usize::MAX` in the same
    /// epoll instance: a notification wakes [`wait`] but is no event.
    #[test]
    fn a_notification_wakes_the_wait_but_is_no_event() {
        let poller = Poller::new().unwrap();
        let mut ready = Ready::with_capacity(4);
        poller.notify().unwrap();
        wait(&poller, &mut ready, Some(Duration::from_secs(10))).unwrap();
        assert_eq!(ready.iter().count(), 0);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn whole_milliseconds_go_to_epoll_wait_and_the_rest_is_left() {
        assert_eq!(epoll_millis(Duration::from_micros(2_999), false), 2);
        assert_eq!(epoll_millis(Duration::from_micros(2_999), true), 3);
        assert_eq!(epoll_millis(Duration::from_millis(7), false), 7);
        assert_eq!(epoll_millis(Duration::from_nanos(1), true), 1);
        assert_eq!(epoll_millis(Duration::from_secs(u64::MAX), false), i32::MAX);
        // As the whole duration's nanoseconds would give, across the
        // seconds' boundary and up to the limit.
        let nanos = [0, 1, 999_999, 1_000_000, 1_000_001, 999_999_999];
        for secs in [0, 1, 2, 2_147_482, 2_147_483, 2_147_484, u64::MAX / 1_000] {
            for n in nanos {
                let t = Duration::new(secs, n);
                let floor = i32::try_from(t.as_millis()).unwrap_or(i32::MAX);
                let ceil = i32::try_from(t.as_nanos().div_ceil(1_000_000)).unwrap_or(i32::MAX);
                assert_eq!(epoll_millis(t, false), floor, "{t:?}");
                assert_eq!(epoll_millis(t, true), ceil, "{t:?}");
            }
        }
    }

    /// However a timeout is split between the two calls, waiting again
    /// for the rest after a wait that ended without an event reaches the
    /// deadline in a few waits: a rest under a millisecond is slept, not
    /// polled.
    #[test]
    fn waiting_again_for_the_rest_reaches_the_deadline() {
        let poller = Poller::new().unwrap();
        let mut ready = Ready::with_capacity(4);
        for timeout in [
            Duration::from_micros(300),
            Duration::from_micros(1_700),
            Duration::from_millis(3),
        ] {
            let deadline = std::time::Instant::now() + timeout;
            let mut waits = 0;
            loop {
                let now = std::time::Instant::now();
                if now >= deadline {
                    break;
                }
                assert_eq!(wait(&poller, &mut ready, Some(deadline - now)).unwrap(), 0);
                waits += 1;
                assert!(waits <= 64, "{timeout:?}: {waits} waits");
            }
            assert!(waits >= 1);
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_pollers_own_descriptors_are_skipped() {
        assert!(decode(libc::EPOLLIN as u32, u64::MAX).is_none());
        let event = decode((libc::EPOLLHUP) as u32, 5).unwrap();
        assert!(event.readable && event.writable);
    }

    /// The calling thread's timer slack, in ns.
    #[cfg(target_os = "linux")]
    fn timer_slack_ns() -> i32 {
        // SAFETY: PR_GET_TIMERSLACK reads the thread's slack and returns
        // it; it touches no memory of this process.
        unsafe { libc::prctl(libc::PR_GET_TIMERSLACK, 0, 0, 0, 0) }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn precise_timers_set_the_calling_threads_slack_only() {
        let (before, after) = std::thread::spawn(|| {
            let before = timer_slack_ns();
            precise_timers();
            (before, timer_slack_ns())
        })
        .join()
        .unwrap();
        assert_eq!(after, 1);
        // A thread of its own starts with its parent's slack again.
        let other = std::thread::spawn(timer_slack_ns).join().unwrap();
        assert_eq!(other, before);
        assert!(before > 1, "{before}");
    }
}
