//! One TCP socket's life: connecting through the server's addresses in turn,
//! connected, down and waiting for its retry.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use polling::{Event, Poller};

use crate::login::Progress;
use crate::registration::Registered;
use crate::retry::{Retry, RetryState};
use crate::sock::{self, TcpConfig};
use crate::tls::{Fault, Session};
use crate::{Endpoint, Readiness, ResetReason, Sent, Server, TransportError, TransportEvent};

mod connect;

#[derive(Debug)]
enum State {
    /// No socket.
    Down,
    /// Connecting to `addrs[addr]`, until `deadline`.
    Connecting {
        socket: Registered,
        addr: usize,
        deadline: Instant,
    },
    /// Connected; shaking hands over TLS until `deadline`.
    Handshaking {
        socket: Registered,
        session: Box<Session>,
        started: Instant,
        deadline: Instant,
    },
    /// Connected (and secured), logging in until `deadline`.
    LoggingIn {
        socket: Registered,
        session: Option<Box<Session>>,
        progress: Progress,
        deadline: Instant,
    },
    /// Connected (and secured, over TLS).
    Up {
        socket: Registered,
        session: Option<Box<Session>>,
    },
}

/// One TCP socket to one server, registered under one poller key.
#[derive(Debug)]
pub(crate) struct Slot {
    index: usize,
    key: usize,
    server: Server,
    addrs: Arc<[Endpoint]>,
    options: TcpConfig,
    poller: Arc<Poller>,
    state: State,
    retry: RetryState,
    /// Bytes of the current request already written.
    written: usize,
}

impl Slot {
    /// A slot that has not started connecting.
    pub(crate) fn new(
        index: usize,
        key: usize,
        server: Server,
        addrs: Arc<[Endpoint]>,
        options: TcpConfig,
        retry: Retry,
        poller: &Arc<Poller>,
    ) -> Slot {
        Slot {
            index,
            key,
            server,
            addrs,
            options,
            poller: Arc::clone(poller),
            state: State::Down,
            retry: RetryState::new(retry),
            written: 0,
        }
    }

    /// Starts connecting; the result shows in the slot's state and events.
    pub(crate) fn connected(mut self, now: Instant, events: &mut VecDeque<TransportEvent>) -> Slot {
        self.try_from(0, now, events);
        self
    }

    /// Whether requests can be sent.
    pub(crate) fn is_up(&self) -> bool {
        matches!(self.state, State::Up { .. })
    }

    /// Whether the slot is connected or on its way there.
    pub(crate) fn is_pending(&self) -> bool {
        match self.state {
            State::Up { .. }
            | State::Connecting { .. }
            | State::Handshaking { .. }
            | State::LoggingIn { .. } => true,
            State::Down => self.retry.poll_deadline().is_some(),
        }
    }

    /// Whether the slot is connecting or connected right now.
    pub(crate) fn has_socket(&self) -> bool {
        !matches!(self.state, State::Down)
    }

    /// The server.
    pub(crate) fn server(&self) -> &Server {
        &self.server
    }

    /// Whether a plain (not TLS) connected socket's last read drained it.
    #[inline]
    pub(crate) fn is_drained(&self) -> bool {
        matches!(&self.state, State::Up { socket, session: None } if socket.is_dry())
    }

