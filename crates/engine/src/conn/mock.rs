//! A scripted transport for the connection's unit tests: no socket, no
//! clock. A test decides how many bytes each send takes, which bytes each
//! receive hands out, when the socket fails and when it comes back; over
//! datagrams, which datagrams arrive (reassembled by proto's
//! [`Reassembler`], so loss and duplicates are counted as a real UDP
//! transport counts them).

use memaslap_proto::udp::Reassembler;
use memaslap_transport::{
    Access, Event, Readiness, ResetReason, Sent, Server, Status, Transport, TransportError,
    TransportEvent, UdpCounters,
};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// A reply over datagrams, as the mock reassembles it.
#[derive(Debug)]
struct Datagrams {
    reassembler: Reassembler,
    request_id: u16,
    /// A request waits for its reply.
    active: bool,
    /// The complete reply was handed out.
    delivered: bool,
    /// Datagrams missing from replies given up.
    lost: u64,
    sent: u64,
}

impl Datagrams {
    fn abandon(&mut self) {
        if self.active && !self.reassembler.is_complete() {
            self.lost += u64::from(self.reassembler.missing());
        }
        self.active = false;
        self.reassembler.clear();
    }
}

/// A transport that does what the test says.
#[derive(Debug)]
pub(super) struct MockTransport {
    server: Server,
    status: Status,
    /// Every byte written, in order.
    pub wire: Vec<u8>,
    /// Bytes of the request in progress already written.
    progress: usize,
    /// Writes begun (each batch of requests is one, however many sends
    /// it takes).
    pub writes: usize,
    /// The most bytes one send writes (`None`: all it is given).
    pub write_limit: Option<usize>,
    /// Bytes the server sent and the connection has not read.
    inbox: VecDeque<u8>,
    /// The most bytes one receive hands out.
    pub read_limit: usize,
    /// Reads shorter than their buffer drain the socket until more is
    /// delivered, as a plain socket's do ([`Transport::is_drained`]).
    pub drains: bool,
    /// A read was short and nothing was delivered since.
    dry: bool,
    /// Receives asked for.
    pub receives: usize,
    /// The next receive fails with this, losing the socket.
    fail_next_recv: Option<TransportError>,
    /// The next send fails with this, losing the socket.
    fail_next_send: Option<TransportError>,
    events: VecDeque<TransportEvent>,
    /// With `Some`, a lost socket is tried again after this long (`-R`).
    pub reconnect: Option<Duration>,
    retry_at: Option<Instant>,
    down_since: Option<Instant>,
    /// Every reset the connection asked for, in order.
    pub resets: Vec<ResetReason>,
    datagrams: Option<Datagrams>,
}

impl MockTransport {
    /// A connected stream.
    pub(super) fn stream() -> MockTransport {
        MockTransport {
            server: Server::from(std::net::SocketAddr::from(([127, 0, 0, 1], 11211))),
            status: Status::Ready,
            wire: Vec::new(),
            progress: 0,
            writes: 0,
            write_limit: None,
            inbox: VecDeque::new(),
            read_limit: usize::MAX,
            drains: false,
            dry: false,
            receives: 0,
            fail_next_recv: None,
            fail_next_send: None,
            events: VecDeque::new(),
            reconnect: None,
            retry_at: None,
            down_since: None,
            resets: Vec::new(),
            datagrams: None,
        }
    }

    /// A datagram socket whose replies have up to 16 datagrams.
    pub(super) fn datagram() -> MockTransport {
        MockTransport {
            datagrams: Some(Datagrams {
                reassembler: Reassembler::new(16),
                request_id: 0,
                active: false,
                delivered: false,
                lost: 0,
                sent: 0,
            }),
            ..MockTransport::stream()
        }
    }

    /// The server sends `bytes`.
    pub(super) fn deliver(&mut self, bytes: &[u8]) {
        self.inbox.extend(bytes);
        self.dry = false;
    }

    /// The socket breaks: the next receive fails with `error`.
    pub(super) fn fail_next_recv(&mut self, error: TransportError) {
        self.fail_next_recv = Some(error);
    }

    /// The transport has `event` to report (of another of its sockets, say).
    pub(super) fn raise(&mut self, event: TransportEvent) {
        self.events.push_back(event);
    }

    /// The socket breaks: the next send fails with `error`.
    pub(super) fn fail_next_send(&mut self, error: TransportError) {
        self.fail_next_send = Some(error);
    }

    /// The server closes the connection.
    pub(super) fn closed(&self) -> TransportError {
        TransportError::Closed {
            server: self.server.clone(),
        }
    }

    /// The request id of the datagram request in progress.
    pub(super) fn request_id(&self) -> Option<u16> {
        self.datagrams.as_ref().map(|d| d.request_id)
    }

