//! One connection ("concurrency"): an explicit state machine that takes
//! tasks from its workload generator, sends them over its transport, reads
//! and judges the replies. It keeps one request in flight at a time, as
//! memaslap, or up to `--depth` written together and answered in order.
//! Every method takes the current time; nothing here reads a clock.

use crate::exchange::Exchange;
use crate::failure::VerifyFailure;
use crate::inbuf::{InBuf, RecvArea};
use crate::outage::Sightings;
use crate::rejection::Rejection;
use crate::schedule::Schedule;
use crate::stats::Stats;
use memaslap_transport::{
    Access, AnyTransport, Event, Status, Transport, TransportEvent, UdpCounters,
};
use memaslap_workload::{AnySource, Delivery, Source};
use std::sync::Arc;
use std::sync::atomic::AtomicUsize;
use std::time::{Duration, Instant};
use warmup::Warmup;

#[cfg(test)]
mod datagram_tests;
#[cfg(test)]
mod depth_tests;
#[cfg(test)]
mod fault_tests;
mod loss;
#[cfg(test)]
mod mock;
mod read;
#[cfg(test)]
mod tests;
mod tls;
mod udp;
mod warmup;
mod write;

/// What became of a trace record handed to a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Queued (or the end noted).
    Taken,
    /// The queue is full: hand it again later.
    Full,
    /// The connection is dead: the record will never be sent.
    Dropped,
}

/// Where a connection is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No request in flight.
    Idle,
    /// Requests are partly written (earlier ones may await replies).
    Writing,
    /// Requests are written and their replies are awaited.
    Reading,
    /// The connection failed for good.
    Dead,
}

/// The earlier of two optional times; `None` when both are.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

/// What the worker lends a connection while it runs.
pub struct Ctx<'a> {
    /// The interval's statistics.
    pub stats: &'a mut Stats,
    /// Disconnects and reconnects to report.
    pub events: &'a mut Vec<TransportEvent>,
    /// Failed checks to report in detail (`-b`).
    pub failures: &'a mut Vec<VerifyFailure>,
    /// The thread's receive buffers.
    pub recv: &'a mut RecvArea,
    /// Whether new requests may start (false once the run is stopping).
    pub issuing: bool,
    /// The worker's outage sightings.
    pub(crate) sightings: &'a mut Sightings,
    /// Latencies are recorded for the requests meant to start from then
    /// on (a scan step's settling time is not); `None`: all.
    pub record_from: Option<Instant>,
}

impl Ctx<'_> {
    /// Whether the latencies of a request meant to start at `intended`
    /// are recorded.
    pub fn records(&self, intended: Instant) -> bool {
        self.record_from.is_none_or(|from| intended >= from)
    }
}

/// How a connection is set up.
#[derive(Debug, Clone, Copy)]
pub struct ConnSetup {
    /// How long a reply over a stream may take before the request is a
    /// timeout.
    pub stream_timeout: Duration,
    /// How long a reply over datagrams may take.
    pub datagram_timeout: Duration,
    /// Operations this connection may issue (gets count their keys).
    pub budget: u64,
    /// Seed of the connection's replication choices.
    pub seed: u64,
}

/// Connections still storing their window before a run without sets; each
/// waits for all the others before its first get.
pub type WarmupGate = Arc<AtomicUsize>;

