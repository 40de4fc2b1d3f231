//! One UDP socket shared by every connection of a thread (memaslap `-U`).
//!
//! A [`UdpHub`] owns the thread's socket to its server; each connection is
//! a [`SharedUdp`] with its own slot of the request id space
//! ([`RequestIds`]). The thread drives both: it collects the datagrams the
//! connections queued during one pass of its event loop and sends them with
//! one `sendmmsg` ([`UdpHub::send`]), and on readiness drains the socket
//! with `recvmmsg` into buffers allocated once ([`UdpHub::recv`]), handing
//! every datagram to the connection its request id names
//! ([`UdpHub::route`]). A datagram whose id names no connection is counted
//! as foreign here; one for a connection's earlier request is counted as
//! foreign by that connection, never given to another.

mod ids;
mod mmsg;
mod peer;
#[cfg(test)]
mod tests;

use std::io;
use std::sync::Arc;
use std::time::Duration;

use memaslap_proto::udp as frame;
use polling::Poller;
use socket2::Socket;

pub use ids::RequestIds;
pub use peer::SharedUdp;

use crate::registration::Registered;
use crate::retry::Retry;
use crate::udp::{DATAGRAM_ROOM, first_address, udp_socket};
use crate::{Server, TransportError, UdpConfig};
use mmsg::BATCH;

/// The most datagrams one [`UdpHub::send`] or [`UdpHub::recv`] moves.
pub const HUB_BATCH: usize = BATCH;

/// Datagrams the hub itself accounts for: those no connection received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HubCounters {
    /// Datagrams whose request id names no connection.
    pub foreign: u64,
    /// Datagrams without a valid frame header.
    pub malformed: u64,
    /// Datagrams longer than memcached ever sends, dropped unread.
    pub oversized: u64,
    /// `sendmmsg` calls that sent at least one datagram.
    pub send_calls: u64,
    /// `recvmmsg` calls that received at least one datagram.
    pub recv_calls: u64,
}

/// The largest receive buffer asked for when raising it.
const MAX_RECV_BUFFER: usize = 64 << 20;

/// Unless `config` sets it, raises `SO_RCVBUF` towards what `slots`
/// sockets of their own would have had together, as far as the system
/// grants (`net.core.rmem_max`): replies to every connection of the thread
/// queue in this one buffer, and a full buffer drops datagrams.
fn share_recv_buffer(socket: Socket, config: &UdpConfig, slots: usize) -> io::Result<Socket> {
    if config.recv_buffer.is_some() {
        return Ok(socket);
    }
    let mut size = socket.recv_buffer_size()?;
    let target = size.saturating_mul(slots).min(MAX_RECV_BUFFER);
    while size < target {
        if socket.set_recv_buffer_size(size.saturating_mul(2)).is_err() {
            break;
        }
        let granted = socket.recv_buffer_size()?;
        if granted <= size {
            break;
        }
        size = granted;
    }
    Ok(socket)
}

/// The longest [`UdpHub::wait_recv`] waits for a datagram.
pub const HUB_WAIT: Duration = Duration::from_millis(5);

/// On Linux the socket blocks, for at most [`HUB_WAIT`], so that a thread
/// can wait for replies in the receive call itself
/// ([`UdpHub::wait_recv`]); every other call passes `MSG_DONTWAIT`.
#[cfg(target_os = "linux")]
fn block_for_waits(socket: Socket) -> io::Result<Socket> {
    socket.set_nonblocking(false)?;
    socket.set_read_timeout(Some(HUB_WAIT))?;
    Ok(socket)
}

#[cfg(not(target_os = "linux"))]
fn block_for_waits(socket: Socket) -> io::Result<Socket> {
    Ok(socket)
}

/// A thread's UDP socket to one server, registered under one poller key,
/// shared by up to [`RequestIds::MAX_SLOTS`] connections.
#[derive(Debug)]
pub struct UdpHub {
    server: Server,
    socket: Registered,
    key: usize,
    ids: RequestIds,
    max_datagrams: u16,
    retry: Retry,
    /// [`BATCH`] chunks of [`DATAGRAM_ROOM`] bytes.
    inbox: Box<[u8]>,
    lens: [usize; BATCH],
    /// The message headers of `sendmmsg` and `recvmmsg`, kept.
    headers: Box<mmsg::Headers>,
    counters: HubCounters,
}

