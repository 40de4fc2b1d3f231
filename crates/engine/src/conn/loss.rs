//! How a connection counts what its transport lost and ends the requests
//! that will get no reply: a lost socket, a reply out of step, a timeout.

use super::{Conn, Ctx, Phase, tls};
use crate::rejection::Rejection;
use memaslap_transport::{ResetReason, Transport, TransportError, TransportEvent};
use memaslap_workload::Source;
use std::time::Instant;

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// [`Self::collect`]'s count of the transport's events.
    #[inline(never)]
    pub(super) fn collect_events(&mut self, ctx: &mut Ctx<'_>) {
        while let Some(event) = self.transport.poll_event() {
            if tls::counted(&event, ctx.stats) {
                continue;
            }
            if let TransportEvent::Disconnected { error, .. }
            | TransportEvent::RetryFailed { error, .. } = &event
            {
                self.last_loss = Some(crate::death::Death::of(error));
            }
            if !self.completed_any
                && let Some(why) = Rejection::of(&event, self.exchange.take_error_line())
            {
                self.rejection = Some(why);
            }
            // A socket this side reset is counted by its cause (protocol
            // error, timeout), not as a disconnect.
            if let TransportEvent::Disconnected { error, .. } = &event
                && !matches!(error, TransportError::Reset { .. })
            {
                let failed = std::mem::take(&mut self.failed_by_loss);
                ctx.sightings.lost(&event, &ctx.stats.counters, failed);
                ctx.stats.counters.errors.disconnect += 1;
            }
            if let TransportEvent::Reconnected { .. } = &event {
                self.unserved = true;
            }
            ctx.sightings.back(&event, &ctx.stats.counters);
            ctx.events.push(event);
        }
    }

    /// Ends the requests in flight without a reply: sets' items are no
    /// longer known, the exchange and buffer are reset. Returns how many.
    pub(super) fn give_up(&mut self, now: Instant, ctx: &mut Ctx<'_>) -> u64 {
        let count = self
            .exchange
            .abandon(&mut self.generator, &mut ctx.stats.counters, now);
        self.spill.clear();
        self.deadline = None;
        self.access = None;
        if self.phase != Phase::Dead {
            self.phase = Phase::Idle;
        }
        count as u64
    }

    /// Ends the requests in flight as failed.
    pub(super) fn abandon(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        ctx.stats.counters.requests_failed += self.give_up(now, ctx);
    }

    /// The transport lost the socket, or the network refused a datagram
    /// (either counted when its `Disconnected` event is collected), or the
    /// transport refused the request.
    pub(super) fn lost(&mut self, error: &TransportError, now: Instant, ctx: &mut Ctx<'_>) {
        let failed = self.give_up(now, ctx);
        ctx.stats.counters.requests_failed += failed;
        self.failed_by_loss += failed;
        self.lost_since_collect = true;
        if matches!(error, TransportError::RequestTooLarge { .. }) {
            ctx.stats.counters.errors.client_error += 1;
            self.close();
        }
    }

    /// The reply broke the protocol: the stream cannot be trusted, so its
    /// socket is reset (reconnected under `-R`, else closed for good; a
    /// datagram socket just goes on).
    pub(super) fn desync(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        ctx.stats.counters.errors.protocol_error += 1;
        self.abandon(now, ctx);
        self.transport.reset(ResetReason::Protocol, now);
    }

    /// The oldest reply did not come in time. Over UDP the request is given
    /// up and the connection goes on; over a stream a late reply would
    /// arrive out of step, so the socket is reset (reconnected under `-R`)
    /// and the requests behind it fail with it (`all`: they timed out too,
    /// the run being over).
    pub(super) fn time_out(&mut self, now: Instant, ctx: &mut Ctx<'_>, all: bool) {
        let udp = self.transport.is_datagram();
        let given_up = self.give_up(now, ctx);
        let late = if all { given_up } else { given_up.min(1) };
        let c = &mut ctx.stats.counters;
        c.requests_timed_out += late;
        c.errors.timeout += late;
        c.requests_failed += given_up - late;
        if udp {
            c.udp_timeout += late;
        }
        if udp {
            self.transport.finish();
        } else {
            self.transport.reset(ResetReason::Timeout, now);
        }
    }
}
