//! The thread's shared UDP socket (`-U`) as one driver: the datagrams its
//! connections queue during one pass go out with one `sendmmsg` before the
//! next wait, and on readiness the socket is drained with `recvmmsg`, every
//! datagram handed to the connection its request id names.
//!
//! Each connection's datagram moves through the small state machine of
//! [`SharedUdp`] (empty, queued, listed, withdrawn); the driver keeps the
//! list of connections with a datagram to send. What the driver cannot
//! settle alone (a refusal that fails a request, a response that is
//! complete) it returns to the worker, which drives the connection.

use super::Worker;
use crate::conn::Conn;
use crate::stats::Stats;
use memaslap_transport::{
    Event, HUB_BATCH, HUB_WAIT, HubCounters, SharedUdp, Transport, TransportError, UdpHub,
};
use memaslap_workload::Source;
use std::time::{Duration, Instant};

/// The most refusals one flush or drain hands out before it leaves the rest
/// for the next pass, so that a socket that refuses everything cannot hold
/// the thread.
pub(super) const MAX_REFUSALS: usize = HUB_BATCH;

/// What one step of [`SharedSocket::flush`] did.
pub(super) enum Flushed {
    /// Every listed datagram went out, or the socket takes no more now
    /// (its writable event ends the wait).
    Done,
    /// The socket refused connection `index`'s datagram: its request fails.
    Refused(usize, TransportError),
}

/// A thread's UDP socket and what its connections have queued on it.
#[derive(Debug)]
pub(super) struct SharedSocket {
    hub: UdpHub,
    /// Every connection of the thread uses the socket, so the thread may
    /// wait for replies in its receive call.
    waits: bool,
    /// Connections whose datagram waits to be sent, in the order listed
    /// (an entry may be stale: see [`SharedUdp`]).
    outbox: Vec<usize>,
    /// Where the search for a request to take a refusal starts.
    refusal_cursor: usize,
    /// The hub's counts already added to the statistics.
    seen: HubCounters,
}

/// What a connection is to do with a datagram [`SharedSocket::deliver`]
/// handed it.
pub(super) enum Delivery {
    /// Read: its reassembled response is complete.
    Complete(usize),
    /// Take in the response copied to the start of the receive buffer, of
    /// this many bytes.
    Received(usize, usize),
}

/// The shared socket of connection `conn`, if it uses one.
fn peer<'c, 'w, T: Transport, S: Source<'w>>(
    conns: &'c mut [Conn<'w, T, S>],
    index: usize,
) -> Option<&'c mut SharedUdp> {
    conns.get_mut(index).and_then(Conn::shared_socket_mut)
}

