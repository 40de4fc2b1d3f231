//! How a connection reads its replies: into its worker's shared receive
//! buffer, keeping a partial reply in a spill lent by the worker until the
//! rest comes.

use super::{Conn, Ctx, Phase};
use crate::exchange::Kind;
use crate::inbuf::InBuf;
use crate::latency::Latency;
use memaslap_transport::Transport;
use memaslap_workload::Source;
use std::time::{Duration, Instant};

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// Reads and consumes replies until the socket has nothing more or no
    /// request is in flight, then gives back a spill it no longer needs.
    pub(super) fn read(&mut self, now: Instant, ctx: &mut Ctx<'_>) {
        while self.is_busy() {
            let more = if self.spill.data().is_empty() {
                self.read_shared(now, ctx)
            } else {
                self.read_spill(now, ctx)
            };
            // A drained socket would answer nothing: no need to ask it (a
            // read's setup, its prefetch walk and the transport's layers).
            if !more || self.transport.is_drained() {
                break;
            }
        }
        if self.spill.capacity() > 0 && self.spill.data().is_empty() {
            ctx.recv
                .give_back(std::mem::replace(&mut self.spill, InBuf::empty()));
        }
    }

    /// One read into the worker's shared buffer; a partial reply left at
    /// its end is kept in a spill. False when the socket has nothing more
    /// or failed.
    fn read_shared(&mut self, now: Instant, ctx: &mut Ctx<'_>) -> bool {
        let mut shared = ctx.recv.take_shared();
        // Loaded while the receive runs in the kernel.
        self.exchange.prefetch_ahead(&self.generator);
        let more = match self.transport.recv(&mut shared, now) {
            Ok(Some(n)) => {
                self.take_in(shared.get(..n).unwrap_or_default(), now, ctx);
                true
            }
            Ok(None) => false,
            Err(error) => {
                self.lost(&error, now, ctx);
                false
            }
        };
        ctx.recv.restore_shared(shared);
        more
    }

    /// Consumes `data`, just read (the connection keeps no partial reply),
    /// keeping the start of a partial reply it ends with in a spill.
    #[inline(always)]
    pub(super) fn take_in(&mut self, data: &[u8], now: Instant, ctx: &mut Ctx<'_>) {
        ctx.stats.counters.read_bytes += data.len() as u64;
        if let Some(used) = self.consume(data, now, ctx) {
            self.keep(data.get(used..).unwrap_or_default(), now, ctx);
        }
    }

    /// Keeps the start of a partial reply in a spill.
    fn keep(&mut self, partial: &[u8], now: Instant, ctx: &mut Ctx<'_>) {
        if partial.is_empty() {
            return;
        }
        if self.spill.capacity() == 0 {
            self.spill = ctx.recv.lend();
        }
        if !self.spill.extend(partial) {
            self.desync(now, ctx);
        }
    }

    /// One read after the partial reply in the spill. False when the socket
    /// has nothing more or failed.
    fn read_spill(&mut self, now: Instant, ctx: &mut Ctx<'_>) -> bool {
        let Some(spare) = self.spill.spare() else {
            // One reply element larger than the parser allows is refused
            // by the parser first; a full buffer means it broke step.
            self.desync(now, ctx);
            return false;
        };
        match self.transport.recv(spare, now) {
            Ok(Some(n)) => {
                self.spill.filled(n);
                ctx.stats.counters.read_bytes += n as u64;
                let mut spill = std::mem::replace(&mut self.spill, InBuf::empty());
                match self.consume(spill.data(), now, ctx) {
                    Some(used) => spill.consume(used),
                    None => spill.clear(),
                }
                self.spill = spill;
                true
            }
            Ok(None) => false,
            Err(error) => {
                self.lost(&error, now, ctx);
                false
            }
        }
    }

    /// Attributes reply bytes to the kind of request they answered.
    fn count_net(kind: Option<Kind>, bytes: usize, ctx: &mut Ctx<'_>) {
        let c = &mut ctx.stats.counters;
        match kind {
            Some(Kind::Get) => c.get_net_bytes += bytes as u64,
            Some(Kind::Set) => c.set_net_bytes += bytes as u64,
            None => {}
        }
    }

    /// Hands received bytes to the exchange, reply after reply. Returns how
    /// many it consumed (the rest starts a partial reply), or `None` when
    /// none are to be kept: the stream broke step and was reset.
    fn consume(&mut self, data: &[u8], now: Instant, ctx: &mut Ctx<'_>) -> Option<usize> {
        let mut runs = Runs::default();
        let used = self.consume_replies(data, now, ctx, &mut runs);
        runs.get.flush(&mut ctx.stats.get);
        runs.set.flush(&mut ctx.stats.set);
        used
    }

    /// [`Self::consume`]'s loop, the replies' latencies left in `runs`.
    #[inline(always)]
    fn consume_replies(
        &mut self,
        data: &[u8],
        now: Instant,
        ctx: &mut Ctx<'_>,
        runs: &mut Runs,
    ) -> Option<usize> {
        let mut used = 0;
        let mut since = Since::new(now);
        loop {
            let kind = self.exchange.pending();
            let received = self.exchange.receive(
                data.get(used..).unwrap_or_default(),
                &mut self.generator,
                &mut ctx.stats.counters,
                now,
            );
            self.exchange.take_failures(ctx.failures);
            let Ok(received) = received else {
                self.desync(now, ctx);
                return None;
            };
            used += received.consumed;
            Self::count_net(kind, received.consumed, ctx);
            let Some(done) = received.done else {
                return Some(used);
            };
            if !done.failed {
                self.completed_any = true;
                if std::mem::take(&mut self.unserved) {
                    self.transport.served();
                }
            }
            // The response time: from when the request was meant to go.
            let (latency, ns) = since.of(done.intended);
            // The service time (from when it went), in open loop only.
            let service = || now.saturating_duration_since(done.started);
            let recorded = ctx.records(done.intended);
            match (done.kind, ctx.stats.open.as_deref_mut()) {
                _ if !recorded => {}
                (Kind::Get, open) => {
                    runs.get.add(ns, &mut ctx.stats.get);
                    if let Some(open) = open {
                        open.service_get.record(service());
                    }
                }
                (Kind::Set, open) => {
                    runs.set.add(ns, &mut ctx.stats.set);
                    if let Some(open) = open {
                        open.service_set.record(service());
                    }
                }
            }
            if let Some(commands) = ctx.stats.commands.as_deref_mut().filter(|_| recorded) {
                commands.record(done.command, latency);
            }
            ctx.sightings.record(latency);
            if self.exchange.outstanding() > 0 {
                // The deadline stays the answered request's, no later than
                // the oldest's now: a timeout first moves it on.
                if used == data.len() {
                    // Every byte read is consumed: the next reply is to come.
                    return Some(used);
                }
                continue;
            }
            self.deadline = None;
            self.phase = Phase::Idle;
            if used < data.len() {
                // The server sent more than was asked for.
                self.desync(now, ctx);
                return None;
            }
            self.transport.finish();
            return Some(used);
        }
    }
}

