//! One worker thread: a poller, its share of the connections, a timer heap
//! and its own statistics, which it hands to the reporter at every interval
//! and at the end. Nothing is shared per request.

use crate::conn::{Conn, Ctx, WarmupGate};
use crate::failure::VerifyFailure;
use crate::inbuf::RecvArea;
use crate::outage::Sightings;
use crate::stats::Stats;
use memaslap_transport::{AnyTransport, Ready, TransportEvent, UdpHub};
use memaslap_workload::{AnySource, Source};
use polling::Poller;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::Sender;
use std::time::{Duration, Instant};

mod finish;
mod message;
mod open;
mod replay;
mod spare;
mod udp;

use crate::schedule::{OpenLoop, Wake, WakeMargin};
pub use message::Message;
use open::Dispatch;
use replay::Replay;
use spare::Spares;
use udp::SharedSocket;

/// The longest the worker sleeps in one wait, so that a stop request is
/// seen promptly.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// The most events handled per wait (as `polling` does).
const READY_CAPACITY: usize = 1024;

/// When a worker starts, reports and stops.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// When the run started.
    pub start: Instant,
    /// When issuing stops, for a timed run.
    pub stop_at: Option<Instant>,
    /// How long to wait for replies once issuing stopped.
    pub drain: Duration,
    /// Snapshot interval.
    pub interval: Duration,
    /// Latencies are recorded for requests meant to start from then on.
    pub record_from: Option<Instant>,
}

/// One worker thread's state.
pub struct Worker<'w, S = AnySource<'w>> {
    poller: Arc<Poller>,
    conns: Vec<Conn<'w, AnyTransport, S>>,
    keys_per_conn: usize,
    timers: BinaryHeap<Reverse<(Instant, usize)>>,
    scheduled: Vec<Option<Instant>>,
    stats: Stats,
    events: Vec<TransportEvent>,
    failures: Vec<VerifyFailure>,
    sightings: Sightings,
    recv: RecvArea,
    warmup: Option<WarmupGate>,
    /// Connections for which [`Conn::has_work`] is false, kept up to date by
    /// [`Worker::with_conn`] so that no wait scans every connection.
    without_work: usize,
    /// The UDP socket the connections share (`-U`), if they do.
    udp: Option<SharedSocket>,
    /// The open loop (`--rate`), if requests fall due on a schedule.
    /// Boxed: each dispatch takes it out of the worker and puts it back,
    /// which moves a pointer rather than the loop's state.
    open: Option<Box<Dispatch>>,
    /// See [`Timing::record_from`].
    record_from: Option<Instant>,
    /// The trace replayed (`--trace`), if one is.
    replay: Option<Replay<'w>>,
    /// How the open loop waits for its next request.
    wake: Wake,
    /// Statistics the reporter returns for the next snapshot.
    spares: Spares,
    /// The thread's CPU times at the last snapshot (or the start).
    cpu_mark: Option<memaslap_transport::CpuTimes>,
}

