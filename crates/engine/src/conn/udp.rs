//! A connection's datagram side: its share of the thread's UDP socket and
//! its datagram counts.

use super::{Conn, Ctx};
use crate::stats::Stats;
use memaslap_transport::{SharedUdp, Transport, TransportError};
use memaslap_workload::Source;
use std::time::Instant;

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// The connection's share of its thread's UDP socket, if it has one.
    pub fn shared_socket(&self) -> Option<&SharedUdp> {
        self.transport.shared_socket()
    }

    /// The connection's share of its thread's UDP socket, if it has one,
    /// to queue and receive datagrams through.
    pub fn shared_socket_mut(&mut self) -> Option<&mut SharedUdp> {
        self.transport.shared_socket_mut()
    }

    /// Whether a reply received for the connection may be handed to
    /// [`Conn::read_received`]: a request awaits it and no partial reply
    /// is kept (one that is would take it in after that part).
    pub fn reads_received(&self) -> bool {
        self.is_busy() && self.spill.data().is_empty()
    }

    /// Takes in the first `n` bytes of the worker's receive buffer, a
    /// reply its transport handed over in place
    /// ([`SharedUdp::take_whole`]), as [`Conn::handle_event`] takes in what
    /// a read brings: then reads on while the transport has more, and
    /// starts what may start next.
    pub fn read_received(&mut self, n: usize, now: Instant, ctx: &mut Ctx<'_>) {
        if self.reads_received() {
            let shared = ctx.recv.take_shared();
            self.take_in(shared.get(..n).unwrap_or_default(), now, ctx);
            ctx.recv.restore_shared(shared);
            // Also the read's end: a transport says when its message is
            // over, a spill no longer needed goes back.
            self.read(now, ctx);
        }
        self.settle(now, ctx);
    }

    /// The thread's shared UDP socket reported a refusal (an ICMP "port
    /// unreachable") that this connection's request takes: the request
    /// fails as if its own socket had refused it, and the next one starts.
    pub fn datagram_refused(&mut self, error: TransportError, now: Instant, ctx: &mut Ctx<'_>) {
        if self.is_busy() {
            self.lost(&error, now, ctx);
        }
        self.settle(now, ctx);
    }

    /// Adds the UDP datagram counts since the last call to `stats`.
    pub fn sync_udp(&mut self, stats: &mut Stats) {
        let Some(now) = self.transport.datagram_counters() else {
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
}