/// The latencies of one read's replies, recorded once per run of equal
/// ones in each kind's record: the replies to one write's requests share
/// theirs.
#[derive(Default)]
struct Runs {
    get: Run,
    set: Run,
}

/// `n` latencies of `ns` nanoseconds not yet recorded.
#[derive(Default)]
struct Run {
    ns: u64,
    n: u64,
}

impl Run {
    /// Adds a latency of `ns`, recording the run before it if it differs.
    #[inline]
    fn add(&mut self, ns: u64, record: &mut Latency) {
        if ns != self.ns {
            self.flush(record);
            self.ns = ns;
        }
        self.n += 1;
    }

    /// Records the run. A run of one (every read at depth 1) goes through
    /// `record_ns`: through `record_ns_n` it costs 32 instructions more a
    /// request at depth 1.
    #[inline]
    fn flush(&mut self, record: &mut Latency) {
        match self.n {
            0 => return,
            1 => record.record_ns(self.ns),
            n => record.record_ns_n(self.ns, n),
        }
        self.n = 0;
    }
}

/// Durations up to one instant, the last one kept: the requests of one
/// write were begun at the same instant, so the replies of a read mostly
/// take one subtraction between them.
struct Since {
    now: Instant,
    last: Option<(Instant, Duration, u64)>,
}

impl Since {
    fn new(now: Instant) -> Since {
        Since { now, last: None }
    }

    /// The time from `from` to now (zero when `from` is later), and in
    /// nanoseconds.
    #[inline]
    fn of(&mut self, from: Instant) -> (Duration, u64) {
        match self.last {
            Some((at, duration, ns)) if at == from => (duration, ns),
            _ => {
                let duration = self.now.saturating_duration_since(from);
                let ns = crate::latency::nanos(duration);
                self.last = Some((from, duration, ns));
                (duration, ns)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Run, Since};
    use crate::latency::Latency;
    use std::time::{Duration, Instant};

    #[test]
    fn a_run_records_each_latency_added_once() {
        let latencies = [5_000, 5_000, 7_000, 5_000, 5_000, 5_000, 0, 0, 9_000];
        let mut run = Run::default();
        let mut runs = Latency::new();
        let mut each = Latency::new();
        for (i, ns) in latencies.into_iter().enumerate() {
            run.add(ns, &mut runs);
            each.record_ns(ns);
            // Flushed now and then, as at the end of a read.
            if i == 4 {
                run.flush(&mut runs);
                assert_eq!(runs.count(), each.count());
            }
        }
        run.flush(&mut runs);
        run.flush(&mut runs);
        assert_eq!(runs.count(), latencies.len() as u64);
        assert_eq!((runs.min(), runs.max()), (each.min(), each.max()));
        assert_eq!(runs.mean_us().to_bits(), each.mean_us().to_bits());
        assert_eq!(runs.geo_mean_us().to_bits(), each.geo_mean_us().to_bits());
        assert_eq!(runs.log2_buckets(), each.log2_buckets());
        assert_eq!(runs.quantile(0.5), each.quantile(0.5));
    }

    #[test]
    fn durations_since_are_those_of_each_instant() {
        let t0 = Instant::now();
        let now = t0 + Duration::from_micros(900);
        let mut since = Since::new(now);
        let from = [0, 0, 300, 300, 0, 1000, 1000, 300].map(|us| t0 + Duration::from_micros(us));
        for at in from {
            let duration = now.saturating_duration_since(at);
            assert_eq!(since.of(at), (duration, duration.as_nanos() as u64));
        }
    }
}
