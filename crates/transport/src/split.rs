//! Facebook mode (memaslap `-a`): writes over a TCP socket, reads over a UDP
//! socket to the same server.

use std::sync::Arc;
use std::time::Instant;

use polling::{Event, Poller};

use crate::udp::UdpCounters;
use crate::{
    Access, Readiness, ResetReason, Sent, Server, Status, Tcp, TcpConfig, Transport,
    TransportError, TransportEvent, Udp, UdpConfig,
};

/// Sets over TCP (key `base_key`), gets over UDP (key `base_key + 1`).
#[derive(Debug)]
pub struct Split {
    tcp: Tcp,
    udp: Udp,
    base_key: usize,
    /// The request in progress travels over UDP.
    on_udp: bool,
}

impl Split {
    /// Starts the TCP connect and opens the UDP socket.
    pub fn connect(
        server: &Server,
        tcp: &TcpConfig,
        udp: &UdpConfig,
        poller: &Arc<Poller>,
        base_key: usize,
        now: Instant,
    ) -> Result<Split, TransportError> {
        Ok(Split {
            tcp: Tcp::connect(server, tcp, poller, base_key, now)?,
            udp: Udp::connect(server, udp, poller, base_key + 1)?,
            base_key,
            on_udp: false,
        })
    }
}

impl Transport for Split {
    fn key_count(&self) -> usize {
        2
    }

    /// Ready when both sockets are; failed when either is for good.
    fn status(&self) -> Status {
        match (self.tcp.status(), self.udp.status()) {
            (Status::Failed, _) | (_, Status::Failed) => Status::Failed,
            (Status::Ready, Status::Ready) => Status::Ready,
            _ => Status::Connecting,
        }
    }

    fn handle_event(&mut self, event: &Event, now: Instant) -> Readiness {
        let on_udp = event.key == self.base_key + 1;
        let readiness = if on_udp {
            self.udp.handle_event(event, now)
        } else {
            self.tcp.handle_event(event, now)
        };
        if on_udp == self.on_udp {
            readiness
        } else {
            Readiness::NONE
        }
    }

    fn begin(&mut self, access: Access, random: u64) -> Result<usize, TransportError> {
        self.on_udp = access == Access::Read;
        if self.on_udp {
            self.udp.begin(access, random).map(|_| 1)
        } else {
            self.tcp.begin(access, random)
        }
    }

    fn finish(&mut self) {
        if self.on_udp {
            self.udp.finish();
        } else {
            self.tcp.finish();
        }
    }

    fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>> {
        if self.on_udp {
            self.udp.send(bufs, now)
        } else {
            self.tcp.send(bufs, now)
        }
    }

    fn recv(&mut self, buf: &mut [u8], now: Instant) -> Result<Option<usize>, Box<TransportError>> {
        if self.on_udp {
            self.udp.recv(buf, now)
        } else {
            self.tcp.recv(buf, now)
        }
    }

    fn poll_deadline(&self) -> Option<Instant> {
        [self.tcp.poll_deadline(), self.udp.poll_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    fn handle_timeout(&mut self, now: Instant) {
        self.tcp.handle_timeout(now);
        self.udp.handle_timeout(now);
    }

    /// The TCP socket's events, then the UDP socket's (socket 1).
    fn poll_event(&mut self) -> Option<TransportEvent> {
        self.tcp
            .poll_event()
            .or_else(|| self.udp.poll_event().map(|e| e.with_socket(1)))
    }

    fn has_events(&self) -> bool {
        self.tcp.has_events() || self.udp.has_events()
    }

    fn close(&mut self) {
        self.tcp.close();
        self.udp.close();
    }

    fn reset(&mut self, reason: ResetReason, now: Instant) {
        if self.on_udp {
            self.udp.reset(reason, now);
        } else {
            self.tcp.reset(reason, now);
        }
    }

    fn served(&mut self) {
        if !self.on_udp {
            self.tcp.served();
        }
    }

    /// True while the request in progress goes over UDP (a get).
    fn is_datagram(&self) -> bool {
        self.on_udp
    }

    /// The UDP socket's datagram counts.
    fn datagram_counters(&self) -> Option<UdpCounters> {
        Some(self.udp.counters())
    }
}
