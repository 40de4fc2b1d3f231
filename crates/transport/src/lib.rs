//! Sockets for memaslap-rs: TCP, UDP, several sockets per connection (`-n`)
//! and replication over every server (`-p`), all behind one [`Transport`]
//! trait that the engine drives from a [`polling::Poller`], with
//! [`AnyTransport`] for dispatch without boxing.
//!
//! It owns every socket operation: resolving, non-blocking connect with a
//! timeout through every resolved address, vectored send that resumes after
//! partial writes, receive into a caller buffer, UDP framing and reassembly
//! (through `memaslap_proto::udp`, the only part of `proto` it uses), and
//! reconnect with back-off that never blocks the thread, TLS over TCP
//! ([`TlsClient`], rustls driven by the same readiness), and the thread
//! settings a worker's sockets want ([`confine_descriptors`],
//! [`precise_timers`]), and a thread's own CPU time ([`thread_cpu`]). It
//! does not know workloads, statistics or what a request means, and it
//! schedules by no clock of its own: every method that deals with
//! deadlines takes `now`
//! (the clock is read only to time TLS handshakes, a measurement).
//!
//! # Driving a transport
//!
//! * **Keys.** A transport registers its sockets in the engine's poller under
//!   consecutive keys: socket `i` under `base_key + i`, for `i` below
//!   [`Transport::key_count`] (1 for [`Tcp`] and [`Udp`], 0 for
//!   [`SharedUdp`], `n` for [`MultiSocket`], one per server for
//!   [`Replicated`]). The engine allocates that range and passes every
//!   event whose key falls in it to [`Transport::handle_event`].
//! * **Readiness.** Sockets are registered once, edge-triggered. A TCP
//!   socket is watched for writable events while it connects and, once up,
//!   only while a request waits for room (one `epoll_ctl` when a send
//!   comes up short, one when the request is out): a socket always
//!   watched for room is reported after every wake-up, also one whose
//!   data an earlier read already took, which at `--depth 16` made one
//!   wait in seven. After a readable event, call
//!   [`Transport::recv`] until it returns `Ok(None)` or the response is
//!   complete; after a writable event, call [`Transport::send`] again until
//!   it reports [`Sent::done`]. Calling either before any event is fine.
//!   On Linux a TCP socket's read that comes back shorter than its buffer
//!   counts as having drained it: the next `recv` answers `Ok(None)`
//!   without a system call until a readable event comes, which saves the
//!   read that would find nothing. The registration asks for
//!   `EPOLLRDHUP`, and an event that reports the peer's close (which
//!   [`wait()`] passes on as [`Event::is_interrupt`]) makes reads go on until
//!   they meet the end of the stream.
//!
//!   Measured with `examples/readiness.rs` (1,000,000 `get` ping-pongs per
//!   mode over loopback, modes interleaved in ten rounds; client thread CPU
//!   per request): `polling`'s default oneshot mode, which needs a `modify`
//!   per request, makes 8 system calls per request against 7 for level- or
//!   edge-triggered registration (`polling`'s `wait` itself makes 5), and
//!   cost 3.5 % to 8 % more CPU: 6.26 against 5.99 (level) and 6.03 (edge)
//!   µs with 32 sockets to memcached, 7.10 against 6.55 and 6.73 µs with 32
//!   sockets to an echo peer, 6.58 against 6.35 and 6.36 µs with one socket
//!   to an echo peer, on a 2-vCPU VM. Level and edge were within noise of
//!   each other in repeated runs; edge is kept because it needs a `modify`
//!   only when the interest changes, not per request.
//! * **A request.** [`Transport::begin`] picks the socket (by [`Access`] and
//!   a caller-supplied random number), then [`Transport::send`] writes the
//!   request's slices (`[header, value, b"\r\n"]`, never copied) and
//!   [`Transport::recv`] reads the response; both return byte counts.
//!   [`Transport::finish`] ends it.
//! * **A shared UDP socket.** In memaslap's `-U` mode the connections of a
//!   thread share one [`UdpHub`], registered under its own key, each
//!   connection being a [`SharedUdp`] with no key of its own
//!   ([`Transport::key_count`] 0) and a slot of the request id space
//!   ([`RequestIds`]: the low bits of an id name the slot, so a stale id
//!   still names the connection that used it). [`Transport::send`] on a
//!   [`SharedUdp`] only queues the datagram; the engine gathers what its
//!   connections queued during one pass ([`SharedUdp::list`],
//!   [`SharedUdp::outgoing`]) and sends it with [`UdpHub::send`] (one
//!   `sendmmsg` per [`HUB_BATCH`]) before it waits. On a readable event it
//!   drains the socket with [`UdpHub::recv`] (`recvmmsg`), hands each
//!   datagram to the slot [`UdpHub::route`] names ([`SharedUdp::push`]),
//!   and drives a connection as after a readable event of its own when
//!   its response is complete. [`Udp`] (a socket per connection) remains
//!   for facebook mode and for threads with more connections than one id
//!   space serves. The hub's socket is registered for readable events,
//!   and for writable ones only while a send came up short: it sends once
//!   a pass, and would otherwise be woken after every send.
//! * **Time.** [`Transport::poll_deadline`] is the next connect timeout or
//!   retry; call [`Transport::handle_timeout`] when it has passed.
//! * **Failures.** A failing socket is closed (deleted from the poller, then
//!   closed, in one place) and reported twice: as the `Err` of the call that
//!   found it, if any, and as a [`TransportEvent`] that names the socket, the
//!   server and the times. [`Transport::status`] says whether any socket is
//!   usable, some are on their way, or the transport has failed for good.
//!
//! # Example
//!
//! A `get` sent over a TCP transport to a peer that answers like memcached,
//! and its reply parsed:
//!
//! ```
//! use std::io::{Read, Write};
//! use std::sync::Arc;
//! use std::time::Instant;
//!
//! use memaslap_transport::{Access, Ready, Server, Status, Tcp, TcpConfig, Transport};
//! use polling::Poller;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
//! let server = Server::from(listener.local_addr()?);
//! let peer = std::thread::spawn(move || -> std::io::Result<Vec<u8>> {
//!     let (mut stream, _) = listener.accept()?;
//!     let mut request = vec![0; 12];
//!     stream.read_exact(&mut request)?;
//!     stream.write_all(b"VALUE answer 0 2\r\n42\r\nEND\r\n")?;
//!     Ok(request)
//! });
//!
//! let poller = Arc::new(Poller::new()?);
//! let mut tcp = Tcp::connect(&server, &TcpConfig::default(), &poller, 0, Instant::now())?;
//! let (mut ready, mut buf, mut reply) = (Ready::with_capacity(64), [0u8; 4096], Vec::new());
//! let mut sent = None;
//! while !reply.ends_with(b"END\r\n") {
//!     let timeout = tcp.poll_deadline().map(|d| d.saturating_duration_since(Instant::now()));
//!     memaslap_transport::wait(&poller, &mut ready, timeout)?;
//!     let now = Instant::now();
//!     for event in ready.iter() {
//!         tcp.handle_event(&event, now);
//!     }
//!     tcp.handle_timeout(now);
//!     match tcp.status() {
//!         Status::Ready => {}
//!         Status::Connecting => continue,
//!         Status::Failed => return Err(tcp.poll_event().map_or("failed".into(), |e| e.to_string()).into()),
//!     }
//!     if sent.is_none() {
//!         tcp.begin(Access::Read, 0)?;
//!         sent = Some(false);
//!     }
//!     if sent == Some(false) {
//!         sent = Some(tcp.send(&[b"get answer", b"\r\n"], now)?.done);
//!     }
//!     // Read until the reply is complete or nothing more has arrived.
//!     while !reply.ends_with(b"END\r\n") {
//!         let Some(n) = tcp.recv(&mut buf, now)? else { break };
//!         reply.extend_from_slice(&buf[..n]);
//!     }
//! }
//! tcp.finish();
//! assert_eq!(peer.join().unwrap()?, b"get answer\r\n");
//!
//! let text = std::str::from_utf8(&reply)?;
//! let mut lines = text.split("\r\n");
//! let header: Vec<&str> = lines.next().unwrap_or_default().split(' ').collect();
//! assert_eq!(header, ["VALUE", "answer", "0", "2"]);
//! assert_eq!(lines.next(), Some("42"));
//! assert_eq!(lines.next(), Some("END"));
//! tcp.close();
//! # Ok(())
//! # }
//! ```