    /// Datagram `sequence` of `total` of the reply to request `id`,
    /// carrying `payload`, arrives.
    pub(super) fn deliver_datagram(&mut self, id: u16, sequence: u16, total: u16, payload: &[u8]) {
        let datagram = [
            &id.to_be_bytes()[..],
            &sequence.to_be_bytes(),
            &total.to_be_bytes(),
            &[0, 0],
            payload,
        ]
        .concat();
        if let Some(d) = &mut self.datagrams {
            let _ = d.reassembler.push(&datagram);
        }
    }

    /// The socket is lost at `now`: it comes back later under `-R`, else
    /// never.
    fn lose(&mut self, error: TransportError, now: Instant) {
        self.inbox.clear();
        self.retry_at = self.reconnect.map(|after| now + after);
        self.status = if self.retry_at.is_some() {
            self.down_since = Some(now);
            Status::Connecting
        } else {
            Status::Failed
        };
        self.events.push_back(TransportEvent::Disconnected {
            socket: 0,
            server: self.server.clone(),
            at: now,
            error,
            retry_at: self.retry_at,
        });
    }

    fn not_connected(&self) -> TransportError {
        TransportError::NotConnected {
            servers: self.server.to_string(),
        }
    }
}

impl Transport for MockTransport {
    fn key_count(&self) -> usize {
        1
    }

    fn status(&self) -> Status {
        self.status
    }

    fn handle_event(&mut self, event: &Event, _now: Instant) -> Readiness {
        Readiness {
            readable: event.readable,
            writable: event.writable,
        }
    }

    fn begin(&mut self, _access: Access, _random: u64) -> Result<usize, TransportError> {
        if self.status != Status::Ready {
            return Err(self.not_connected());
        }
        self.progress = 0;
        self.writes += 1;
        if let Some(d) = &mut self.datagrams {
            d.abandon();
            d.request_id = d.request_id.wrapping_add(1);
            d.reassembler.start(d.request_id);
            d.active = true;
            d.delivered = false;
        }
        Ok(0)
    }

    fn finish(&mut self) {
        if let Some(d) = &mut self.datagrams {
            d.abandon();
        }
    }

    fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>> {
        if self.status != Status::Ready {
            return Err(Box::new(self.not_connected()));
        }
        if let Some(error) = self.fail_next_send.take() {
            self.lose(error.clone(), now);
            return Err(Box::new(error));
        }
        let request: Vec<u8> = bufs.concat();
        let rest = request.get(self.progress..).unwrap_or_default();
        let n = rest.len().min(self.write_limit.unwrap_or(usize::MAX));
        self.wire
            .extend_from_slice(rest.get(..n).unwrap_or_default());
        self.progress += n;
        let done = self.progress == request.len();
        if let (true, Some(d)) = (done, &mut self.datagrams) {
            d.sent += 1;
        }
        Ok(Sent { bytes: n, done })
    }

    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>> {
        self.receives += 1;
        if let Some(error) = self.fail_next_recv.take() {
            self.lose(error.clone(), now);
            return Err(Box::new(error));
        }
        if let Some(d) = &mut self.datagrams {
            let Some(payload) = d.reassembler.payload().filter(|_| d.active && !d.delivered) else {
                return Ok(None);
            };
            let n = payload.len().min(buf.len());
            buf.get_mut(..n)
                .unwrap_or_default()
                .copy_from_slice(payload.get(..n).unwrap_or_default());
            d.delivered = true;
            return Ok(Some(n));
        }
        let n = self.inbox.len().min(self.read_limit).min(buf.len());
        if n == 0 {
            return Ok(None);
        }
        for (to, from) in buf.iter_mut().zip(self.inbox.drain(..n)) {
            *to = from;
        }
        self.dry = n < buf.len();
        Ok(Some(n))
    }

    fn is_drained(&self) -> bool {
        self.drains && self.dry
    }

    fn poll_deadline(&self) -> Option<Instant> {
        self.retry_at
    }

    fn handle_timeout(&mut self, now: Instant) {
        if self.retry_at.is_some_and(|at| now >= at) {
            self.retry_at = None;
            self.status = Status::Ready;
            self.events.push_back(TransportEvent::Reconnected {
                socket: 0,
                server: self.server.clone(),
                down_since: self.down_since.take().unwrap_or(now),
                at: now,
            });
        }
    }

    fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    fn close(&mut self) {
        self.status = Status::Failed;
        self.retry_at = None;
    }

    fn reset(&mut self, reason: ResetReason, now: Instant) {
        self.resets.push(reason);
        match &mut self.datagrams {
            Some(d) => d.abandon(),
            None => {
                let error = TransportError::Reset {
                    server: self.server.clone(),
                    reason,
                };
                self.lose(error, now);
            }
        }
    }

    fn is_datagram(&self) -> bool {
        self.datagrams.is_some()
    }

    fn datagram_counters(&self) -> Option<UdpCounters> {
        self.datagrams.as_ref().map(|d| UdpCounters {
            reassembly: *d.reassembler.counters(),
            lost: d.lost,
            oversized: 0,
            sent: d.sent,
        })
    }
}