impl UdpHub {
    /// Resolves `server` (blocking) and connects one datagram socket for
    /// the connections of `ids`, registered in `poller` under `key`.
    pub fn connect(
        server: &Server,
        config: &UdpConfig,
        poller: &Arc<Poller>,
        key: usize,
        ids: RequestIds,
    ) -> Result<UdpHub, TransportError> {
        let socket = first_address(server, |addr| {
            udp_socket(addr, config)
                .and_then(|s| share_recv_buffer(s, config, ids.slots()))
                .and_then(block_for_waits)
                .and_then(|s| Registered::readable(poller, s, key))
        })?;
        Ok(UdpHub {
            server: server.clone(),
            socket,
            key,
            ids,
            max_datagrams: config.max_datagrams,
            retry: config.retry,
            inbox: vec![0; BATCH * DATAGRAM_ROOM].into_boxed_slice(),
            lens: [0; BATCH],
            headers: mmsg::Headers::new(),
            counters: HubCounters::default(),
        })
    }

    /// The connection of slot `slot` (below the id space's
    /// [`RequestIds::slots`]).
    pub fn peer(&self, slot: usize) -> SharedUdp {
        SharedUdp::new(
            self.server.clone(),
            slot,
            self.ids,
            self.max_datagrams,
            self.retry,
        )
    }

    /// The poller key of the socket.
    pub fn key(&self) -> usize {
        self.key
    }

    /// The counts so far.
    pub fn counters(&self) -> HubCounters {
        self.counters
    }

    /// Sends up to [`HUB_BATCH`] of `datagrams` in one system call, in
    /// order. Returns how many went out: fewer when the send buffer is full,
    /// and then the socket is watched for a writable event (under
    /// [`UdpHub::key`]) until a send goes through whole. An error (a
    /// refusal reported by the network) means the first datagram did not
    /// go out.
    pub fn send(&mut self, datagrams: &[&[u8]]) -> Result<usize, TransportError> {
        let wanted = datagrams.len().min(BATCH);
        loop {
            let sent = match mmsg::send(self.socket.socket(), &mut self.headers, datagrams) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => 0,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(TransportError::io(&self.server, e, true)),
            };
            self.counters.send_calls += u64::from(sent > 0);
            let short = sent < wanted;
            // Without writable events a short send is retried when the
            // next reply or timer wakes the thread.
            let _ = self.socket.watch_writable(short);
            return Ok(sent);
        }
    }

    /// Receives up to [`HUB_BATCH`] datagrams in one system call. Returns
    /// how many; fewer than [`HUB_BATCH`] means the socket is drained. Take
    /// them with [`UdpHub::route`].
    pub fn recv(&mut self) -> Result<usize, TransportError> {
        self.receive(false)
    }

    /// Whether [`UdpHub::wait_recv`] waits (on Linux).
    pub fn can_wait(&self) -> bool {
        cfg!(target_os = "linux")
    }

    /// [`UdpHub::recv`] that first waits, up to [`HUB_WAIT`], for a
    /// datagram: one system call where a poller wait and a receive would
    /// take two. 0 when none came in time.
    pub fn wait_recv(&mut self) -> Result<usize, TransportError> {
        self.receive(true)
    }

    fn receive(&mut self, wait: bool) -> Result<usize, TransportError> {
        loop {
            match mmsg::recv(
                self.socket.socket(),
                &mut self.headers,
                &mut self.inbox,
                DATAGRAM_ROOM,
                &mut self.lens,
                wait,
            ) {
                Ok(n) => {
                    self.counters.recv_calls += u64::from(n > 0);
                    return Ok(n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(0),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(TransportError::io(&self.server, e, false)),
            }
        }
    }

    /// Datagram `index` of the last [`UdpHub::recv`] and the slot its
    /// request id names; `None` (counted) when it names none, its frame
    /// header is malformed, or it is longer than memcached sends.
    pub fn route(&mut self, index: usize) -> Option<(usize, &[u8])> {
        let len = *self.lens.get(index)?;
        if len >= DATAGRAM_ROOM {
            self.counters.oversized += 1;
            return None;
        }
        let start = index.checked_mul(DATAGRAM_ROOM)?;
        let datagram = self.inbox.get(start..start + len)?;
        let Ok((header, _)) = frame::split_datagram(datagram) else {
            self.counters.malformed += 1;
            return None;
        };
        match self.ids.slot_of(header.request_id.get()) {
            Some(slot) => Some((slot, datagram)),
            None => {
                self.counters.foreign += 1;
                None
            }
        }
    }
}