impl<'w, S: Source<'w>> Worker<'w, S> {
    /// A worker driving `conns`, whose sockets are registered in `poller`
    /// under keys `i * keys_per_conn ..` for connection `i`.
    /// `warmup` is the gate of a run without sets: when it opens, every
    /// connection is driven again. The connections read into `recv`.
    pub fn new(
        poller: Arc<Poller>,
        conns: Vec<Conn<'w, AnyTransport, S>>,
        keys_per_conn: usize,
        warmup: Option<WarmupGate>,
        recv: RecvArea,
    ) -> Worker<'w, S> {
        let n = conns.len();
        Worker {
            poller,
            conns,
            keys_per_conn: keys_per_conn.max(1),
            timers: BinaryHeap::with_capacity(n * 2),
            scheduled: vec![None; n],
            stats: Stats::default(),
            events: Vec::new(),
            failures: Vec::new(),
            sightings: Sightings::default(),
            recv,
            warmup,
            without_work: 0,
            udp: None,
            open: None,
            record_from: None,
            replay: None,
            wake: Wake::default(),
            spares: Spares::default(),
            cpu_mark: None,
        }
    }

    /// Keeps latencies by command as well (`--mix`).
    pub fn with_command_latency(mut self, on: bool) -> Worker<'w, S> {
        self.stats = std::mem::take(&mut self.stats).by_command(on);
        self
    }

    /// Makes the connections send the requests `open` lets fall due (their
    /// schedules must be open), measuring the open loop's latencies.
    pub fn with_open_loop(mut self, open: Option<(OpenLoop, Wake)>) -> Worker<'w, S> {
        if let Some((open, wake)) = open {
            self.wake = wake;
            self.open = Some(Box::new(Dispatch::new(open, self.conns.len())));
            self.stats.open = Some(Box::default());
        }
        self
    }

    /// Makes the connections share `hub`, whose socket is registered in
    /// the worker's poller under [`UdpHub::key`] (outside every
    /// connection's keys).
    pub fn with_udp_hub(mut self, hub: Option<UdpHub>) -> Worker<'w, S> {
        self.udp = hub.map(|hub| SharedSocket::new(hub, &self.conns));
        self
    }

    /// Runs until the timing, the operation budgets or `stop` end it,
    /// sending snapshots to `tx`. Out of line, as `snapshot` is, so
    /// that an instruction count can take the loop by its name.
    #[inline(never)]
    pub fn run(
        mut self,
        timing: Timing,
        stop: &AtomicBool,
        tx: &Sender<(usize, Message)>,
        id: usize,
    ) {
        self.cpu_mark = memaslap_transport::thread_cpu();
        let mut ready = Ready::with_capacity(READY_CAPACITY);
        let mut woke = self.start(&timing);
        let mut next_report = timing.start + timing.interval;
        let mut report_index = 0;
        let mut stopping_at: Option<Instant> = None;
        let mut margin = WakeMargin::new(self.wake);
        loop {
            // The closed loop's timers (reports, the stop, timeouts) are
            // not finer than a pass: the time after the last wait serves,
            // and one clock read a pass is saved. The open loop's sends
            // are timed to the microsecond: it reads the clock again.
            let now = if self.open.is_some() {
                Instant::now()
            } else {
                woke
            };
            if stopping_at.is_none() && self.should_stop(now, &timing, stop) {
                stopping_at = Some(now);
                self.close_backlog();
                self.close_queues();
            }
            let issuing = stopping_at.is_none();
            if let Some(since) = stopping_at
                && self.drained(now, since + timing.drain)
            {
                break;
            }
            // Everything queued during the last pass goes out together.
            self.flush_udp(now, issuing);
            if now >= next_report {
                report_index += 1;
                self.snapshot(report_index, tx, id);
                next_report += timing.interval;
            }
            let longest = now + MAX_WAIT;
            let mut wake = self.wake_at(longest, next_report, &timing, stopping_at);
            // The open loop wakes early and polls until its next request is
            // due: a sleep ends late by the time the thread takes to run.
            let early = self
                .open
                .as_ref()
                .and_then(|o| o.next_arrival())
                .filter(|_| issuing)
                .map(|next| next.checked_sub(margin.margin()).unwrap_or(now));
            if let Some(early) = early {
                wake = wake.min(early);
            }
            // Most waits of a busy closed loop end on an event well before
            // any timer: the longest wait is then the timeout, and std's
            // `Instant` subtraction (a call of some 40 instructions) is
            // not needed for it.
            let timeout = if wake == longest {
                MAX_WAIT
            } else {
                wake.saturating_duration_since(now)
            };
            let now = self.wait(&mut ready, timeout, issuing);
            woke = now;
            if margin.polls() && early == Some(wake) && !timeout.is_zero() && now >= wake {
                margin.observe(now - wake);
            }
            self.after_wait(now, &timing, issuing);
            if self.has_reports() {
                self.flush_reports(tx, id);
            }
        }
        self.finish(tx, id);
    }

    /// Starts the clocks and every connection that can start at once (UDP
    /// needs no connect), schedules the others' connect timeouts and lets
    /// the first requests go; returns when.
    fn start(&mut self, timing: &Timing) -> Instant {
        self.record_from = timing.record_from;
        if self.keeps_time() && self.wake.precise() {
            memaslap_transport::precise_timers();
        }
        for conn in &mut self.conns {
            conn.start_clock(timing.start);
        }
        let now = Instant::now();
        self.without_work = self.conns.iter().filter(|c| !c.has_work()).count();
        for i in 0..self.conns.len() {
            self.with_conn(i, true, |conn, ctx| conn.handle_timeout(now, ctx));
        }
        // The open loop starts now if a connection can already send.
        self.dispatch(now, now, true);
        self.feed(now, true);
        now
    }

    /// Whether issuing stops at `now`: asked to, timed out, or no
    /// connection has work left.
    fn should_stop(&self, now: Instant, timing: &Timing, stop: &AtomicBool) -> bool {
        stop.load(Ordering::Relaxed)
            || timing.stop_at.is_some_and(|t| now >= t)
            || self.without_work >= self.conns.len()
    }

    /// Once issuing stopped: whether the run is over, every reply in or
    /// `deadline` passed (what is still in flight then ends as a timeout).
    fn drained(&mut self, now: Instant, deadline: Instant) -> bool {
        if !self.conns.iter().any(Conn::is_busy) {
            return true;
        }
        if now >= deadline {
            self.expire_all(now);
            return true;
        }
        false
    }

    /// The latest the next wait may end: the next report, the stop, the
    /// drain's end or the earliest timer, and never later than `longest`
    /// ([`MAX_WAIT`] from now).
    fn wake_at(
        &self,
        longest: Instant,
        next_report: Instant,
        timing: &Timing,
        stopping_at: Option<Instant>,
    ) -> Instant {
        let mut wake = next_report.min(longest);
        if let Some(t) = timing.stop_at.filter(|_| stopping_at.is_none()) {
            wake = wake.min(t);
        }
        if let Some(since) = stopping_at {
            wake = wake.min(since + timing.drain);
        }
        if let Some(Reverse((t, _))) = self.timers.peek() {
            wake = wake.min(*t);
        }
        wake
    }

    /// What follows a wait at `now`: due timers, the open loop's due
    /// requests, the trace's, and the connections a finished warm-up frees.
    fn after_wait(&mut self, now: Instant, timing: &Timing, issuing: bool) {
        self.run_timers(now, issuing);
        // Asked first, in line: most runs have neither an open loop nor a
        // replay, and the calls would cost more than the answer.
        if self.open.is_some() {
            // No request falls due after issuing stops.
            let due_by = timing.stop_at.map_or(now, |t| now.min(t));
            self.dispatch(now, due_by, issuing);
        }
        if self.replay.is_some() {
            self.feed(now, issuing);
        }
        if self
            .warmup
            .as_ref()
            .is_some_and(|g| g.load(Ordering::Acquire) == 0)
        {
            // Every window is stored: wake the connections that waited.
            self.warmup = None;
            for i in 0..self.conns.len() {
                self.with_conn(i, issuing, |conn, ctx| conn.handle_timeout(now, ctx));
            }
        }
    }

    /// Waits up to `timeout` and handles what happened; returns the time
    /// after the wait. A thread whose connections all share one UDP socket
    /// waits in that socket's receive call when the wait may last long
    /// enough ([`SharedSocket::waits_for`]); otherwise in the poller.
    fn wait(&mut self, ready: &mut Ready, timeout: Duration, issuing: bool) -> Instant {
        if self.udp.as_ref().is_some_and(|udp| udp.waits_for(timeout)) {
            return self.receive_udp(Instant::now(), issuing, true);
        }
        // A failed wait is retried by the loop.
        let _ = memaslap_transport::wait(&self.poller, ready, Some(timeout));
        let now = Instant::now();
        for event in ready.iter() {
            if self.udp.as_ref().is_some_and(|udp| udp.key() == event.key) {
                // Writable only matters to the flush before the next wait.
                if event.readable {
                    self.receive_udp(now, issuing, false);
                }
                continue;
            }
            // One socket a connection is the usual case: no division (tens
            // of cycles for 64 bits) on every event.
            let index = match self.keys_per_conn {
                1 => event.key,
                n => event.key / n,
            };
            self.with_conn(index, issuing, |conn, ctx| {
                conn.handle_event(&event, now, ctx)
            });
        }
        now
    }

    /// Runs `f` on connection `index` with a context, then reschedules it.
    fn with_conn(
        &mut self,
        index: usize,
        issuing: bool,
        f: impl FnOnce(&mut Conn<'w, AnyTransport, S>, &mut Ctx<'_>),
    ) {
        let Some(conn) = self.conns.get_mut(index) else {
            return;
        };
        let mut ctx = Ctx {
            stats: &mut self.stats,
            events: &mut self.events,
            failures: &mut self.failures,
            recv: &mut self.recv,
            issuing,
            sightings: &mut self.sightings,
            record_from: self.record_from,
        };
        let had_work = conn.has_work();
        f(conn, &mut ctx);
        if let Some(udp) = &mut self.udp {
            udp.note(index, conn);
        }
        if let Some(open) = &mut self.open {
            open.note(index, conn.takes_grants(issuing));
        }
        match (had_work, conn.has_work()) {
            (true, false) => self.without_work += 1,
            (false, true) => self.without_work = self.without_work.saturating_sub(1),
            _ => {}
        }
        self.arm_timer(index, issuing);
    }

    /// Puts connection `index`'s next deadline in the timer heap, unless an
    /// earlier or equal one is already there.
    fn arm_timer(&mut self, index: usize, issuing: bool) {
        let Some(conn) = self.conns.get(index) else {
            return;
        };
        if let Some(Some(at)) = self.scheduled.get(index)
            && conn.keeps_wake(*at)
        {
            return;
        }
        let Some(deadline) = conn.poll_deadline(issuing) else {
            return;
        };
        let Some(slot) = self.scheduled.get_mut(index) else {
            return;
        };
        if slot.is_none_or(|t| deadline < t) {
            *slot = Some(deadline);
            self.timers.push(Reverse((deadline, index)));
        }
    }

    /// Handles every timer due at `now`.
    fn run_timers(&mut self, now: Instant, issuing: bool) {
        while let Some(&Reverse((t, index))) = self.timers.peek() {
            if t > now {
                break;
            }
            self.timers.pop();
            let Some(slot) = self.scheduled.get_mut(index) else {
                continue;
            };
            if *slot != Some(t) {
                continue;
            }
            *slot = None;
            self.with_conn(index, issuing, |conn, ctx| conn.handle_timeout(now, ctx));
        }
    }

    /// Ends every request still in flight as a timeout.
    fn expire_all(&mut self, now: Instant) {
        for i in 0..self.conns.len() {
            self.with_conn(i, false, |conn, ctx| conn.expire(now, ctx));
        }
    }

    /// Whether socket events, failed checks or closed sightings wait for
    /// [`Self::flush_reports`].
    #[inline]
    fn has_reports(&self) -> bool {
        !self.events.is_empty() || !self.failures.is_empty() || self.sightings.has_closed()
    }

    /// Sends the socket events and failed checks collected so far.
    fn flush_reports(&mut self, tx: &Sender<(usize, Message)>, id: usize) {
        if !self.events.is_empty() {
            let _ = tx.send((id, Message::Events(std::mem::take(&mut self.events))));
        }
        if !self.failures.is_empty() {
            let _ = tx.send((id, Message::Failures(std::mem::take(&mut self.failures))));
        }
        if self.sightings.has_closed() {
            let _ = tx.send((id, Message::Sightings(self.sightings.take_closed())));
        }
    }

    /// Adds the datagram counts of the connections and of the shared UDP
    /// socket since the last call.
    fn sync_datagrams(&mut self) {
        for conn in &mut self.conns {
            conn.sync_udp(&mut self.stats);
        }
        if let Some(udp) = &mut self.udp {
            udp.sync(&mut self.stats);
        }
    }

    /// Sends this interval's statistics and starts a new interval. Kept
    /// out of line: it runs once a second, and as a function of its own it
    /// can be left out of an instruction count of the loop (see
    /// `benches/client_instructions.sh --wakes`).
    #[inline(never)]
    fn snapshot(&mut self, index: u64, tx: &Sender<(usize, Message)>, id: usize) {
        self.sync_datagrams();
        self.sightings.interval_end(&self.stats.counters);
        let stats = self.spares.take_interval(&mut self.stats);
        let cpu = self.cpu_since_mark();
        let _ = tx.send((id, Message::Interval { index, stats, cpu }));
    }
}
