//! How a connection writes its requests: tasks taken from its generator
//! while the depth, the pacing and the warm-up allow, encoded into one
//! write, and sent over its transport.

use super::{Conn, Ctx, Phase};
use memaslap_transport::{Access, Status, Transport};
use memaslap_workload::{GetKeys, KeyOutcome, SetOutcome, Source, Task, TaskId, mix64};
use std::time::{Duration, Instant};

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// Whether one more task may begin at `now`, due (on the source's
    /// clock) `due`. The transport's readiness is the caller's to check:
    /// beginning a task does not change it.
    fn may_issue(&mut self, now: Instant, due: Option<Duration>, ctx: &Ctx<'_>) -> bool {
        ctx.issuing
            && self.budget > 0
            && self.exchange.has_room()
            && self
                .schedule
                .may_begin(self.exchange.outstanding(), now, due)
            && !self.held_by_warmup()
    }

    /// Begins tasks while [`Self::may_issue`] allows and the generator has
    /// them.
    fn issue_all(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        if self.transport.status() != Status::Ready {
            return;
        }
        loop {
            let due = self.generator.next_due();
            if !self.may_issue(now, due, ctx) || !self.issue(now, due, ctx) {
                return;
            }
        }
    }

    /// Begins tasks while the depth, the generator and the pacing allow,
    /// then writes them together, up to [`MAX_BATCH`] a write: a refill the
    /// schedule starts goes on until the depth is full.
    ///
    /// [`MAX_BATCH`]: crate::exchange::MAX_BATCH
    pub(super) fn fill(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let mut refilling = false;
        while matches!(self.phase, Phase::Idle | Phase::Reading)
            && self.exchange.has_room()
            && if refilling {
                self.exchange.outstanding() < self.schedule.depth()
            } else {
                self.schedule.gathers(self.exchange.outstanding())
            }
        {
            self.issue_all(now, ctx);
            if !self.exchange.has_unwritten() {
                return;
            }
            self.write(now, ctx);
            refilling = true;
        }
    }

    /// Takes the next task, due `due`, and adds it to the write being
    /// gathered; false when the generator has none to give now (or its
    /// encoding was refused: the connection is closed).
    #[inline]
    fn issue(&mut self, now: Instant, due: Option<Duration>, ctx: &mut Ctx<'_>) -> bool {
        let Some((id, task)) = self.generator.issue() else {
            return false;
        };
        let (access, ops) = match &task {
            Task::Get(batch) => (Access::Read, batch.len() as u64),
            Task::Set(_) | Task::Key(_) => (Access::Write, 1),
        };
        if self.exchange.begin(id, &task, now).is_err() {
            self.refused(id, now, ctx);
            return false;
        }
        self.access.get_or_insert(access);
        let intended = self.schedule.sent(now, due);
        if ctx.stats.open.is_some() {
            self.late(access, now, intended, ctx);
        }
        self.budget = self.budget.saturating_sub(ops);
        ctx.stats.counters.requests_sent += 1;
        true
    }

    /// The protocol refused task `id`'s encoding. The workload only makes
    /// keys the protocols accept; a key that is refused means this
    /// connection cannot go on.
    #[cold]
    #[inline(never)]
    fn refused(&mut self, id: TaskId, now: Instant, ctx: &mut Ctx<'_>) {
        self.generator.complete_set(id, SetOutcome::Lost, now);
        self.generator.finish_get(id);
        self.generator.complete_key(id, KeyOutcome::Lost, now);
        ctx.stats.counters.errors.client_error += 1;
        self.close();
    }

    /// In the open loop: the request begun last was meant to begin at
    /// `intended`; its lag behind that is recorded.
    #[inline(never)]
    fn late(&mut self, access: Access, now: Instant, intended: Instant, ctx: &mut Ctx<'_>) {
        self.exchange.intend(intended);
        let recorded = ctx.records(intended);
        if let Some(open) = ctx.stats.open.as_deref_mut().filter(|_| recorded) {
            let lag = now.saturating_duration_since(intended);
            match access {
                Access::Read => open.lag_get.record(lag),
                Access::Write => open.lag_set.record(lag),
            }
        }
    }

    /// Starts writing the requests gathered.
    fn write(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        self.rng = self.rng.wrapping_add(1);
        let access = self.access.take().unwrap_or(Access::Read);
        if let Err(error) = self.transport.begin(access, mix64(self.rng)) {
            self.lost(&error, now, ctx);
            return;
        }
        self.timeout = if self.transport.is_datagram() {
            self.datagram_timeout
        } else {
            self.stream_timeout
        };
        self.deadline = self.exchange.oldest_start().map(|t| t + self.timeout);
        self.phase = Phase::Writing;
        self.send(now, ctx);
    }

    /// Writes what is left of the requests gathered.
    pub(super) fn send(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        let transport = &mut self.transport;
        match self.exchange.with_slices(|bufs| transport.send(bufs, now)) {
            Ok(sent) => {
                ctx.stats.counters.written_bytes += sent.bytes as u64;
                if sent.done {
                    let net = self.exchange.written();
                    ctx.stats.counters.get_net_bytes += net.get as u64;
                    ctx.stats.counters.set_net_bytes += net.set as u64;
                    self.phase = Phase::Reading;
                }
            }
            Err(error) => self.lost(&error, now, ctx),
        }
    }
}
