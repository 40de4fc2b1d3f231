//! One TCP socket's life: connecting through the server's addresses in turn,
//! connected, down and waiting for its retry.

use std::collections::VecDeque;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use polling::{Event, Poller};

use crate::login::{self, Progress, Step};
use crate::registration::Registered;
use crate::retry::{Retry, RetryState};
use crate::sock::{self, Connect, TcpConfig};
use crate::tls::{Fault, Session};
use crate::{Endpoint, Readiness, ResetReason, Sent, Server, TransportError, TransportEvent};

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

    /// A socket whose connect finished: up, or shaking hands over TLS
    /// until `deadline`.
    fn connected_socket(
        &mut self,
        socket: Registered,
        deadline: Instant,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
        let Some(tls) = self.options.tls.clone() else {
            self.established(socket, None, deadline, now, events);
            return;
        };
        match tls.session(&self.server) {
            Ok(session) => {
                self.state = State::Handshaking {
                    socket,
                    session: Box::new(session),
                    // The handshake's time is measured, not scheduled: read
                    // the clock, as the `now` of a batch of events may
                    // precede this socket's turn in it.
                    started: Instant::now(),
                    deadline,
                };
                self.shake(now, events);
            }
            Err(error) => {
                self.fail(error, now, events);
            }
        }
    }

    /// Moves a handshake on; the slot is up when it is done.
    fn shake(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
        let State::Handshaking {
            socket, session, ..
        } = &mut self.state
        else {
            return;
        };
        match session.handshake(socket.socket()) {
            Ok(false) => {}
            Ok(true) => {
                if let State::Handshaking {
                    socket,
                    session,
                    started,
                    deadline,
                } = std::mem::replace(&mut self.state, State::Down)
                {
                    events.push_back(TransportEvent::Secured {
                        socket: self.index,
                        server: self.server.clone(),
                        took: started.elapsed(),
                        resumed: session.resumed(),
                    });
                    self.established(socket, Some(session), deadline, now, events);
                }
            }
            Err(fault) => {
                let error = self.fault_error(fault, true);
                self.fail(error, now, events);
            }
        }
    }

    /// A socket connected (and secured): up, or logging in first.
    fn established(
        &mut self,
        socket: Registered,
        session: Option<Box<Session>>,
        deadline: Instant,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
        if self.options.login.is_none() {
            self.up(socket, session, now, events);
            return;
        }
        self.state = State::LoggingIn {
            socket,
            session,
            progress: Progress::default(),
            deadline,
        };
        self.log_in(now, events);
    }

    /// Moves a login on; the slot is up when the server takes it.
    fn log_in(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
        let Some(login) = self.options.login.clone() else {
            return;
        };
        let State::LoggingIn {
            socket,
            session,
            progress,
            ..
        } = &mut self.state
        else {
            return;
        };
        let error = match login::step(&login, socket.socket(), session.as_deref_mut(), progress) {
            Step::Waiting => return,
            Step::Done => {
                if let State::LoggingIn {
                    socket, session, ..
                } = std::mem::replace(&mut self.state, State::Down)
                {
                    self.up(socket, session, now, events);
                }
                return;
            }
            Step::Refused(reason) => self.login_error(reason),
            Step::Failed(Fault::Closed) => {
                self.login_error("the server closed the connection".into())
            }
            Step::Failed(fault) => self.fault_error(fault, true),
        };
        self.fail(error, now, events);
    }

    fn login_error(&self, reason: String) -> TransportError {
        TransportError::Login {
            server: self.server.clone(),
            user: self
                .options
                .login
                .as_ref()
                .map_or_else(String::new, |l| l.user().to_string()),
            reason,
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
                Ok(0) => TransportError::Closed {
                    server: self.server.clone(),
                },
                Ok(n) => return Ok(Some(n)),
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(None),
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

    /// Tries the addresses from `first` on until one connects or is in
    /// progress; fails the slot when none is left.
    fn try_from(&mut self, first: usize, now: Instant, events: &mut VecDeque<TransportEvent>) {
        self.state = State::Down;
        let mut last_error = None;
        for (index, addr) in self.addrs.iter().enumerate().skip(first) {
            let started = sock::tcp_socket(addr, &self.options)
                .and_then(|socket| Registered::new(&self.poller, socket, self.key))
                .and_then(|socket| Ok((sock::start_connect(socket.socket(), addr)?, socket)));
            match started {
                Ok((Connect::Done, socket)) => {
                    let deadline = now.checked_add(self.options.connect_timeout).unwrap_or(now);
                    self.connected_socket(socket, deadline, now, events);
                    return;
                }
                Ok((Connect::InProgress, socket)) => {
                    let deadline = now.checked_add(self.options.connect_timeout).unwrap_or(now);
                    self.state = State::Connecting {
                        socket,
                        addr: index,
                        deadline,
                    };
                    return;
                }
                Err(e) => last_error = Some(self.connect_error(index, e)),
            }
        }
        let error = last_error.unwrap_or_else(|| TransportError::NoAddress {
            server: self.server.clone(),
        });
        self.fail(error, now, events);
    }

    /// The attempt on address `failed` ended with `error`: close it, then try
    /// the next address or fail.
    fn next_address(
        &mut self,
        failed: usize,
        error: TransportError,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
        self.state = State::Down;
        if failed + 1 < self.addrs.len() {
            self.try_from(failed + 1, now, events);
        } else {
            self.fail(error, now, events);
        }
    }

    /// The socket is up. From now on it is watched for writable events only
    /// while a request waits for room ([`Slot::send`]).
    fn up(
        &mut self,
        mut socket: Registered,
        session: Option<Box<Session>>,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
        if let Err(e) = socket.watch_writable(false) {
            let error = self.io_error(e, true);
            self.fail(error, now, events);
            return;
        }
        self.state = State::Up { socket, session };
        self.set_up(now, events);
    }

    fn set_up(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
        let Some(down_since) = self.retry.handle_up() else {
            return;
        };
        events.push_back(TransportEvent::Reconnected {
            socket: self.index,
            server: self.server.clone(),
            down_since,
            at: now,
        });
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
mod tests {
    use super::*;
    use polling::Events;
    use std::net::TcpListener;
    use std::time::Duration;

    /// Drives `slot` until it is up or has failed.
    fn settle(slot: &mut Slot, poller: &Poller, events: &mut VecDeque<TransportEvent>) {
        let mut ready = Events::new();
        while matches!(slot.state, State::Connecting { .. }) {
            ready.clear();
            poller
                .wait(&mut ready, Some(Duration::from_millis(100)))
                .unwrap();
            let now = Instant::now();
            for event in ready.iter() {
                slot.handle_event(&event, now, events);
            }
            slot.handle_timeout(now, events);
        }
    }

    fn slot(addrs: Vec<SocketAddr>, retry: Retry, poller: &Arc<Poller>) -> Slot {
        let server = Server::new("test.invalid", 1);
        Slot::new(
            0,
            5,
            server,
            addrs.into_iter().map(Endpoint::Inet).collect(),
            TcpConfig::default(),
            retry,
            poller,
        )
    }

    #[test]
    fn tries_every_address_in_turn() {
        let live = TcpListener::bind("[::1]:0").unwrap();
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let poller = Arc::new(Poller::new().unwrap());
        let mut events = VecDeque::new();
        let addrs = vec![refused, live.local_addr().unwrap()];
        let mut s = slot(addrs, Retry::Never, &poller).connected(Instant::now(), &mut events);
        settle(&mut s, &poller, &mut events);
        assert!(s.is_up(), "{events:?}");
        assert!(events.is_empty(), "a later address connected: {events:?}");
    }

    #[test]
    fn the_last_address_error_is_reported_and_retry_scheduled() {
        let refused = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let poller = Arc::new(Poller::new().unwrap());
        let mut events = VecDeque::new();
        let t0 = Instant::now();
        let mut s =
            slot(vec![refused, refused], Retry::REPLICATION, &poller).connected(t0, &mut events);
        settle(&mut s, &poller, &mut events);
        assert!(!s.is_up() && s.is_pending() && !s.has_socket());
        let Some(TransportEvent::Disconnected {
            error, retry_at, ..
        }) = events.pop_front()
        else {
            panic!("{events:?}")
        };
        assert!(
            matches!(&error, TransportError::Connect { addr, .. } if *addr == Endpoint::Inet(refused)),
            "{error}"
        );
        assert_eq!(retry_at, s.poll_deadline());
        assert!(retry_at.unwrap() >= t0 + Duration::from_secs(5));
        // Nothing happens before the retry is due; at the deadline the
        // attempt fails again and is reported as such.
        s.handle_timeout(retry_at.unwrap() - Duration::from_millis(1), &mut events);
        assert!(events.is_empty() && !s.has_socket());
        s.handle_timeout(retry_at.unwrap(), &mut events);
        settle(&mut s, &poller, &mut events);
        assert!(matches!(
            events.pop_front(),
            Some(TransportEvent::RetryFailed { .. })
        ));
        s.close();
        assert!(!s.is_pending() && s.poll_deadline().is_none());
    }
}
