//! The worker's side of a shared UDP socket (`-U`): the datagrams its
//! connections queued during one pass go out with one `sendmmsg` before the
//! next wait, and on readiness the socket is drained with `recvmmsg`, every
//! datagram handed to the connection its request id names.

use super::Worker;
use crate::conn::Conn;
use memaslap_transport::{Event, HUB_BATCH, SharedUdp, TransportError};
use std::time::Instant;

/// The most refusals one flush or drain hands out before it leaves the rest
/// for the next pass, so that a socket that refuses everything cannot hold
/// the thread.
const MAX_REFUSALS: usize = HUB_BATCH;

impl Worker<'_> {
    /// Sends every queued datagram, [`HUB_BATCH`] per system call. Those the
    /// socket cannot take now wait for the next pass (the socket's writable
    /// event ends the wait).
    pub(super) fn flush_udp(&mut self, now: Instant, issuing: bool) {
        let Some(mut hub) = self.udp.take() else {
            return;
        };
        let conns = &mut self.conns;
        // A request given up before its datagram went out takes it back.
        self.outbox
            .retain(|&i| match conns.get_mut(i).and_then(Conn::shared_udp_mut) {
                Some(udp) if udp.outgoing().is_some() => true,
                Some(udp) => {
                    udp.unlist(false);
                    false
                }
                None => false,
            });
        let mut refusals = 0;
        while !self.outbox.is_empty() {
            let mut batch: [&[u8]; HUB_BATCH] = [&[]; HUB_BATCH];
            let mut count = 0;
            for (datagram, &i) in batch.iter_mut().zip(&self.outbox) {
                *datagram = self
                    .conns
                    .get(i)
                    .and_then(Conn::shared_udp)
                    .and_then(SharedUdp::outgoing)
                    .unwrap_or_default();
                count += 1;
            }
            match hub.send(batch.get(..count).unwrap_or_default()) {
                Ok(sent) => {
                    for &i in self.outbox.get(..sent).unwrap_or_default() {
                        if let Some(udp) = self.conns.get_mut(i).and_then(Conn::shared_udp_mut) {
                            udp.unlist(true);
                        }
                    }
                    self.outbox.drain(..sent);
                    if sent < count {
                        break;
                    }
                }
                Err(error) => {
                    // The first datagram did not go out: its request fails.
                    let i = self.outbox.remove(0);
                    if let Some(udp) = self.conns.get_mut(i).and_then(Conn::shared_udp_mut) {
                        udp.unlist(false);
                    }
                    self.with_conn(i, issuing, |conn, ctx| {
                        conn.datagram_refused(error, now, ctx)
                    });
                    refusals += 1;
                    if refusals >= MAX_REFUSALS {
                        break;
                    }
                }
            }
        }
        self.udp = Some(hub);
    }

    /// Receives every datagram waiting on the shared socket and wakes each
    /// connection whose response is complete.
    pub(super) fn drain_udp(&mut self, now: Instant, issuing: bool) {
        self.receive_udp(now, issuing, false);
    }

    /// Waits for datagrams in the shared socket's receive call (up to
    /// [`memaslap_transport::HUB_WAIT`]), then handles them as
    /// [`Worker::drain_udp`] does.
    pub(super) fn wait_udp(&mut self, issuing: bool) {
        self.receive_udp(Instant::now(), issuing, true);
    }

    /// Receives datagrams until the socket is drained, the first call
    /// waiting when `wait` is set (`now` is then taken when it returns).
    fn receive_udp(&mut self, mut now: Instant, issuing: bool, mut wait: bool) {
        let Some(mut hub) = self.udp.take() else {
            return;
        };
        let event = Event::readable(hub.key());
        let mut refusals = 0;
        loop {
            let result = if wait { hub.wait_recv() } else { hub.recv() };
            if wait {
                now = Instant::now();
                wait = false;
            }
            let received = match result {
                Ok(received) => received,
                Err(error) => {
                    self.refuse_one(error, now, issuing);
                    refusals += 1;
                    if refusals >= MAX_REFUSALS {
                        break;
                    }
                    continue;
                }
            };
            for index in 0..received {
                let Some((slot, datagram)) = hub.route(index) else {
                    continue;
                };
                let complete = self
                    .conns
                    .get_mut(slot)
                    .and_then(Conn::shared_udp_mut)
                    .is_some_and(|udp| udp.push(datagram));
                if complete {
                    self.with_conn(slot, issuing, |conn, ctx| {
                        conn.handle_event(&event, now, ctx)
                    });
                }
            }
            if received < HUB_BATCH {
                break;
            }
        }
        self.udp = Some(hub);
    }

    /// A refusal the socket reported on receive goes to one request in
    /// flight: the datagram it belongs to cannot be known, and each refusal
    /// fails one request, as it would on a socket of its own.
    fn refuse_one(&mut self, error: TransportError, now: Instant, issuing: bool) {
        let n = self.conns.len();
        for step in 0..n {
            let i = (self.refusal_cursor + step) % n;
            let active = self
                .conns
                .get(i)
                .and_then(Conn::shared_udp)
                .is_some_and(SharedUdp::is_active);
            if active {
                self.refusal_cursor = i + 1;
                self.with_conn(i, issuing, |conn, ctx| {
                    conn.datagram_refused(error, now, ctx)
                });
                return;
            }
        }
    }

    /// Adds the datagrams the hub itself counted since the last call.
    pub(super) fn sync_hub(&mut self) {
        let Some(hub) = &self.udp else {
            return;
        };
        let now = hub.counters();
        self.stats.counters.packet_foreign += now.foreign.saturating_sub(self.hub_seen.foreign);
        self.hub_seen = now;
    }
}