impl SharedSocket {
    /// The driver of `hub` for `conns`.
    pub(super) fn new<'w, T: Transport, S: Source<'w>>(
        hub: UdpHub,
        conns: &[Conn<'w, T, S>],
    ) -> SharedSocket {
        let waits = hub.can_wait() && conns.iter().all(|c| c.shared_socket().is_some());
        SharedSocket {
            hub,
            waits,
            outbox: Vec::with_capacity(conns.len()),
            refusal_cursor: 0,
            seen: HubCounters::default(),
        }
    }

    /// The poller key of the socket.
    pub(super) fn key(&self) -> usize {
        self.hub.key()
    }

    /// Whether the thread should wait in the socket's receive call rather
    /// than in its poller, for a wait of `timeout` (timers are then due no
    /// sooner than [`HUB_WAIT`]) with nothing left to send.
    pub(super) fn waits_for(&self, timeout: Duration) -> bool {
        self.waits && timeout >= HUB_WAIT && self.outbox.is_empty()
    }

    /// Connection `index` was just driven: a datagram it queued is listed
    /// to go out with the next flush.
    pub(super) fn note<'w, T: Transport, S: Source<'w>>(
        &mut self,
        index: usize,
        conn: &mut Conn<'w, T, S>,
    ) {
        if conn.shared_socket_mut().is_some_and(SharedUdp::list) {
            self.outbox.push(index);
        }
    }

    /// Sends listed datagrams, [`HUB_BATCH`] per system call, until all
    /// are out, the socket takes no more, or it refuses one (at `now`: the
    /// connection it was for waits for its next attempt).
    pub(super) fn flush<'w, T: Transport, S: Source<'w>>(
        &mut self,
        conns: &mut [Conn<'w, T, S>],
        now: Instant,
    ) -> Flushed {
        // Entries whose datagram was withdrawn leave the list.
        self.outbox.retain(|&i| match peer(conns, i) {
            Some(udp) if udp.outgoing().is_some() => true,
            Some(udp) => {
                udp.unlist(false);
                false
            }
            None => false,
        });
        while !self.outbox.is_empty() {
            let mut batch: [&[u8]; HUB_BATCH] = [&[]; HUB_BATCH];
            let mut count = 0;
            for (datagram, &i) in batch.iter_mut().zip(&self.outbox) {
                *datagram = conns
                    .get(i)
                    .and_then(Conn::shared_socket)
                    .and_then(SharedUdp::outgoing)
                    .unwrap_or_default();
                count += 1;
            }
            match self.hub.send(batch.get(..count).unwrap_or_default()) {
                Ok(sent) => {
                    for &i in self.outbox.get(..sent).unwrap_or_default() {
                        if let Some(udp) = peer(conns, i) {
                            udp.unlist(true);
                        }
                    }
                    self.outbox.drain(..sent);
                    if sent < count {
                        return Flushed::Done;
                    }
                }
                Err(error) => {
                    // The first datagram did not go out.
                    let i = self.outbox.remove(0);
                    if let Some(udp) = peer(conns, i) {
                        udp.unlist(false);
                        udp.refused(error.clone(), now);
                    }
                    return Flushed::Refused(i, error);
                }
            }
        }
        Flushed::Done
    }

    /// Receives up to [`HUB_BATCH`] datagrams, first waiting up to
    /// [`HUB_WAIT`] for one when `wait` is set; hand each to its
    /// connection with [`SharedSocket::deliver`]. Fewer than [`HUB_BATCH`]
    /// means the socket is drained.
    pub(super) fn receive(&mut self, wait: bool) -> Result<usize, TransportError> {
        if wait {
            self.hub.wait_recv()
        } else {
            self.hub.recv()
        }
    }

    /// Hands datagram `index` of the last receive to the connection its
    /// request id names, and says what that connection is to do. A
    /// datagram that is by itself the whole response awaited is copied
    /// once, into `shared` (the worker's receive buffer), where the
    /// reassembler would copy it in and the connection's read out again.
    pub(super) fn deliver<'w, T: Transport, S: Source<'w>>(
        &mut self,
        index: usize,
        conns: &mut [Conn<'w, T, S>],
        shared: &mut [u8],
        now: Instant,
    ) -> Option<Delivery> {
        let (slot, datagram) = self.hub.route(index)?;
        let conn = conns.get_mut(slot)?;
        if conn.reads_received() && datagram.len() <= shared.len() {
            let whole = conn
                .shared_socket_mut()
                .and_then(|udp| udp.take_whole(datagram, now));
            if let Some(payload) = whole {
                let n = payload.len();
                shared.get_mut(..n)?.copy_from_slice(payload);
                return Some(Delivery::Received(slot, n));
            }
        }
        conn.shared_socket_mut()
            .is_some_and(|udp| udp.push(datagram))
            .then_some(Delivery::Complete(slot))
    }

    /// The connection that takes a refusal the socket reported on receive
    /// at `now`: the next one, round-robin, with a request in flight, which
    /// then waits for its next attempt. The datagram it belongs to cannot
    /// be known; each refusal fails one request, as it would on a socket
    /// of its own.
    pub(super) fn refused<'w, T: Transport, S: Source<'w>>(
        &mut self,
        conns: &mut [Conn<'w, T, S>],
        error: &TransportError,
        now: Instant,
    ) -> Option<usize> {
        let n = conns.len();
        let i = (0..n)
            .map(|step| (self.refusal_cursor + step) % n)
            .find(|&i| {
                conns
                    .get(i)
                    .and_then(Conn::shared_socket)
                    .is_some_and(SharedUdp::is_active)
            })?;
        self.refusal_cursor = i + 1;
        if let Some(udp) = peer(conns, i) {
            udp.refused(error.clone(), now);
        }
        Some(i)
    }

    /// Adds the datagrams the hub itself counted since the last call.
    pub(super) fn sync(&mut self, stats: &mut Stats) {
        let now = self.hub.counters();
        stats.counters.packet_foreign += now.foreign.saturating_sub(self.seen.foreign);
        self.seen = now;
    }
}

/// The worker's side: sending what the connections queued and handing
/// out what came in.
impl<'w, S: Source<'w>> Worker<'w, S> {
    /// Sends every datagram the connections queued; a refused one fails
    /// its request. Datagrams the socket cannot take now wait for the
    /// next pass (the socket's writable event ends the wait).
    pub(super) fn flush_udp(&mut self, now: Instant, issuing: bool) {
        for _ in 0..MAX_REFUSALS {
            let Some(udp) = &mut self.udp else {
                return;
            };
            match udp.flush(&mut self.conns, now) {
                Flushed::Done => return,
                Flushed::Refused(i, error) => self.refuse(i, error, now, issuing),
            }
        }
    }

    /// Receives every datagram waiting on the shared socket and drives
    /// each connection whose response is complete; the first receive waits
    /// when `wait` is set. Returns the time after the last receive that
    /// waited (else `now`).
    pub(super) fn receive_udp(
        &mut self,
        mut now: Instant,
        issuing: bool,
        mut wait: bool,
    ) -> Instant {
        let Some(key) = self.udp.as_ref().map(SharedSocket::key) else {
            return now;
        };
        let event = Event::readable(key);
        let mut refusals = 0;
        while let Some(udp) = &mut self.udp {
            let result = udp.receive(wait);
            if wait {
                now = Instant::now();
                wait = false;
            }
            let received = match result {
                Ok(received) => received,
                Err(error) => {
                    if let Some(i) = udp.refused(&mut self.conns, &error, now) {
                        self.refuse(i, error, now, issuing);
                    }
                    refusals += 1;
                    if refusals >= MAX_REFUSALS {
                        break;
                    }
                    continue;
                }
            };
            for index in 0..received {
                let mut shared = self.recv.take_shared();
                let delivery = self
                    .udp
                    .as_mut()
                    .and_then(|udp| udp.deliver(index, &mut self.conns, &mut shared, now));
                self.recv.restore_shared(shared);
                match delivery {
                    Some(Delivery::Complete(slot)) => self.with_conn(slot, issuing, |conn, ctx| {
                        conn.handle_event(&event, now, ctx)
                    }),
                    Some(Delivery::Received(slot, n)) => {
                        self.with_conn(slot, issuing, |conn, ctx| conn.read_received(n, now, ctx))
                    }
                    None => {}
                }
            }
            if received < HUB_BATCH {
                break;
            }
        }
        now
    }

    /// Connection `index`'s request takes a refusal of the shared socket.
    fn refuse(&mut self, index: usize, error: TransportError, now: Instant, issuing: bool) {
        self.with_conn(index, issuing, |conn, ctx| {
            conn.datagram_refused(error, now, ctx)
        });
    }
}