mod confine;
mod cpu;
mod endpoint;
mod error;
mod event;
mod hub;
mod login;
mod pool;
mod refusal;
mod registration;
mod reply;
mod retry;
mod server;
mod slot;
mod sock;
mod split;
mod tcp;
mod tls;
mod udp;
mod wait;

use std::time::Instant;

pub use confine::confine_descriptors;
pub use cpu::{CpuTimes, thread_cpu};
pub use endpoint::Endpoint;
pub use error::{Operation, ResetReason, TransportError};
pub use event::TransportEvent;
pub use hub::{HUB_BATCH, HUB_WAIT, HubCounters, RequestIds, SharedUdp, UdpHub};
pub use login::{Login, Scheme};
pub use polling::Event;
pub use retry::Retry;
pub use server::{ParseServerError, Server};
pub use sock::TcpConfig;
pub use split::Split;
pub use tcp::{MultiSocket, Replicated, Tcp};
pub use tls::{TlsClient, TlsOptions, TlsSetupError, Trust};
pub use udp::{MAX_REQUEST, Udp, UdpConfig, UdpCounters};
pub use wait::{Ready, precise_timers, wait};

/// Which kind of command the next request is; replication sends writes and
/// reads to different servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// A command that reads (`get`, `gets`, …).
    Read,
    /// A command that writes (`set`, `delete`, …).
    Write,
}

