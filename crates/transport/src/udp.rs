//! UDP (memaslap `-U`): one connected datagram socket, memcached's 8-byte
//! frame header on every request, responses reassembled by
//! `memaslap_proto::udp`.

use std::io::{self, IoSlice};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use memaslap_proto::udp::{
    self as frame, Counters, DEFAULT_MAX_DATAGRAMS, FRAME_HEADER_LEN, MAX_PAYLOAD, Push,
};
use polling::{Event, Poller};
use socket2::{Domain, Protocol, SockAddr, Socket, Type};

use crate::refusal::Refusals;
use crate::registration::Registered;
use crate::reply::{Reply, request_len};
use crate::retry::Retry;
use crate::{
    Access, Readiness, ResetReason, Sent, Server, Status, Transport, TransportError, TransportEvent,
};

/// The largest request, frame header excluded, that a [`Udp`] transport
/// sends: memcached's datagram payload size, as memaslap limits it.
pub const MAX_REQUEST: usize = MAX_PAYLOAD;

/// The largest send buffer asked for when raising it.
const MAX_SEND_BUFFER: usize = 64 << 20;

/// Room for one datagram of memcached's and one byte more, so that a longer
/// (truncated) datagram is recognised and dropped.
pub(crate) const DATAGRAM_ROOM: usize = FRAME_HEADER_LEN + MAX_PAYLOAD + 1;

/// How UDP transports are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UdpConfig {
    /// The most datagrams one response may have.
    pub max_datagrams: u16,
    /// `SO_RCVBUF`, when set (the system default otherwise).
    pub recv_buffer: Option<usize>,
    /// When sending resumes after the network refused a datagram; without
    /// retries the first refusal ends the socket.
    pub retry: Retry,
}

impl Default for UdpConfig {
    /// [`DEFAULT_MAX_DATAGRAMS`] per response, the system's receive
    /// buffer, no retry after a refusal.
    fn default() -> UdpConfig {
        UdpConfig {
            max_datagrams: DEFAULT_MAX_DATAGRAMS,
            recv_buffer: None,
            retry: Retry::Never,
        }
    }
}

/// Datagram counts of a [`Udp`] transport since it was built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UdpCounters {
    /// Every datagram received, by what became of it (stale and foreign
    /// datagrams are in `reassembly.foreign`, out-of-order ones in
    /// `reassembly.disorder`).
    pub reassembly: Counters,
    /// Datagrams missing from responses that were given up
    /// (memaslap's `packet_drop`).
    pub lost: u64,
    /// Datagrams longer than memcached ever sends, dropped unread.
    pub oversized: u64,
    /// Request datagrams sent.
    pub sent: u64,
}

/// One connected UDP socket to one server, under poller key `base_key`.
///
/// A request is one datagram: the frame header with a fresh request id, then
/// the caller's slices. [`Transport::recv`] hands out a response only once
/// every datagram of it has arrived. Datagrams of other (abandoned)
/// requests are discarded and counted. Errors (an ICMP "port unreachable"
/// surfacing as a refused send or receive) fail the request and hold the
/// socket until its retry policy tries again (the `refusal` module).
#[derive(Debug)]
pub struct Udp {
    server: Server,
    socket: Option<Registered>,
    reply: Reply,
    request_id: u16,
    header: Vec<u8>,
    datagram: Box<[u8]>,
    oversized: u64,
    sent: u64,
    refusals: Refusals,
}

impl Udp {
    /// Resolves `server` (blocking) and connects a datagram socket to the
    /// first address that takes it, with the send buffer raised as far as
    /// the system allows.
    pub fn connect(
        server: &Server,
        config: &UdpConfig,
        poller: &Arc<Poller>,
        base_key: usize,
    ) -> Result<Udp, TransportError> {
        let socket = first_address(server, |addr| {
            udp_socket(addr, config).and_then(|socket| Registered::new(poller, socket, base_key))
        })?;
        Ok(Udp {
            server: server.clone(),
            refusals: Refusals::new(server.clone(), config.retry),
            socket: Some(socket),
            reply: Reply::new(config.max_datagrams),
            // Connections of one process start at different ids.
            request_id: (base_key as u16).wrapping_mul(7919),
            header: Vec::with_capacity(FRAME_HEADER_LEN),
            datagram: vec![0; DATAGRAM_ROOM].into_boxed_slice(),
            oversized: 0,
            sent: 0,
        })
    }

    /// The datagram counts so far.
    pub fn counters(&self) -> UdpCounters {
        UdpCounters {
            reassembly: *self.reply.counters(),
            lost: self.reply.lost(),
            oversized: self.oversized,
            sent: self.sent,
        }
    }

    /// The request id of the request in progress (or of the last one).
    pub fn request_id(&self) -> u16 {
        self.request_id
    }

    fn error(&self, e: io::Error, sending: bool) -> TransportError {
        TransportError::io(&self.server, e, sending)
    }

    fn not_connected(&self) -> TransportError {
        TransportError::not_connected(&self.server)
    }

