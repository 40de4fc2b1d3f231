//! One connection ("concurrency"): an explicit state machine that takes
//! tasks from its workload generator, sends them over its transport, reads
//! and judges the replies, and keeps one request in flight at a time.
//! Every method takes the current time; nothing here reads a clock.

use crate::exchange::{Desync, Exchange, Kind};
use crate::failure::VerifyFailure;
use crate::inbuf::InBuf;
use crate::pacer::Pacer;
use crate::stats::Stats;
use memaslap_transport::{
    Access, AnyTransport, Event, ResetReason, Status, Transport, TransportError, TransportEvent,
    UdpCounters,
};
use memaslap_workload::{Generator, SetOutcome, Task};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Where a connection is in its cycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// No request in flight.
    Idle,
    /// A request is partly written.
    Writing,
    /// A request is written and its reply is awaited.
    Reading,
    /// The connection failed for good.
    Dead,
}

/// What the worker lends a connection while it runs.
pub struct Ctx<'a> {
    /// The interval's statistics.
    pub stats: &'a mut Stats,
    /// Disconnects and reconnects to report.
    pub events: &'a mut Vec<TransportEvent>,
    /// Failed checks to report in detail (`-b`).
    pub failures: &'a mut Vec<VerifyFailure>,
    /// Whether new requests may start (false once the run is stopping).
    pub issuing: bool,
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

/// One connection and the request it has in flight.
pub struct Conn<'w> {
    transport: AnyTransport,
    generator: Generator<'w>,
    exchange: Exchange,
    inbuf: InBuf,
    phase: Phase,
    value: &'w [u8],
    started: Instant,
    deadline: Option<Instant>,
    pacer: Option<Pacer>,
    budget: u64,
    rng: u64,
    stream_timeout: Duration,
    datagram_timeout: Duration,
    udp_seen: UdpCounters,
    warmup: Warmup,
    /// A failure that left the socket open has been reported once.
    reported_failure: bool,
}

/// Where a connection is in the warm-up of a run without sets.
enum Warmup {
    /// No warm-up, or it is over.
    Off,
    /// Storing its window; counted in the gate.
    Storing(WarmupGate),
    /// Its window is stored; waiting for the gate to reach zero.
    Waiting(WarmupGate),
}