/// Whether a transport can carry requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    /// No socket is usable yet, and one is connecting or will be retried.
    Connecting,
    /// At least one socket is connected.
    Ready,
    /// No socket is usable and none will be: the transport is done.
    Failed,
}

/// What an event means for the request in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Readiness {
    /// The current socket may have bytes to read.
    pub readable: bool,
    /// The current socket may accept bytes (also reported when it connects).
    pub writable: bool,
}

impl Readiness {
    /// Nothing for the request in progress.
    pub const NONE: Readiness = Readiness {
        readable: false,
        writable: false,
    };
}

/// The outcome of one [`Transport::send`] call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    /// Bytes written to the socket by this call.
    pub bytes: usize,
    /// Whether the whole request has been written; when false, call `send`
    /// again with the same slices after a writable event.
    pub done: bool,
}

/// The operations the engine drives on every kind of transport.
pub trait Transport {
    /// How many poller keys the transport uses, from its base key on.
    fn key_count(&self) -> usize;

    /// Whether requests can be sent.
    fn status(&self) -> Status;

    /// Handles a poller event whose key is one of the transport's. Returns
    /// what it means for the request in progress; events of other sockets
    /// (connects completing, idle sockets closed by the server) are handled
    /// here and show in [`Transport::status`] and [`Transport::poll_event`].
    ///
    /// The events must come from [`wait()`]: it reports when the peer closed
    /// its side, which a stream socket needs once a short read has taken
    /// the place of a read that finds nothing (`polling`'s own
    /// `Poller::wait` does not report it).
    fn handle_event(&mut self, event: &Event, now: Instant) -> Readiness;

    /// Starts a request: picks a connected socket for it (by `access` and
    /// `random`, which only replication uses) and forgets any request that
    /// was left partly sent. Returns the socket's index.
    fn begin(&mut self, access: Access, random: u64) -> Result<usize, TransportError>;

