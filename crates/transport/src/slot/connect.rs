//! How a slot comes up: through the server's addresses in turn, a TLS
//! handshake and a login when configured, until its socket is up.

use std::collections::VecDeque;
use std::time::Instant;

use super::{Slot, State};
use crate::TransportError;
use crate::TransportEvent;
use crate::login::{self, Progress, Step};
use crate::registration::Registered;
use crate::sock::{self, Connect};
use crate::tls::{Fault, Session};

impl Slot {
    /// A socket whose connect finished: up, or shaking hands over TLS
    /// until `deadline`.
    pub(super) fn connected_socket(
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
    pub(super) fn shake(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
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
    pub(super) fn established(
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
    pub(super) fn log_in(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
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

    pub(super) fn login_error(&self, reason: String) -> TransportError {
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

    /// Tries the addresses from `first` on until one connects or is in
    /// progress; fails the slot when none is left.
    pub(super) fn try_from(
        &mut self,
        first: usize,
        now: Instant,
        events: &mut VecDeque<TransportEvent>,
    ) {
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
    pub(super) fn next_address(
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
    pub(super) fn up(
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

    pub(super) fn set_up(&mut self, now: Instant, events: &mut VecDeque<TransportEvent>) {
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
}
