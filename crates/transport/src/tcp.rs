//! The TCP transports: one socket ([`Tcp`]), several sockets to one server
//! used in turn ([`MultiSocket`], memaslap `-n`), and one socket per server
//! for replication tests ([`Replicated`], memaslap `-p`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use polling::{Event, Poller};

use crate::pool::{Pool, Target};
use crate::retry::Retry;
use crate::{
    Access, Readiness, ResetReason, Sent, Server, Status, TcpConfig, Transport, TransportError,
    TransportEvent,
};

fn target(server: &Server) -> Result<Target, TransportError> {
    Ok((server.clone(), server.endpoints()?.into()))
}

/// The methods every pool-backed transport forwards to its pool.
macro_rules! forward_to_pool {
    () => {
        fn key_count(&self) -> usize {
            self.pool.len()
        }
        fn status(&self) -> Status {
            self.pool.status()
        }
        fn handle_event(&mut self, event: &Event, now: Instant) -> Readiness {
            self.pool.handle_event(event, now)
        }
        fn finish(&mut self) {
            self.pool.finish()
        }
        fn served(&mut self) {
            self.pool.served()
        }
        fn send(&mut self, bufs: &[&[u8]], now: Instant) -> Result<Sent, Box<TransportError>> {
            self.pool.send(bufs, now)
        }
        fn recv(
            &mut self,
            buf: &mut [u8],
            now: Instant,
        ) -> Result<Option<usize>, Box<TransportError>> {
            self.pool.recv(buf, now)
        }
        #[inline]
        fn is_drained(&self) -> bool {
            self.pool.is_drained()
        }
        #[inline]
        fn poll_deadline(&self) -> Option<Instant> {
            self.pool.poll_deadline()
        }
        fn handle_timeout(&mut self, now: Instant) {
            self.pool.handle_timeout(now)
        }
        fn poll_event(&mut self) -> Option<TransportEvent> {
            self.pool.poll_event()
        }
        #[inline]
        fn has_events(&self) -> bool {
            self.pool.has_events()
        }
        fn close(&mut self) {
            self.pool.close()
        }
        fn reset(&mut self, reason: ResetReason, now: Instant) {
            self.pool.reset(reason, now)
        }
    };
}

/// Inherent methods every pool-backed transport shares.
macro_rules! pool_queries {
    ($t:ty) => {
        impl $t {
            /// How many of its sockets are connected.
            pub fn connected(&self) -> usize {
                self.pool.connected()
            }

            /// Whether socket `index` is connected.
            pub fn is_up(&self, index: usize) -> bool {
                self.pool.is_up(index)
            }
        }
    };
}

pool_queries!(Tcp);
pool_queries!(MultiSocket);
pool_queries!(Replicated);

/// One TCP socket to one server, under poller key `base_key`.
#[derive(Debug)]
pub struct Tcp {
    pool: Pool,
}

impl Tcp {
    /// Resolves `server` (blocking on the system resolver) and starts a
    /// non-blocking connect; [`Transport::status`] turns
    /// [`Status::Ready`] when it completes.
    ///
    /// Fails only when the name cannot be resolved; connect failures are
    /// reported as [`TransportEvent`]s and in [`Transport::status`].
    pub fn connect(
        server: &Server,
        config: &TcpConfig,
        poller: &Arc<Poller>,
        base_key: usize,
        now: Instant,
    ) -> Result<Tcp, TransportError> {
        let pool = server_pool(server, 1, config, poller, base_key, now)?;
        Ok(Tcp { pool })
    }
}

/// Resolves `server` once and starts `sockets` (at least one) connects to
/// it under `config`'s reconnect policy.
fn server_pool(
    server: &Server,
    sockets: usize,
    config: &TcpConfig,
    poller: &Arc<Poller>,
    base_key: usize,
    now: Instant,
) -> Result<Pool, TransportError> {
    let target = target(server)?;
    let targets = (0..sockets.max(1)).map(|_| target.clone());
    Ok(Pool::connect(
        targets,
        config.clone(),
        config.reconnect,
        false,
        poller,
        base_key,
        now,
    ))
}

impl Transport for Tcp {
    forward_to_pool!();

    fn begin(&mut self, _access: Access, _random: u64) -> Result<usize, TransportError> {
        self.pool.begin(0)
    }
}

/// `sockets` TCP sockets to one server (memaslap `-n`), under poller keys
/// `base_key..base_key + sockets`; requests go round-robin over the
/// connected ones.
///
/// A failed socket is skipped and brought back by
/// [`TcpConfig::reconnect`]; the transport fails when no socket is left.
#[derive(Debug)]
pub struct MultiSocket {
    pool: Pool,
    next: usize,
}

impl MultiSocket {
    /// Resolves `server` once and starts `sockets` non-blocking connects.
    ///
    /// Fails only when the name cannot be resolved.
    pub fn connect(
        server: &Server,
        sockets: usize,
        config: &TcpConfig,
        poller: &Arc<Poller>,
        base_key: usize,
        now: Instant,
    ) -> Result<MultiSocket, TransportError> {
        let pool = server_pool(server, sockets, config, poller, base_key, now)?;
        Ok(MultiSocket { pool, next: 0 })
    }
}

impl Transport for MultiSocket {
    forward_to_pool!();

    fn begin(&mut self, _access: Access, _random: u64) -> Result<usize, TransportError> {
        let len = self.pool.len();
        let chosen = (0..len)
            .map(|step| (self.next + step) % len)
            .find(|index| self.pool.is_up(*index));
        let index = self.pool.begin(chosen.unwrap_or(len))?;
        self.next = (index + 1) % len;
        Ok(index)
    }
}

/// One TCP socket per server for replication tests (memaslap `-p N`), socket
/// `i` to `servers[i]` under poller key `base_key + i`.
///
/// A write goes to a random connected socket among the first `writable`
/// servers (to any connected one when none of those is connected), a read to
/// a random connected socket. A failed socket is skipped and tried again
/// every `dead_retry` (memaslap: 5 s, [`Retry::REPLICATION`]). The transport
/// fails when every socket is down at once, unless
/// [`TcpConfig::reconnect`] asks to reconnect, in which case it waits for the
/// retries.
#[derive(Debug)]
pub struct Replicated {
    pool: Pool,
    writable: usize,
}

impl Replicated {
    /// Resolves every server (blocking) and starts one connect to each.
    ///
    /// Fails only when a name cannot be resolved.
    pub fn connect(
        servers: &[Server],
        writable: usize,
        dead_retry: Duration,
        config: &TcpConfig,
        poller: &Arc<Poller>,
        base_key: usize,
        now: Instant,
    ) -> Result<Replicated, TransportError> {
        let targets = servers.iter().map(target).collect::<Result<Vec<_>, _>>()?;
        let give_up = config.reconnect == Retry::Never;
        let retry = Retry::Every(dead_retry);
        let pool = Pool::connect(
            targets,
            config.clone(),
            retry,
            give_up,
            poller,
            base_key,
            now,
        );
        Ok(Replicated { pool, writable })
    }
}

impl Transport for Replicated {
    forward_to_pool!();

    fn begin(&mut self, access: Access, random: u64) -> Result<usize, TransportError> {
        let len = self.pool.len();
        let chosen = match access {
            Access::Write => self
                .pool
                .nth_up(self.writable, random)
                .or_else(|| self.pool.nth_up(len, random)),
            Access::Read => self.pool.nth_up(len, random),
        };
        self.pool.begin(chosen.unwrap_or(len))
    }
}