    /// Ends the request in progress (its response is complete, or, over
    /// datagrams, it was given up): the socket is idle until the next
    /// [`Transport::begin`], and events on it are checked for a server
    /// closing it.
    fn finish(&mut self);

    /// Writes what is left of the request `bufs` (the same slices on every
    /// call for one request) with vectored sends, resuming mid-slice after a
    /// partial write. On failure the socket is closed.
    ///
    /// The error is boxed, here and in [`Transport::recv`]: the result then
    /// takes two registers, where a [`TransportError`] in place made it a
    /// 104-byte value copied through every layer of every call.
    fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>>;

    /// Reads into `buf`: `Ok(Some(n))` bytes, or `Ok(None)` when nothing is
    /// there yet (or, after a short read, until the socket's next readable
    /// event). The end of the stream is [`TransportError::Closed`]. On
    /// failure the socket is closed.
    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>>;

    /// Whether [`Transport::recv`] would now answer `Ok(None)` without a
    /// system call: the last read was short and drained the socket, and
    /// no readable event came since. False when it cannot tell (TLS, which
    /// may hold decrypted bytes; datagrams). A reader may stop at it
    /// instead of making that call.
    fn is_drained(&self) -> bool {
        false
    }

    /// The next connect timeout or retry, if any (none for a datagram
    /// socket, which neither connects nor reconnects).
    fn poll_deadline(&self) -> Option<Instant> {
        None
    }

    /// Handles connect timeouts and retries due at `now`.
    fn handle_timeout(&mut self, _now: Instant) {}

    /// The next disconnect or reconnect to report, oldest first (none for
    /// a datagram socket: it has no connection to lose).
    fn poll_event(&mut self) -> Option<TransportEvent> {
        None
    }

    /// Whether [`Transport::poll_event`] may have an event to give: false
    /// only when it certainly has none, so that a caller may skip asking.
    fn has_events(&self) -> bool {
        true
    }

    /// Closes every socket (deleting it from the poller first) and cancels
    /// every retry. Dropping the transport does the same.
    fn close(&mut self);

    /// The request in progress got a reply that is no error: its socket
    /// serves, so its next loss is retried at once. A socket lost before
    /// serving any request (a server that accepts connections only to
    /// refuse them) is retried ever later. Call it once after each
    /// reconnect is enough.
    fn served(&mut self) {}

    /// Whether the request in progress travels in datagrams: it can be
    /// given up without losing step with the server, and a refusal leaves
    /// the socket open. False for streams.
    fn is_datagram(&self) -> bool {
        false
    }

    /// The datagram counts so far, for a transport that sends datagrams.
    fn datagram_counters(&self) -> Option<UdpCounters> {
        None
    }

    /// This transport's share of its thread's UDP socket, for a transport
    /// that sends through one ([`SharedUdp`]): the thread sends what it
    /// queued and hands it what arrives.
    fn shared_socket(&self) -> Option<&SharedUdp> {
        None
    }

    /// [`Transport::shared_socket`], to queue and take datagrams.
    fn shared_socket_mut(&mut self) -> Option<&mut SharedUdp> {
        None
    }

    /// Gives up the request in progress because its socket's stream can no
    /// longer be trusted. A stream socket is closed, reported as a
    /// [`TransportEvent::Disconnected`] with [`TransportError::Reset`], and
    /// brought back by its retry policy (closed for good without one); a
    /// datagram socket only forgets the request, as [`Transport::finish`].
    fn reset(&mut self, reason: ResetReason, now: Instant);
}

/// Every transport, for dispatch without a `Box<dyn Transport>`. Its
/// variant is a tag byte of its own, so that telling them apart is one
/// load rather than the decoding of a niche in one variant's fields.
#[derive(Debug)]
#[repr(u8)]
pub enum AnyTransport {
    /// One TCP socket.
    Tcp(Tcp),
    /// Several TCP sockets to one server (`-n`).
    Multi(MultiSocket),
    /// One TCP socket per server (`-p`).
    Replicated(Replicated),
    /// One UDP socket (`-U`).
    Udp(Udp),
    /// A share of the thread's UDP socket (`-U`).
    SharedUdp(SharedUdp),
    /// Sets over TCP, gets over UDP (`-a`).
    Split(Split),
}

