//! `--rate` and `--pace`: the least a load generator does to send its
//! requests on a schedule, over TCP at depth 1. The open loop (`--rate`)
//! draws Poisson arrivals and sends each on a free connection when it is
//! due; the paced closed loop (`--pace`) sends each connection's next
//! request at the next slot of its grid once its reply is in. Between
//! sends the thread waits in `epoll_pwait2` until the next one is due (or
//! a reply comes), with the system's timer slack or, with `--precise`,
//! 1 ns: what separates memaslap-rs's `--rate` (precise) from its
//! `--wake slack` and from `-P`, measured here without the rest of a
//! benchmark.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::{Duration, Instant};

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};

use crate::args::{Args, Schedule};
use crate::prepare::Stream;
use crate::tcp::{self, Conn, EVENTS};

/// The longest wait when nothing is due sooner.
const IDLE_WAIT: Duration = Duration::from_millis(100);

/// What a scheduled run did.
pub struct Outcome {
    /// Requests completed.
    pub ops: u64,
    /// Open loop: arrivals never sent, still queued for a free connection
    /// when the run ended.
    pub unsent: u64,
}

/// Runs `args.schedule` for `args.time`, then waits for the replies still
/// due.
pub fn run(args: &Args, schedule: Schedule, streams: Vec<Stream>) -> Result<Outcome, String> {
    let (ep, mut conns) = tcp::connect(args, streams)?;
    if args.precise {
        precise_timers()?;
    }
    let start = Instant::now();
    let deadline = start + args.time;
    let mut plan = Plan::new(schedule, conns.len(), start);
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS];
    let end = tcp::reply_end_of(args);
    let mut ops = 0u64;
    loop {
        let now = Instant::now();
        let running = now < deadline;
        if tcp::over(&conns, now, deadline) {
            break;
        }
        let mut until = now + IDLE_WAIT;
        let mut now = now;
        if running {
            if plan.send_due(now, &mut conns)? {
                // The sends took time: the wait is to the due time.
                now = Instant::now();
            }
            until = until.min(deadline);
            if let Some(due) = plan.next_due() {
                until = until.min(due);
            }
        }
        let n = wait(&ep, &mut events, until.saturating_duration_since(now))?;
        for ev in events.iter().take(n) {
            let key = ev.u64 as usize;
            let conn = conns.get_mut(key).ok_or("unknown epoll key")?;
            let done = tcp::on_readable(conn, false, 1, end, None)?;
            ops += done;
            // Free once, when its reply ended: an edge after the read
            // that took the reply finds nothing and frees nothing.
            if done > 0 && conn.waiting == 0 {
                plan.freed(key);
            }
        }
    }
    Ok(Outcome {
        ops,
        unsent: plan.unsent(),
    })
}

/// The schedule's state: what is due when, and which connection sends it.
enum Plan {
    Open {
        next: Instant,
        rng: Xoshiro256PlusPlus,
        mean_ns: f64,
        /// Arrivals due and not yet sent.
        queued: u64,
        /// Connections with no request in flight, offered requests in
        /// turn (the longest free first), as memaslap-rs's open loop
        /// offers them.
        free: VecDeque<usize>,
    },
    Paced {
        interval: Duration,
        /// Each connection's next slot.
        slots: Vec<Instant>,
        /// The free connections by slot.
        due: BinaryHeap<Reverse<(Instant, usize)>>,
    },
}

impl Plan {
    fn new(schedule: Schedule, conns: usize, start: Instant) -> Plan {
        match schedule {
            Schedule::Open(rate) => {
                let mut rng = Xoshiro256PlusPlus::seed_from_u64(rate);
                let mean_ns = 1e9 / rate as f64;
                // The first arrival is a gap after the start.
                let next = start + gap(&mut rng, mean_ns);
                Plan::Open {
                    next,
                    rng,
                    mean_ns,
                    queued: 0,
                    free: (0..conns).collect(),
                }
            }
            Schedule::Paced(rate) => {
                let n = conns.max(1) as u32;
                let interval = Duration::from_secs_f64(f64::from(n) / rate as f64);
                // Staggered, so that the connections do not send together.
                let slots: Vec<Instant> = (0..n).map(|i| start + interval * i / n).collect();
                let due = slots
                    .iter()
                    .enumerate()
                    .map(|(i, &t)| Reverse((t, i)))
                    .collect();
                Plan::Paced {
                    interval,
                    slots,
                    due,
                }
            }
        }
    }

    /// Sends what is due at `now` on the connections free to send it;
    /// whether it sent any.
    fn send_due(&mut self, now: Instant, conns: &mut [Conn]) -> Result<bool, String> {
        let mut sent = false;
        match self {
            Plan::Open {
                next,
                rng,
                mean_ns,
                queued,
                free,
            } => {
                while *next <= now {
                    *queued += 1;
                    *next += gap(rng, *mean_ns);
                }
                while *queued > 0 {
                    let Some(i) = free.pop_front() else { break };
                    let conn = conns.get_mut(i).ok_or("no such connection")?;
                    tcp::send_batch(conn, 1)?;
                    *queued -= 1;
                    sent = true;
                }
            }
            Plan::Paced {
                interval,
                slots,
                due,
            } => {
                while let Some(&Reverse((t, i))) = due.peek() {
                    if t > now {
                        break;
                    }
                    due.pop();
                    let conn = conns.get_mut(i).ok_or("no such connection")?;
                    tcp::send_batch(conn, 1)?;
                    let slot = slots.get_mut(i).ok_or("no such connection")?;
                    *slot = next_slot(*slot, *interval, now);
                    sent = true;
                }
            }
        }
        Ok(sent)
    }