    /// The next time `handle_timeout` has work.
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        match &self.state {
            State::Connecting { deadline, .. }
            | State::Handshaking { deadline, .. }
            | State::LoggingIn { deadline, .. } => Some(*deadline),
            State::Down => self.retry.poll_deadline(),
            State::Up { .. } => None,
        }
    }

    /// Connect timeouts and due retries.
    pub(crate) fn handle_timeout(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
        match &self.state {
            State::Connecting { addr, deadline, .. } if *deadline <= now => {
                let (addr, timeout) = (*addr, self.options.connect_timeout);
                let error = TransportError::ConnectTimeout {
                    server: self.server.clone(),
                    addr: self.addr(addr),
                    timeout,
                };
                self.next_address(addr, error, now, events);
            }
            State::Handshaking { deadline, .. } if *deadline <= now => {
                let error = TransportError::Tls {
                    server: self.server.clone(),
                    reason: format!(
                        "the handshake did not finish within {:?}",
                        self.options.connect_timeout
                    ),
                };
                self.fail(error, now, events);
            }
            State::LoggingIn { deadline, .. } if *deadline <= now => {
                let reason = format!("no reply within {:?}", self.options.connect_timeout);
                let error = self.login_error(reason);
                self.fail(error, now, events);
            }
            State::Down if self.retry.handle_timeout(now) => self.try_from(0, now, events),
            _ => {}
        }
    }

    /// An event for this slot's key. Returns the readiness of a connected
    /// socket; a connect that completes is reported as writable.
    pub(crate) fn handle_event(
        &mut self,
        event: &Event,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) -> Readiness {
        match &mut self.state {
            State::Up { socket, .. } => {
                socket.saw(event);
                Readiness {
                    readable: event.readable,
                    writable: event.writable,
                }
            }
            State::Connecting { socket, addr, .. } => {
                let addr = *addr;
                match sock::finish_connect(socket.socket()) {
                    Ok(false) => Readiness::NONE,
                    Ok(true) => {
                        if let State::Connecting {
                            socket, deadline, ..
                        } = std::mem::replace(&mut self.state, State::Down)
                        {
                            self.connected_socket(socket, deadline, now, events);
                        }
                        self.ready_to_send()
                    }
                    Err(e) => {
                        let error = self.connect_error(addr, e);
                        self.next_address(addr, error, now, events);
                        Readiness::NONE
                    }
                }
            }
            State::Handshaking { .. } => {
                self.shake(now, events);
                self.ready_to_send()
            }
            State::LoggingIn { .. } => {
                self.log_in(now, events);
                self.ready_to_send()
            }
            State::Down => Readiness::NONE,
        }
    }

    /// Writable once the slot is up (a connect or a handshake that just
    /// finished), nothing otherwise.
    fn ready_to_send(&self) -> Readiness {
        Readiness {
            readable: false,
            writable: self.is_up(),
        }
    }

    /// Checks a connected socket that is not in use after a readable event:
    /// a server that closed or reset it makes the slot fail now rather than
    /// on the next request.
    pub(crate) fn check_idle(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
        let State::Up { socket, .. } = &self.state else {
            return;
        };
        let error = match sock::peer_closed(socket.socket()) {
            Ok(false) => return,
            Ok(true) => TransportError::Closed {
                server: self.server.clone(),
            },
            Err(e) => self.io_error(e, false),
        };
        self.fail(error, now, events);
    }

    /// The socket completed a response: a later failure is retried at once.
    pub(crate) fn served(&mut self) {
        self.retry.served();
    }

    /// Forgets any partly sent request.
    pub(crate) fn reset_request(&mut self) {
        self.written = 0;
    }

    /// Sends the rest of the request `bufs`.
    pub(crate) fn send(
        &mut self,
        bufs: &[&[u8]],
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) -> Result<Sent, Box<TransportError>> {
        let sent = self.write(bufs, now, events)?;
        // Writable events only while the rest of a request waits for room.
        if let State::Up { socket, .. } = &mut self.state
            && let Err(e) = socket.watch_writable(!sent.done)
        {
            return Err(Box::new(self.fail(self.io_error(e, true), now, events)));
        }
        Ok(sent)
    }

    fn write(
        &mut self,
        bufs: &[&[u8]],
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) -> Result<Sent, Box<TransportError>> {
        let State::Up { socket, session } = &mut self.state else {
            return Err(Box::new(self.not_connected()));
        };
        if let Some(session) = session {
            let before = self.written;
            return match session.send(socket.socket(), bufs, &mut self.written) {
                Ok(done) => {
                    let bytes = self.written - before;
                    if done {
                        self.written = 0;
                    }
                    Ok(Sent { bytes, done })
                }
                Err(fault) => {
                    let error = self.fault_error(fault, true);
                    Err(Box::new(self.fail(error, now, events)))
                }
            };
        }
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        let mut bytes = 0;
        while self.written < total {
            match sock::send_from(socket.socket(), bufs, self.written) {
                Ok(n) if n > 0 => {
                    self.written += n;
                    bytes += n;
                }
                Ok(_) => break,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Sent { bytes, done: false });
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Box::new(self.fail(self.io_error(e, true), now, events))),
            }
        }
        self.written = 0;
        Ok(Sent { bytes, done: true })
    }

    /// Reads what has arrived into `buf`: `Ok(None)` when nothing has.
    pub(crate) fn recv(
        &mut self,
        buf: &mut [u8],
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) -> Result<Option<usize>, Box<TransportError>> {
        let State::Up { socket, session } = &mut self.state else {
            return Err(Box::new(self.not_connected()));
        };
        if buf.is_empty() {
            return Ok(Some(0));
        }
        if let Some(session) = session {
            return match session.recv(socket.socket(), buf) {
                Ok(read) => Ok(read),
                Err(fault) => {
                    let error = self.fault_error(fault, false);
                    Err(Box::new(self.fail(error, now, events)))
                }
            };
        }
        loop {
            let error = match socket.recv(buf) {
                Ok(Some(0)) => TransportError::Closed {
                    server: self.server.clone(),
                },
                Ok(read) => return Ok(read),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => self.io_error(e, false),
            };
            return Err(Box::new(self.fail(error, now, events)));
        }
    }

    /// Closes a connected socket whose stream is out of step; the retry
    /// policy brings it back as after any failure.
    pub(crate) fn reset(
        &mut self,
        reason: ResetReason,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
        if self.is_up() {
            let error = TransportError::Reset {
                server: self.server.clone(),
                reason,
            };
            self.fail(error, now, events);
        }
    }

    /// Closes the socket for good: no retry follows.
    pub(crate) fn close(&mut self) {
        self.retry.stop();
        if let State::Up {
            socket,
            session: Some(session),
        } = &mut self.state
        {
            session.close(socket.socket());
        }
        self.state = State::Down;
    }

    /// Closes the socket, schedules the retry and reports the failure.
    fn fail(
        &mut self,
        error: TransportError,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) -> TransportError {
        self.state = State::Down;
        self.written = 0;
        let first = !self.retry.is_down();
        let retry_at = self.retry.handle_failure(now);
        let (socket, server, reported) = (self.index, self.server.clone(), error.clone());
        events.push_back(if first {
            TransportEvent::Disconnected {
                socket,
                server,
                at: now,
                error: reported,
                retry_at,
            }
        } else {
            TransportEvent::RetryFailed {
                socket,
                server,
                at: now,
                error: reported,
                retry_at,
            }
        });
        error
    }

    fn addr(&self, index: usize) -> Endpoint {
        self.addrs
            .get(index)
            .cloned()
            .unwrap_or_else(|| Endpoint::Inet(SocketAddr::from(([0, 0, 0, 0], self.server.port()))))
    }

    fn connect_error(&self, index: usize, e: io::Error) -> TransportError {
        TransportError::Connect {
            server: self.server.clone(),
            addr: self.addr(index),
            source: Arc::new(e),
        }
    }

    /// The error a failed TLS call stands for.
    fn fault_error(&self, fault: Fault, sending: bool) -> TransportError {
        match fault {
            Fault::Io(e) => self.io_error(e, sending),
            Fault::Tls(e) => TransportError::Tls {
                server: self.server.clone(),
                reason: crate::tls::words(&e),
            },
            Fault::Closed => TransportError::Closed {
                server: self.server.clone(),
            },
        }
    }

    fn io_error(&self, e: io::Error, sending: bool) -> TransportError {
        TransportError::io(&self.server, e, sending)
    }

    fn not_connected(&self) -> TransportError {
        TransportError::not_connected(&self.server)
    }
}

#[cfg(test)]
mod tests;