/// One connection and the requests it has in flight.
pub struct Conn<'w, T = AnyTransport, S = AnySource<'w>> {
    transport: T,
    generator: S,
    exchange: Exchange<'w>,
    /// The partial reply received so far, in a spill lent by the worker
    /// (no room while there is none).
    spill: InBuf,
    phase: Phase,
    /// The kind of the first request of the write being gathered.
    access: Option<Access>,
    /// How long replies may take on the socket written to.
    timeout: Duration,
    /// When the oldest request in flight times out, or earlier: a reply
    /// leaves the deadline of the request it answered, and a timeout that
    /// falls due first moves it to the oldest's.
    deadline: Option<Instant>,
    schedule: Schedule,
    budget: u64,
    /// Requests written so far plus the seed: the counter behind the random
    /// numbers of replication choices.
    rng: u64,
    stream_timeout: Duration,
    datagram_timeout: Duration,
    udp_seen: UdpCounters,
    warmup: Warmup,
    /// Requests failed with a socket whose loss is not yet collected.
    failed_by_loss: u64,
    /// The transport lost a socket or refused a request since its events
    /// were last collected.
    lost_since_collect: bool,
    /// A request completed (not failed) on this connection.
    completed_any: bool,
    /// No request completed since the transport last (re)connected.
    unserved: bool,
    /// Why the connection was last lost, while it had completed nothing.
    rejection: Option<Rejection>,
    /// What its last lost socket died of.
    last_loss: Option<crate::death::Death>,
}

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// A connection over `transport` (already connecting) that draws its
    /// tasks from `generator` and sends them when `schedule` allows, as
    /// many in flight as the schedule, `generator` and `exchange` allow
    /// (1 for memaslap's closed loop; more only over one TCP socket). It
    /// reads into its worker's [`RecvArea`].
    pub fn new(
        transport: T,
        generator: S,
        exchange: Exchange<'w>,
        schedule: Schedule,
        setup: ConnSetup,
        _now: Instant,
    ) -> Conn<'w, T, S> {
        Conn {
            transport,
            generator,
            exchange,
            spill: InBuf::empty(),
            phase: Phase::Idle,
            access: None,
            timeout: setup.stream_timeout,
            deadline: None,
            schedule,
            budget: setup.budget,
            rng: setup.seed,
            stream_timeout: setup.stream_timeout,
            datagram_timeout: setup.datagram_timeout,
            udp_seen: UdpCounters::default(),
            warmup: Warmup::Off,
            failed_by_loss: 0,
            lost_since_collect: false,
            completed_any: false,
            unserved: true,
            rejection: None,
            last_loss: None,
        }
    }

    /// Makes the connection wait at `gate` once its window is stored, until
    /// every connection's is. The gate counts this connection.
    pub fn with_warmup(mut self, gate: Option<WarmupGate>) -> Conn<'w, T, S> {
        self.warmup = gate.map_or(Warmup::Off, Warmup::Storing);
        self
    }

    /// Why the connection was lost while it had completed no request, if
    /// it never completed one.
    /// What ended the connection, when it ended dead.
    pub(crate) fn death(&self) -> Option<crate::death::Death> {
        self.last_loss.filter(|_| self.phase == Phase::Dead)
    }

    pub(crate) fn rejection(&self) -> Option<&Rejection> {
        self.rejection.as_ref().filter(|_| !self.completed_any)
    }

    /// The last error line the server answered this connection with, if
    /// it never completed a request.
    pub(crate) fn unserved_error_line(&self) -> Option<String> {
        let line = self.exchange.error_line().filter(|_| !self.completed_any)?;
        Some(String::from_utf8_lossy(line).into_owned())
    }

    /// Where the connection is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Whether a request is in flight.
    pub fn is_busy(&self) -> bool {
        matches!(self.phase, Phase::Writing | Phase::Reading)
    }

    /// Whether the connection can still do work: not dead, and with budget
    /// left or a request in flight.
    pub fn has_work(&self) -> bool {
        self.is_busy()
            || (self.phase != Phase::Dead && self.budget > 0 && !self.generator.is_done())
    }

    /// Starts a timed schedule's clock at `start` (the run's start).
    pub fn start_clock(&mut self, start: Instant) {
        self.schedule.start_clock(start);
    }

    /// Hands a replayed trace's record (or its end) to the source; a
    /// connection that died takes and drops it.
    pub fn deliver(&mut self, delivery: Delivery) -> Delivered {
        if self.phase == Phase::Dead {
            return match delivery {
                Delivery::Record(_) => Delivered::Dropped,
                Delivery::End => Delivered::Taken,
            };
        }
        if self.generator.deliver(delivery) {
            Delivered::Taken
        } else {
            Delivered::Full
        }
    }

    /// Records of a replayed trace waiting to be sent.
    pub fn queued(&self) -> usize {
        self.generator.queued()
    }

    /// Whether the connection can send a request of the open loop now.
    pub fn takes_grants(&mut self, issuing: bool) -> bool {
        issuing
            && matches!(self.phase, Phase::Idle | Phase::Reading)
            && self.budget > 0
            && self.transport.status() == Status::Ready
            && self.exchange.has_room()
            && self.schedule.gathers(self.exchange.outstanding())
            && !self.held_by_warmup()
    }

    /// Sends a request of the open loop that fell due at `intended`, if the
    /// connection can; false (and nothing sent) when it cannot.
    pub fn grant(&mut self, intended: Instant, now: Instant, ctx: &mut Ctx<'_>) -> bool {
        if !self.takes_grants(ctx.issuing) {
            return false;
        }
        self.schedule.grant(intended);
        self.settle(now, ctx);
        self.schedule.revoke().is_none()
    }

    /// The earliest time [`Conn::handle_timeout`] has something to do.
    pub fn poll_deadline(&self, issuing: bool) -> Option<Instant> {
        let pace = match self.phase {
            Phase::Idle | Phase::Reading
                if issuing && self.budget > 0 && self.exchange.has_room() =>
            {
                self.schedule
                    .next_due(self.exchange.outstanding(), self.generator.next_due())
            }
            _ => None,
        };
        earliest(
            earliest(self.transport.poll_deadline(), self.deadline),
            pace,
        )
    }

    /// Whether a wake-up already set for `at` is early enough: true only
    /// when [`Conn::poll_deadline`] is certainly no earlier (a request
    /// awaits its reply, due after `at`, with nothing else timed). A cheap
    /// test for the common case after each event; false says nothing.
    pub fn keeps_wake(&self, at: Instant) -> bool {
        self.phase == Phase::Reading
            && self.deadline.is_some_and(|d| d >= at)
            && self.schedule.is_unpaced()
            && self.transport.poll_deadline().is_none()
    }

    /// Handles a poller event for one of the connection's sockets.
    pub fn handle_event(&mut self, event: &Event, now: Instant, ctx: &mut Ctx<'_>) {
        let readiness = self.transport.handle_event(event, now);
        if readiness.writable && self.phase == Phase::Writing {
            self.send(now, ctx);
        }
        if readiness.readable && self.is_busy() {
            self.read(now, ctx);
        }
        self.settle(now, ctx);
    }

    /// Whether [`Conn::settle`] has nothing to do: replies are awaited, no
    /// write is to be gathered before more come, the transport has lost
    /// nothing, has no event to collect and has not failed, and budget is
    /// left (a spent one has the warm-up to leave). The usual state after a
    /// read that took part of a pipelined batch's replies.
    #[inline]
    fn is_settled(&self) -> bool {
        self.phase == Phase::Reading
            && !self.lost_since_collect
            && self.budget > 0
            && !self.schedule.gathers(self.exchange.outstanding())
            && !self.transport.has_events()
            && self.transport.status() != Status::Failed
    }

    /// Handles whatever is due at `now`: transport retries, a reply that is
    /// late, a paced request that may go.
    pub fn handle_timeout(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.transport.handle_timeout(now);
        if self.is_busy() && self.deadline.is_some_and(|d| now >= d) {
            self.deadline = self.exchange.oldest_start().map(|t| t + self.timeout);
            if self.deadline.is_some_and(|d| now >= d) {
                self.time_out(now, ctx, false);
            }
        }
        self.settle(now, ctx);
    }

    /// Ends the requests in flight as timeouts (the run is over and they
    /// never got their replies).
    pub fn expire(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.is_busy() {
            self.time_out(now, ctx, true);
        }
        if self.phase != Phase::Dead && self.transport.status() == Status::Failed {
            self.phase = Phase::Dead;
            self.leave_warmup();
        }
        self.sync_udp(ctx.stats);
    }

    /// Closes the transport.
    pub fn close(&mut self) {
        self.transport.close();
        self.phase = Phase::Dead;
        self.leave_warmup();
    }

    /// After any work: collects transport events, notices a transport that
    /// failed for good, and starts the next request when it may (and
    /// collects again: that request's write may have lost the socket).
    /// Returns at once when there is nothing to do ([`Conn::is_settled`]).
    fn settle(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.is_settled() {
            return;
        }
        self.collect(now, ctx);
        self.fill(now, ctx);
        if self.lost_since_collect {
            self.collect(now, ctx);
        }
    }

    /// Counts the transport's events (a lost socket is a disconnect, unless
    /// this side reset it) and ends the connection when the transport
    /// failed for good.
    #[inline(always)]
    fn collect(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.lost_since_collect = false;
        // Most calls find no event: the loop stays out of line.
        if self.transport.has_events() {
            self.collect_events(ctx);
        }
        self.failed_by_loss = 0;
        if self.phase != Phase::Dead && self.transport.status() == Status::Failed {
            self.abandon(now, ctx);
            self.phase = Phase::Dead;
            self.leave_warmup();
        }
        if self.budget == 0 {
            self.leave_warmup();
        }
    }
}