    /// The network refused a datagram or reported an error for the socket
    /// (`sending` or receiving): the request fails and the socket waits
    /// for its next attempt.
    fn refused(&mut self, e: io::Error, sending: bool, now: Instant) -> TransportError {
        let error = self.error(e, sending);
        self.refusals.refused(error.clone(), now);
        error
    }
}

/// Runs `attempt` on each address `server` resolves to (blocking) and
/// returns the first success, or the last failure as a connect error.
pub(crate) fn first_address<T>(
    server: &Server,
    mut attempt: impl FnMut(SocketAddr) -> io::Result<T>,
) -> Result<T, TransportError> {
    let mut last_error = None;
    for addr in server.resolve()? {
        match attempt(addr) {
            Ok(done) => return Ok(done),
            Err(e) => {
                last_error = Some(TransportError::Connect {
                    server: server.clone(),
                    addr: addr.into(),
                    source: Arc::new(e),
                });
            }
        }
    }
    Err(last_error.unwrap_or_else(|| TransportError::NoAddress {
        server: server.clone(),
    }))
}

/// A non-blocking datagram socket connected to `addr`.
pub(crate) fn udp_socket(addr: SocketAddr, config: &UdpConfig) -> io::Result<Socket> {
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    socket.set_nonblocking(true)?;
    raise_send_buffer(&socket)?;
    if let Some(size) = config.recv_buffer {
        socket.set_recv_buffer_size(size)?;
    }
    socket.connect(&SockAddr::from(addr))?;
    Ok(socket)
}

/// Doubles `SO_SNDBUF` until the system stops granting more.
fn raise_send_buffer(socket: &Socket) -> io::Result<()> {
    let mut size = socket.send_buffer_size()?;
    while size < MAX_SEND_BUFFER {
        if socket.set_send_buffer_size(size.saturating_mul(2)).is_err() {
            break;
        }
        let granted = socket.send_buffer_size()?;
        if granted <= size {
            break;
        }
        size = granted;
    }
    Ok(())
}

impl Transport for Udp {
    fn key_count(&self) -> usize {
        1
    }

    fn status(&self) -> Status {
        if self.socket.is_some() {
            self.refusals.status()
        } else {
            Status::Failed
        }
    }

    fn handle_event(&mut self, event: &Event, _now: Instant) -> Readiness {
        if self.reply.is_active() && self.socket.is_some() {
            Readiness {
                readable: event.readable,
                writable: event.writable,
            }
        } else {
            Readiness::NONE
        }
    }

    fn begin(&mut self, _access: Access, _random: u64) -> Result<usize, TransportError> {
        if self.status() != Status::Ready {
            return Err(self.not_connected());
        }
        self.request_id = self.request_id.wrapping_add(1);
        self.header.clear();
        frame::encode_request_header(&mut self.header, self.request_id);
        self.reply.start(self.request_id);
        Ok(0)
    }

    fn finish(&mut self) {
        self.reply.abandon();
    }

    fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>> {
        let Some(socket) = &self.socket else {
            return Err(Box::new(self.not_connected()));
        };
        request_len(&self.server, bufs)?;
        let mut slices = [IoSlice::new(&[]); 16];
        let parts = std::iter::once(self.header.as_slice()).chain(bufs.iter().copied());
        let mut count = 0;
        for (slot, part) in slices.iter_mut().zip(parts) {
            *slot = IoSlice::new(part);
            count += 1;
        }
        if count < bufs.len() + 1 {
            return Err(Box::new(
                self.error(io::Error::other("more than 15 request slices"), true),
            ));
        }
        loop {
            match crate::sock::send_vectored(
                socket.socket(),
                slices.get(..count).unwrap_or_default(),
            ) {
                Ok(bytes) => {
                    self.sent += 1;
                    return Ok(Sent { bytes, done: true });
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Sent {
                        bytes: 0,
                        done: false,
                    });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Box::new(self.refused(e, true, now))),
            }
        }
    }

    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>> {
        loop {
            if let Some(n) = self.reply.take(buf, self.request_id) {
                self.refusals.answered(now);
                return Ok(Some(n));
            }
            let Some(socket) = &self.socket else {
                return Err(Box::new(self.not_connected()));
            };
            let n = match crate::sock::recv(socket.socket(), &mut self.datagram) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(Box::new(self.refused(e, false, now))),
            };
            match self.datagram.get(..n) {
                Some(datagram) if n < DATAGRAM_ROOM => {
                    // Every outcome but completion is counted by the
                    // reassembler and needs nothing more here.
                    let _: Push = self.reply.push(datagram);
                }
                _ => self.oversized += 1,
            }
        }
    }

    fn poll_deadline(&self) -> Option<Instant> {
        self.socket.as_ref().and(self.refusals.poll_deadline())
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
        self.reply.abandon();
        self.refusals.stop();
        self.socket = None;
    }

    /// Datagrams carry no stream to fall out of step: the request is
    /// forgotten and the socket goes on.
    fn reset(&mut self, _reason: ResetReason, _now: Instant) {
        self.reply.abandon();
    }
    fn is_datagram(&self) -> bool {
        true
    }

    fn datagram_counters(&self) -> Option<UdpCounters> {
        Some(self.counters())
    }
}