impl From<Tcp> for AnyTransport {
    fn from(t: Tcp) -> AnyTransport {
        AnyTransport::Tcp(t)
    }
}

impl From<MultiSocket> for AnyTransport {
    fn from(t: MultiSocket) -> AnyTransport {
        AnyTransport::Multi(t)
    }
}

impl From<Replicated> for AnyTransport {
    fn from(t: Replicated) -> AnyTransport {
        AnyTransport::Replicated(t)
    }
}

impl From<SharedUdp> for AnyTransport {
    fn from(t: SharedUdp) -> AnyTransport {
        AnyTransport::SharedUdp(t)
    }
}

impl From<Udp> for AnyTransport {
    fn from(t: Udp) -> AnyTransport {
        AnyTransport::Udp(t)
    }
}

macro_rules! dispatch {
    ($self:ident, $t:ident => $e:expr) => {
        match $self {
            AnyTransport::Tcp($t) => $e,
            AnyTransport::Multi($t) => $e,
            AnyTransport::Replicated($t) => $e,
            AnyTransport::Udp($t) => $e,
            AnyTransport::SharedUdp($t) => $e,
            AnyTransport::Split($t) => $e,
        }
    };
}

impl Transport for AnyTransport {
    fn key_count(&self) -> usize {
        dispatch!(self, t => t.key_count())
    }
    #[inline]
    fn status(&self) -> Status {
        dispatch!(self, t => t.status())
    }
    #[inline(always)]
    fn handle_event(&mut self, event: &Event, now: Instant) -> Readiness {
        dispatch!(self, t => t.handle_event(event, now))
    }
    #[inline]
    fn begin(&mut self, access: Access, random: u64) -> Result<usize, TransportError> {
        dispatch!(self, t => t.begin(access, random))
    }
    #[inline]
    fn finish(&mut self) {
        dispatch!(self, t => t.finish())
    }
    #[inline(always)]
    fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>> {
        dispatch!(self, t => t.send(bufs, now))
    }
    #[inline(always)]
    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>> {
        dispatch!(self, t => t.recv(buf, now))
    }
    #[inline]
    fn is_drained(&self) -> bool {
        dispatch!(self, t => t.is_drained())
    }
    #[inline]
    fn poll_deadline(&self) -> Option<Instant> {
        dispatch!(self, t => t.poll_deadline())
    }
    fn handle_timeout(&mut self, now: Instant) {
        dispatch!(self, t => t.handle_timeout(now))
    }
    #[inline]
    fn poll_event(&mut self) -> Option<TransportEvent> {
        dispatch!(self, t => t.poll_event())
    }
    #[inline]
    fn has_events(&self) -> bool {
        dispatch!(self, t => t.has_events())
    }
    fn close(&mut self) {
        dispatch!(self, t => t.close())
    }
    fn reset(&mut self, reason: ResetReason, now: Instant) {
        dispatch!(self, t => t.reset(reason, now))
    }
    fn served(&mut self) {
        dispatch!(self, t => t.served())
    }
    #[inline]
    fn is_datagram(&self) -> bool {
        dispatch!(self, t => t.is_datagram())
    }
    fn datagram_counters(&self) -> Option<UdpCounters> {
        dispatch!(self, t => t.datagram_counters())
    }
    fn shared_socket(&self) -> Option<&SharedUdp> {
        dispatch!(self, t => t.shared_socket())
    }
    #[inline]
    fn shared_socket_mut(&mut self) -> Option<&mut SharedUdp> {
        dispatch!(self, t => t.shared_socket_mut())
    }
}
