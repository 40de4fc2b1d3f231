//! One connection's side of a shared UDP socket: its request ids, its
//! outgoing datagram and the reassembly of its replies.

use std::time::Instant;

use memaslap_proto::udp::{self as frame, FRAME_HEADER_LEN, Push};
use polling::Event;

use super::ids::RequestIds;
use crate::refusal::Refusals;
use crate::reply::{Reply, request_len};
use crate::retry::Retry;
use crate::udp::{MAX_REQUEST, UdpCounters};
use crate::{
    Access, Readiness, ResetReason, Sent, Server, Status, Transport, TransportError, TransportEvent,
};

/// Where a connection's datagram is on its way to the thread's socket.
///
/// | state \ call | `send`  | `list`   | `withdraw` | `unlist` |
/// |--------------|---------|----------|------------|----------|
/// | `Empty`      | Queued  | –        | –          | –        |
/// | `Queued`     | Queued  | Listed   | Empty      | Empty    |
/// | `Listed`     | Listed  | –        | Withdrawn  | Empty    |
/// | `Withdrawn`  | Listed  | –        | –          | Empty    |
///
/// The thread keeps a list of connections with a datagram to send and
/// sends them once a pass (`list` adds a connection, `unlist` takes it
/// off, sent or not). A datagram withdrawn (its request begun anew or
/// given up) while its connection is on that list leaves a stale entry,
/// dropped by the thread's next send; a datagram queued again before then
/// takes the same entry, so a connection is never listed twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outgoing {
    /// Nothing to send; not on the thread's list.
    Empty,
    /// A datagram waits; the thread has yet to list it.
    Queued,
    /// A datagram waits, and the connection is on the thread's list.
    Listed,
    /// On the thread's list with nothing to send.
    Withdrawn,
}

/// A connection that sends and receives through its thread's [`super::UdpHub`].
///
/// [`Transport::send`] copies the request, behind its frame header, into
/// the connection's own datagram buffer and queues it: the thread lists
/// the connection ([`SharedUdp::list`]) and later sends every listed
/// datagram at once ([`SharedUdp::outgoing`], [`SharedUdp::unlist`]).
/// Received datagrams come in through [`SharedUdp::push`];
/// [`Transport::recv`] hands out a response once every datagram of it is
/// in. The connection owns no socket and no poller key.
#[derive(Debug)]
pub struct SharedUdp {
    server: Server,
    slot: usize,
    ids: RequestIds,
    request_id: u16,
    reply: Reply,
    header: Vec<u8>,
    /// Frame header and request.
    out: Box<[u8]>,
    out_len: usize,
    outgoing: Outgoing,
    open: bool,
    sent: u64,
    refusals: Refusals,
}

impl SharedUdp {
    pub(super) fn new(
        server: Server,
        slot: usize,
        ids: RequestIds,
        max_datagrams: u16,
        retry: Retry,
    ) -> SharedUdp {
        SharedUdp {
            refusals: Refusals::new(server.clone(), retry),
            server,
            slot,
            ids,
            request_id: ids.first(slot),
            reply: Reply::new(max_datagrams),
            header: Vec::with_capacity(FRAME_HEADER_LEN),
            out: vec![0; FRAME_HEADER_LEN + MAX_REQUEST].into_boxed_slice(),
            out_len: 0,
            outgoing: Outgoing::Empty,
            open: true,
            sent: 0,
        }
    }

    /// The connection's slot in its hub.
    pub fn slot(&self) -> usize {
        self.slot
    }

    /// The request id of the request in progress (or of the last one).
    pub fn request_id(&self) -> u16 {
        self.request_id
    }

    /// The datagram counts so far.
    pub fn counters(&self) -> UdpCounters {
        UdpCounters {
            reassembly: *self.reply.counters(),
            lost: self.reply.lost(),
            oversized: 0,
            sent: self.sent,
        }
    }

    /// Whether a request is waiting for its response.
    pub fn is_active(&self) -> bool {
        self.reply.is_active()
    }

    /// The datagram waiting to be sent, if any.
    pub fn outgoing(&self) -> Option<&[u8]> {
        match self.outgoing {
            Outgoing::Queued | Outgoing::Listed => self.out.get(..self.out_len),
            Outgoing::Empty | Outgoing::Withdrawn => None,
        }
    }

    /// True when a datagram was queued while the connection was off the
    /// thread's send list: the thread adds it to the list, once.
    pub fn list(&mut self) -> bool {
        if self.outgoing == Outgoing::Queued {
            self.outgoing = Outgoing::Listed;
            true
        } else {
            false
        }
    }

    /// The thread took the connection off its send list; `sent` says
    /// whether the datagram it had, if any, went out.
    pub fn unlist(&mut self, sent: bool) {
        if sent && self.outgoing == Outgoing::Listed {
            self.sent += 1;
        }
        self.outgoing = Outgoing::Empty;
    }