impl<'w> Conn<'w> {
    /// A connection over `transport` (already connecting) that draws its
    /// tasks from `generator`.
    pub fn new(
        transport: AnyTransport,
        generator: Generator<'w>,
        exchange: Exchange,
        inbuf: InBuf,
        pacer: Option<Pacer>,
        setup: ConnSetup,
        now: Instant,
    ) -> Conn<'w> {
        Conn {
            transport,
            generator,
            exchange,
            inbuf,
            phase: Phase::Idle,
            value: &[],
            started: now,
            deadline: None,
            pacer,
            budget: setup.budget,
            rng: setup.seed | 1,
            stream_timeout: setup.stream_timeout,
            datagram_timeout: setup.datagram_timeout,
            udp_seen: UdpCounters::default(),
            warmup: Warmup::Off,
            reported_failure: false,
        }
    }

    /// Makes the connection wait at `gate` once its window is stored, until
    /// every connection's is. The gate counts this connection.
    pub fn with_warmup(mut self, gate: Option<WarmupGate>) -> Conn<'w> {
        self.warmup = gate.map_or(Warmup::Off, Warmup::Storing);
        self
    }

    /// Whether the connection must wait for the others to store their
    /// windows before its next request.
    fn held_by_warmup(&mut self) -> bool {
        match &self.warmup {
            Warmup::Off => false,
            Warmup::Storing(gate) => {
                if self.generator.is_warming_up() {
                    return false;
                }
                let gate = Arc::clone(gate);
                gate.fetch_sub(1, Ordering::AcqRel);
                self.warmup = Warmup::Waiting(gate);
                self.held_by_warmup()
            }
            Warmup::Waiting(gate) => {
                if gate.load(Ordering::Acquire) > 0 {
                    return true;
                }
                self.warmup = Warmup::Off;
                false
            }
        }
    }

    /// Counts a connection that will store no more out of the gate.
    fn leave_warmup(&mut self) {
        if let Warmup::Storing(gate) = &self.warmup {
            gate.fetch_sub(1, Ordering::AcqRel);
        }
        self.warmup = Warmup::Off;
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
        self.is_busy() || (self.phase != Phase::Dead && self.budget > 0)
    }

    /// The generator, e.g. to know whether it is still warming up.
    pub fn generator(&self) -> &Generator<'w> {
        &self.generator
    }

    /// The earliest time [`Conn::handle_timeout`] has something to do.
    pub fn poll_deadline(&self, issuing: bool) -> Option<Instant> {
        let pace = match (&self.pacer, self.phase) {
            (Some(pacer), Phase::Idle) if issuing && self.budget > 0 => Some(pacer.next_send()),
            _ => None,
        };
        [self.transport.poll_deadline(), self.deadline, pace]
            .into_iter()
            .flatten()
            .min()
    }

    /// Handles a poller event for one of the connection's sockets.
    pub fn handle_event(&mut self, event: &Event, now: Instant, ctx: &mut Ctx<'_>) {
        let readiness = self.transport.handle_event(event, now);
        if readiness.writable && self.phase == Phase::Writing {
            self.send(now, ctx);
        }
        if readiness.readable && self.phase == Phase::Reading {
            self.read(now, ctx);
        }
        self.settle(now, ctx);
    }

    /// Handles whatever is due at `now`: transport retries, a reply that is
    /// late, a paced request that may go.
    pub fn handle_timeout(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.transport.handle_timeout(now);
        if self.is_busy() && self.deadline.is_some_and(|d| now >= d) {
            self.time_out(now, ctx);
        }
        self.settle(now, ctx);
    }

    /// Ends the request in flight as a timeout (the run is over and it never
    /// got its reply).
    pub fn expire(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.is_busy() {
            self.time_out(now, ctx);
        }
        if self.phase != Phase::Dead && self.transport.status() == Status::Failed {
            self.phase = Phase::Dead;
            self.leave_warmup();
        }
        self.sync_udp(ctx.stats);
    }

    /// Adds the UDP datagram counts since the last call to `stats`.
    pub fn sync_udp(&mut self, stats: &mut Stats) {
        let Some(now) = self.transport.udp_counters() else {
            return;
        };
        let c = &mut stats.counters;
        c.packet_drop += now.lost.saturating_sub(self.udp_seen.lost);
        let (r, seen) = (&now.reassembly, &self.udp_seen.reassembly);
        c.packet_disorder += r.disorder.saturating_sub(seen.disorder);
        c.packet_duplicate += r.duplicates.saturating_sub(seen.duplicates);
        c.packet_foreign += r.foreign.saturating_sub(seen.foreign);
        self.udp_seen = now;
    }

    /// Closes the transport.
    pub fn close(&mut self) {
        self.transport.close();
        self.phase = Phase::Dead;
        self.leave_warmup();
    }

    /// After any work: collects transport events, notices a transport that
    /// failed for good, and starts the next request when it may.
    fn settle(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        while let Some(event) = self.transport.poll_event() {
            // A socket this side reset is counted by its cause (protocol
            // error, timeout), not as a disconnect.
            if let TransportEvent::Disconnected { error, .. } = &event
                && !matches!(error, TransportError::Reset { .. })
            {
                ctx.stats.counters.errors.disconnect += 1;
            }
            ctx.events.push(event);
        }
        if self.phase != Phase::Dead && self.transport.status() == Status::Failed {
            self.abandon(now, ctx);
            self.phase = Phase::Dead;
            self.leave_warmup();
        }
        if self.budget == 0 {
            self.leave_warmup();
        }
        while self.phase == Phase::Idle && self.may_issue(now, ctx) {
            self.issue(now, ctx);
        }
    }

    fn may_issue(&mut self, now: Instant, ctx: &Ctx<'_>) -> bool {
        ctx.issuing
            && self.budget > 0
            && self.transport.status() == Status::Ready
            && self.pacer.as_ref().is_none_or(|p| p.ready(now))
            && !self.held_by_warmup()
    }

    /// Takes the next task and starts sending it.
    fn issue(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let (access, ops, encoded) = match self.generator.next_task() {
            Task::Set(set) => {
                self.value = set.value;
                (Access::Write, 1, self.exchange.begin_set(&set))
            }
            Task::Get(batch) => {
                self.value = &[];
                (
                    Access::Read,
                    batch.len() as u64,
                    self.exchange.begin_get(&batch),
                )
            }
        };
        if encoded.is_err() {
            // The workload only makes keys the protocols accept; a key that
            // is refused means this connection cannot go on.
            ctx.stats.counters.errors.client_error += 1;
            self.close();
            return;
        }
        self.rng ^= self.rng << 13;
        self.rng ^= self.rng >> 7;
        self.rng ^= self.rng << 17;
        if let Err(error) = self.transport.begin(access, self.rng) {
            self.exchange.abandon();
            self.lost(error, now, ctx);
            return;
        }
        if let Some(pacer) = &mut self.pacer {
            pacer.sent(now);
        }
        self.budget = self.budget.saturating_sub(ops);
        ctx.stats.counters.requests_sent += 1;
        self.started = now;
        let timeout = if self.transport.current_is_datagram() {
            self.datagram_timeout
        } else {
            self.stream_timeout
        };
        self.deadline = Some(now + timeout);
        self.phase = Phase::Writing;
        self.send(now, ctx);
    }

    /// Writes what is left of the request.
    fn send(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let bufs = [self.exchange.header(), self.value, self.exchange.trailer()];
        match self.transport.send(&bufs, now) {
            Ok(sent) => {
                ctx.stats.counters.written_bytes += sent.bytes as u64;
                self.count_net(sent.bytes, ctx);
                if sent.done {
                    self.phase = Phase::Reading;
                }
            }
            Err(error) => self.lost(error, now, ctx),
        }
    }

    /// Reads and consumes replies until the socket has nothing more or the
    /// request is complete.
    fn read(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        while self.phase == Phase::Reading {
            let Some(spare) = self.inbuf.spare() else {
                // One reply element larger than the parser allows is refused
                // by the parser first; a full buffer means it broke step.
                self.desync(now, ctx);
                return;
            };
            match self.transport.recv(spare, now) {
                Ok(Some(n)) => {
                    self.inbuf.filled(n);
                    ctx.stats.counters.read_bytes += n as u64;
                    self.count_net(n, ctx);
                    self.consume(now, ctx);
                }
                Ok(None) => return,
                Err(error) => {
                    self.lost(error, now, ctx);
                    return;
                }
            }
        }
    }

    /// Attributes bytes on the wire to the kind of request in flight.
    fn count_net(&self, bytes: usize, ctx: &mut Ctx<'_>) {
        let c = &mut ctx.stats.counters;
        match self.exchange.pending() {
            Some(Kind::Get) => c.get_net_bytes += bytes as u64,
            Some(Kind::Set) => c.set_net_bytes += bytes as u64,
            None => {}
        }
    }

    /// Hands the received bytes to the exchange.
    fn consume(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let received = self.exchange.receive(
            self.inbuf.data(),
            &mut self.generator,
            &mut ctx.stats.counters,
            now,
        );
        self.exchange.take_failures(ctx.failures);
        let received = match received {
            Ok(received) => received,
            Err(Desync) => return self.desync(now, ctx),
        };
        self.inbuf.consume(received.consumed);
        let Some(done) = received.done else {
            return;
        };
        let latency = now.saturating_duration_since(self.started);
        match done.kind {
            Kind::Get => ctx.stats.get.record(latency),
            Kind::Set => ctx.stats.set.record(latency),
        }
        self.deadline = None;
        self.phase = Phase::Idle;
        if self.inbuf.data().is_empty() {
            self.transport.finish();
        } else {
            // The server sent more than was asked for.
            self.desync(now, ctx);
        }
    }

    /// Ends the request in flight without a reply: a set's item is no
    /// longer known, the exchange and buffer are reset.
    fn abandon(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.exchange.pending() == Some(Kind::Set) {
            self.generator.complete_set(SetOutcome::Lost, now);
        }
        self.exchange.abandon();
        self.inbuf.clear();
        self.deadline = None;
        if self.is_busy() {
            ctx.stats.counters.requests_failed += 1;
        }
        if self.phase != Phase::Dead {
            self.phase = Phase::Idle;
        }
    }

    /// The transport lost the socket (counted when its `Disconnected` event
    /// is collected) or refused the request.
    fn lost(&mut self, error: TransportError, now: Instant, ctx: &mut Ctx<'_>) {
        self.abandon(now, ctx);
        if matches!(error, TransportError::RequestTooLarge { .. }) {
            ctx.stats.counters.errors.client_error += 1;
            self.close();
        } else if self.transport.current_is_datagram() {
            // A refused datagram leaves the socket open: no `Disconnected`
            // event will count it, so count it here and report the first.
            ctx.stats.counters.errors.disconnect += 1;
            if !self.reported_failure {
                self.reported_failure = true;
                if let Some(server) = error.server().cloned() {
                    ctx.events.push(TransportEvent::Disconnected {
                        socket: 0,
                        server,
                        at: now,
                        error,
                        retry_at: None,
                    });
                }
            }
        }
    }

    /// The reply broke the protocol: the stream cannot be trusted, so its
    /// socket is reset (reconnected under `-R`, else closed for good; a
    /// datagram socket just goes on).
    fn desync(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        ctx.stats.counters.errors.protocol_error += 1;
        self.abandon(now, ctx);
        self.transport.reset(ResetReason::Protocol, now);
    }

    /// The reply did not come in time. Over UDP the request is given up and
    /// the connection goes on; over a stream a late reply would arrive out of
    /// step, so the socket is reset (reconnected under `-R`).
    fn time_out(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let c = &mut ctx.stats.counters;
        c.requests_timed_out += 1;
        c.errors.timeout += 1;
        let udp = self.transport.current_is_datagram();
        if udp {
            c.udp_timeout += 1;
        }
        // Counted as timed out, not failed: leave the busy phase first.
        self.phase = Phase::Idle;
        self.abandon(now, ctx);
        if udp {
            self.transport.finish();
        } else {
            self.transport.reset(ResetReason::Timeout, now);
        }
    }
}