    /// When the next request is due; none while every paced connection
    /// awaits its reply.
    fn next_due(&self) -> Option<Instant> {
        match self {
            Plan::Open { next, .. } => Some(*next),
            Plan::Paced { due, .. } => due.peek().map(|Reverse((t, _))| *t),
        }
    }

    /// Connection `i`'s reply is in: it may send again.
    fn freed(&mut self, i: usize) {
        match self {
            Plan::Open { free, .. } => free.push_back(i),
            Plan::Paced { slots, due, .. } => {
                if let Some(&t) = slots.get(i) {
                    due.push(Reverse((t, i)));
                }
            }
        }
    }

    fn unsent(&self) -> u64 {
        match self {
            Plan::Open { queued, .. } => *queued,
            Plan::Paced { .. } => 0,
        }
    }
}

/// An exponential gap of mean `mean_ns`: -ln(u) times the mean, u in
/// (0, 1].
fn gap(rng: &mut Xoshiro256PlusPlus, mean_ns: f64) -> Duration {
    let u = ((rng.next_u64() >> 11) + 1) as f64 / (1u64 << 53) as f64;
    Duration::from_nanos((-u.ln() * mean_ns) as u64)
}

/// The slot after `slot`, for a send at `now`: as `-P`'s pacer, it
/// forgives one slot of lateness (the next slot may then be due at once)
/// and skips whole the slots missed beyond it, keeping the grid.
fn next_slot(slot: Instant, interval: Duration, now: Instant) -> Instant {
    let behind = now.saturating_duration_since(slot + interval);
    let step = interval.as_nanos().max(1);
    let skipped = u32::try_from(behind.as_nanos() / step).unwrap_or(u32::MAX);
    slot + interval.saturating_mul(skipped) + interval
}

/// Waits up to `timeout`, to the nanosecond, for readiness; the number of
/// events.
fn wait(
    ep: &OwnedFd,
    events: &mut [libc::epoll_event],
    timeout: Duration,
) -> Result<usize, String> {
    let spec = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos().into(),
    };
    // SAFETY: `events` holds `events.len()` entries the kernel may fill,
    // the timeout points to a live timespec, and no signal mask is passed.
    let n = unsafe {
        libc::syscall(
            libc::SYS_epoll_pwait2,
            ep.as_raw_fd(),
            events.as_mut_ptr(),
            events.len() as libc::c_int,
            &spec as *const libc::timespec,
            std::ptr::null::<libc::sigset_t>(),
            0usize,
        )
    };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EINTR) => Ok(0),
            // Before Linux 5.11: to the millisecond, rounded up.
            Some(libc::ENOSYS) => tcp::wait_ms(ep, events, timeout),
            _ => Err(format!("epoll_pwait2: {e}")),
        };
    }
    Ok(n as usize)
}

/// Sets the thread's timer slack to 1 ns.
fn precise_timers() -> Result<(), String> {
    // SAFETY: PR_SET_TIMERSLACK takes a plain integer.
    if unsafe { libc::prctl(libc::PR_SET_TIMERSLACK, 1 as libc::c_ulong) } != 0 {
        return Err(format!(
            "prctl(PR_SET_TIMERSLACK): {}",
            std::io::Error::last_os_error()
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_open_loop_queues_arrivals_no_connection_takes() {
        let t0 = Instant::now();
        let mut plan = Plan::new(Schedule::Open(1_000_000), 0, t0);
        assert!(
            plan.next_due() > Some(t0),
            "the first arrival is a gap after the start"
        );
        let sent = plan
            .send_due(t0 + Duration::from_millis(1), &mut [])
            .unwrap();
        // About 1,000 arrivals in the millisecond, none sent.
        let queued = plan.unsent();
        assert!(!sent && (800..1200).contains(&queued), "{queued}");
        assert!(plan.next_due() > Some(t0 + Duration::from_millis(1)));
    }

    #[test]
    fn free_connections_are_offered_in_turn() {
        let mut plan = Plan::new(Schedule::Open(1000), 3, Instant::now());
        let Plan::Open { free, .. } = &mut plan else {
            panic!("not open");
        };
        let first = free.pop_front();
        plan.freed(0);
        let Plan::Open { free, .. } = &plan else {
            panic!("not open");
        };
        assert_eq!(first, Some(0));
        assert_eq!(free.iter().copied().collect::<Vec<_>>(), [1, 2, 0]);
    }

    #[test]
    fn paced_slots_are_staggered_and_skip_missed_ones() {
        let t0 = Instant::now();
        let plan = Plan::new(Schedule::Paced(1000), 4, t0);
        let Plan::Paced {
            interval, slots, ..
        } = &plan
        else {
            panic!("not paced");
        };
        assert_eq!(*interval, Duration::from_millis(4));
        let ms = |i: u64| t0 + Duration::from_millis(i);
        assert_eq!(slots, &[ms(0), ms(1), ms(2), ms(3)]);
        assert_eq!(plan.next_due(), Some(ms(0)));
        // On time, or up to a slot late: the next slot.
        assert_eq!(next_slot(ms(0), *interval, ms(0)), ms(4));
        assert_eq!(next_slot(ms(0), *interval, ms(4)), ms(4));
        // Later: the last slot up to one interval before the send, plus one.
        assert_eq!(next_slot(ms(0), *interval, ms(5)), ms(4));
        assert_eq!(next_slot(ms(0), *interval, ms(13)), ms(12));
    }
}