    /// Drops the datagram waiting to be sent, if any.
    fn withdraw(&mut self) {
        self.outgoing = match self.outgoing {
            Outgoing::Listed | Outgoing::Withdrawn => Outgoing::Withdrawn,
            Outgoing::Empty | Outgoing::Queued => Outgoing::Empty,
        };
    }

    /// Takes in a datagram routed here by its request id. True when the
    /// response (or the next message of a multi-get) is complete.
    pub fn push(&mut self, datagram: &[u8]) -> bool {
        // Every outcome but completion is counted by the reassembler.
        self.reply.push(datagram) == Push::Complete
    }

    /// The payload of `datagram`, routed here by its request id, when it
    /// is by itself the whole response awaited: counted and answered as
    /// [`SharedUdp::push`] and [`Transport::recv`] together would count
    /// and answer it at `now`, but handed back in place, where they copy
    /// it twice. `None`, with nothing counted, for any other datagram
    /// (give it to `push`).
    pub fn take_whole<'d>(&mut self, datagram: &'d [u8], now: Instant) -> Option<&'d [u8]> {
        if !self.open {
            return None;
        }
        let payload = self.reply.whole(datagram)?;
        self.refusals.answered(now);
        Some(payload)
    }

    /// The thread's socket reported a refusal at `now` that this
    /// connection takes: it waits for its next attempt, as a socket of its
    /// own would (the `refusal` module).
    pub fn refused(&mut self, error: TransportError, now: Instant) {
        self.refusals.refused(error, now);
    }

    /// Counts what the request in progress lost and forgets it, with its
    /// datagram if that was not sent yet.
    fn abandon(&mut self) {
        self.reply.abandon();
        self.withdraw();
    }
}

impl Transport for SharedUdp {
    /// The socket is the hub's: the connection has no key of its own.
    fn key_count(&self) -> usize {
        0
    }

    fn status(&self) -> Status {
        if self.open {
            self.refusals.status()
        } else {
            Status::Failed
        }
    }

    /// The thread calls this (with any event) when [`SharedUdp::push`]
    /// completed a response.
    fn handle_event(&mut self, _event: &Event, _now: Instant) -> Readiness {
        Readiness {
            readable: self.reply.is_active() && self.open,
            writable: false,
        }
    }

    fn begin(&mut self, _access: Access, _random: u64) -> Result<usize, TransportError> {
        if self.status() != Status::Ready {
            return Err(TransportError::not_connected(&self.server));
        }
        self.withdraw();
        self.request_id = self.ids.next(self.request_id);
        self.reply.start(self.request_id);
        Ok(0)
    }

    fn finish(&mut self) {
        self.abandon();
    }

    /// Copies the request into the datagram buffer and queues it: it is
    /// written as far as this connection is concerned.
    fn send(&mut self, bufs: &[&[u8]], _now: Instant) -> Result<Sent, Box<TransportError>> {
        if !self.open {
            return Err(Box::new(TransportError::not_connected(&self.server)));
        }
        let len = request_len(&self.server, bufs)?;
        self.header.clear();
        frame::encode_request_header(&mut self.header, self.request_id);
        let mut at = 0;
        for part in std::iter::once(self.header.as_slice()).chain(bufs.iter().copied()) {
            let Some(to) = self.out.get_mut(at..at + part.len()) else {
                return Err(Box::new(TransportError::RequestTooLarge {
                    server: self.server.clone(),
                    len,
                    max: MAX_REQUEST,
                }));
            };
            to.copy_from_slice(part);
            at += part.len();
        }
        self.out_len = at;
        self.outgoing = match self.outgoing {
            Outgoing::Empty | Outgoing::Queued => Outgoing::Queued,
            Outgoing::Listed | Outgoing::Withdrawn => Outgoing::Listed,
        };
        Ok(Sent {
            bytes: at,
            done: true,
        })
    }

    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>> {
        let taken = self.reply.take(buf, self.request_id);
        if taken.is_some() {
            self.refusals.answered(now);
        }
        Ok(taken)
    }

    fn poll_deadline(&self) -> Option<Instant> {
        self.refusals.poll_deadline()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.refusals.handle_timeout(now);
    }

    fn poll_event(&mut self) -> Option<TransportEvent> {
        self.refusals.poll_event()
    }

    fn has_events(&self) -> bool {
        self.refusals.has_events()
    }

    fn close(&mut self) {
        self.abandon();
        self.refusals.stop();
        self.open = false;
    }

    /// Datagrams carry no stream to fall out of step: the request is
    /// forgotten.
    fn reset(&mut self, _reason: ResetReason, _now: Instant) {
        self.abandon();
    }
    fn is_datagram(&self) -> bool {
        true
    }

    fn datagram_counters(&self) -> Option<UdpCounters> {
        Some(self.counters())
    }

    fn shared_socket(&self) -> Option<&SharedUdp> {
        Some(self)
    }

    fn shared_socket_mut(&mut self) -> Option<&mut SharedUdp> {
        Some(self)
    }
}
