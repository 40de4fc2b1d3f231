//! Refused datagrams as a lost connection. A datagram socket has no
//! connection to lose, but the network can refuse what it sends (an ICMP
//! "port unreachable" when nothing listens): such a socket is down as a
//! stream socket whose connection broke. The first refusal is reported as
//! [`TransportEvent::Disconnected`], sending waits for the retry policy's
//! next attempt (none without one: the socket is done), a refused attempt
//! is a [`TransportEvent::RetryFailed`] with a longer wait, and the first
//! reply after that is a [`TransportEvent::Reconnected`]. A server that
//! refuses everything thus gets a few datagrams a second, not a flood.

use std::collections::VecDeque;
use std::time::Instant;

use crate::retry::{Retry, RetryState};
use crate::{Server, Status, TransportError, TransportEvent};

/// Whether a datagram socket may send, by what the network refused.
#[derive(Debug)]
pub(crate) struct Refusals {
    server: Server,
    retry: RetryState,
    /// A refusal holds sending until the next attempt is due.
    held: bool,
    /// A refusal with no attempt to follow: the socket is done.
    done: bool,
    events: VecDeque<TransportEvent>,
}

impl Refusals {
    /// Nothing refused yet; refusals are retried as `retry` says.
    pub(crate) fn new(server: Server, retry: Retry) -> Refusals {
        Refusals {
            server,
            retry: RetryState::new(retry),
            held: false,
            done: false,
            events: VecDeque::new(),
        }
    }

    /// Ready, held until the next attempt, or done for good.
    pub(crate) fn status(&self) -> Status {
        if self.done {
            Status::Failed
        } else if self.held {
            Status::Connecting
        } else {
            Status::Ready
        }
    }

    /// The network refused a datagram (or reported an error for the
    /// socket) at `now`.
    pub(crate) fn refused(&mut self, error: TransportError, now: Instant) {
        let first = !self.retry.is_down();
        let retry_at = self.retry.handle_failure(now);
        self.held = true;
        self.done = retry_at.is_none();
        let (socket, server, at) = (0, self.server.clone(), now);
        self.events.push_back(if first {
            TransportEvent::Disconnected {
                socket,
                server,
                at,
                error,
                retry_at,
            }
        } else {
            TransportEvent::RetryFailed {
                socket,
                server,
                at,
                error,
                retry_at,
            }
        });
    }

    /// A reply came in at `now`: a socket that was down is back.
    #[inline]
    pub(crate) fn answered(&mut self, now: Instant) {
        self.retry.served();
        if let Some(down_since) = self.retry.handle_up() {
            self.events.push_back(TransportEvent::Reconnected {
                socket: 0,
                server: self.server.clone(),
                down_since,
                at: now,
            });
        }
    }

    /// When the next attempt is due, while sending is held.
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        self.retry.poll_deadline()
    }

    /// Lets sending resume when the attempt is due.
    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        if self.retry.handle_timeout(now) {
            self.held = false;
        }
    }

    /// The next event to report.
    pub(crate) fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    /// Whether [`Self::poll_event`] has an event to give.
    #[inline]
    pub(crate) fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    /// No attempt follows any more.
    pub(crate) fn stop(&mut self) {
        self.retry.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn refusal(server: &Server) -> TransportError {
        TransportError::not_connected(server)
    }

    #[test]
    fn without_retry_the_first_refusal_ends_the_socket() {
        let server = Server::new("127.0.0.1", 1);
        let mut r = Refusals::new(server.clone(), Retry::Never);
        let t0 = Instant::now();
        assert_eq!(r.status(), Status::Ready);
        assert!(!r.has_events());
        r.refused(refusal(&server), t0);
        assert_eq!(r.status(), Status::Failed);
        assert_eq!(r.poll_deadline(), None);
        assert!(r.has_events());
        assert!(matches!(
            r.poll_event(),
            Some(TransportEvent::Disconnected { retry_at: None, .. })
        ));
        assert!(!r.has_events());
        assert!(r.poll_event().is_none());
    }

    #[test]
    fn refusals_back_off_and_a_reply_brings_the_socket_back() {
        let server = Server::new("127.0.0.1", 1);
        let mut r = Refusals::new(server.clone(), Retry::RECONNECT);
        let t0 = Instant::now();
        r.answered(t0);
        assert!(!r.has_events(), "a reply while up is no event");
        assert!(r.poll_event().is_none());
        r.refused(refusal(&server), t0);
        assert_eq!(r.status(), Status::Connecting);
        assert!(matches!(
            r.poll_event(),
            Some(TransportEvent::Disconnected { .. })
        ));
        // Attempts come ever later, up to the policy's longest wait.
        let mut now = t0;
        let mut waits = Vec::new();
        for _ in 0..5 {
            let at = r.poll_deadline().unwrap();
            waits.push(at - now);
            r.handle_timeout(at - Duration::from_millis(1));
            assert_eq!(r.status(), Status::Connecting);
            r.handle_timeout(at);
            assert_eq!(r.status(), Status::Ready);
            now = at;
            r.refused(refusal(&server), now);
            assert!(matches!(
                r.poll_event(),
                Some(TransportEvent::RetryFailed { .. })
            ));
        }
        assert!(waits.windows(2).all(|w| w[0] <= w[1]), "{waits:?}");
        assert!(waits[4] > waits[0]);
        let at = r.poll_deadline().unwrap();
        r.handle_timeout(at);
        r.answered(at);
        match r.poll_event() {
            Some(TransportEvent::Reconnected { down_since, .. }) => assert_eq!(down_since, t0),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.status(), Status::Ready);
        assert_eq!(r.poll_deadline(), None);
    }
}
