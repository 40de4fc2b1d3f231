//! A set of TCP slots under consecutive poller keys, with one current
//! socket for the request in progress. [`crate::Tcp`],
//! [`crate::MultiSocket`] and [`crate::Replicated`] are pools that differ in
//! how they choose the socket.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Instant;

use polling::{Event, Poller};

use crate::retry::Retry;
use crate::slot::Slot;
use crate::sock::TcpConfig;
use crate::{
    Endpoint, Readiness, ResetReason, Sent, Server, Status, TransportError, TransportEvent,
};

/// One server with its resolved addresses.
pub(crate) type Target = (Server, Arc<[Endpoint]>);

#[derive(Debug)]
pub(crate) struct Pool {
    slots: Vec<Slot>,
    base_key: usize,
    current: Option<usize>,
    events: VecDeque<TransportEvent>,
    /// Give up (close every slot) as soon as no slot is up or connecting,
    /// even when retries are scheduled.
    give_up_when_all_down: bool,
}

impl Pool {
    /// Opens one slot per target, slot `i` under key `base_key + i`.
    pub(crate) fn connect(
        targets: impl IntoIterator<Item = Target>,
        options: TcpConfig,
        retry: Retry,
        give_up_when_all_down: bool,
        poller: &Arc<Poller>,
        base_key: usize,
        now: Instant,
    ) -> Pool {
        // Events carry their server's name, so reporting one allocates
        // anyway: the queue allocates with its first, not per connection.
        let mut events = VecDeque::new();
        let slots = targets
            .into_iter()
            .enumerate()
            .map(|(index, (server, addrs))| {
                let key = base_key.wrapping_add(index);
                let slot = Slot::new(index, key, server, addrs, options.clone(), retry, poller);
                slot.connected(now, &mut events)
            })
            .collect();
        let mut pool = Pool {
            slots,
            base_key,
            current: None,
            events,
            give_up_when_all_down,
        };
        pool.check_give_up();
        pool
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    pub(crate) fn connected(&self) -> usize {
        self.slots.iter().filter(|s| s.is_up()).count()
    }

    pub(crate) fn is_up(&self, index: usize) -> bool {
        self.slots.get(index).is_some_and(Slot::is_up)
    }

    pub(crate) fn status(&self) -> Status {
        if self.slots.iter().any(Slot::is_up) {
            Status::Ready
        } else if self.slots.iter().any(Slot::is_pending) {
            Status::Connecting
        } else {
            Status::Failed
        }
    }

    /// The slot of a poller key, if the key is one of this pool's.
    pub(crate) fn index_of(&self, key: usize) -> Option<usize> {
        key.checked_sub(self.base_key)
            .filter(|index| *index < self.slots.len())
    }

    #[inline]
    pub(crate) fn handle_event(&mut self, event: &Event, now: Instant) -> Readiness {
        let Some(index) = self.index_of(event.key) else {
            return Readiness::NONE;
        };
        let current = self.current == Some(index);
        let Some(slot) = self.slots.get_mut(index) else {
            return Readiness::NONE;
        };
        let was_up = slot.is_up();
        let readiness = slot.handle_event(event, now, &mut self.events);
        if current {
            return readiness;
        }
        if was_up && event.readable {
            slot.check_idle(now, &mut self.events);
            self.check_give_up();
        } else if !was_up {
            self.check_give_up();
        }
        Readiness::NONE
    }

    /// Makes slot `index` the one the next request goes to.
    pub(crate) fn begin(&mut self, index: usize) -> Result<usize, TransportError> {
        match self.slots.get_mut(index) {
            Some(slot) if slot.is_up() => {
                slot.reset_request();
                self.current = Some(index);
                Ok(index)
            }
            _ => Err(self.not_connected()),
        }
    }

    pub(crate) fn finish(&mut self) {
        self.current = None;
    }

    /// The socket of the request in progress served it (see
    /// [`crate::retry::RetryState::served`]).
    pub(crate) fn served(&mut self) {
        if let Some(slot) = self.current.and_then(|index| self.slots.get_mut(index)) {
            slot.served();
        }
    }

    #[inline]
    pub(crate) fn send(
        &mut self,
        bufs: &[&[u8]],
        now: Instant,
    ) -> Result<Sent, Box<TransportError>> {
        let Some(slot) = self.current.and_then(|index| self.slots.get_mut(index)) else {
            return Err(Box::new(self.not_connected()));
        };
        let result = slot.send(bufs, now, &mut self.events);
        self.after_io(result.is_err());
        result
    }

    #[inline]
    pub(crate) fn recv(
        &mut self,
        buf: &mut [u8],
        now: Instant,
    ) -> Result<Option<usize>, Box<TransportError>> {
        let Some(slot) = self.current.and_then(|index| self.slots.get_mut(index)) else {
            return Err(Box::new(self.not_connected()));
        };
        let result = slot.recv(buf, now, &mut self.events);
        self.after_io(result.is_err());
        result
    }

    /// Whether the current socket's last read drained it (see
    /// [`crate::Transport::is_drained`]).
    #[inline]
    pub(crate) fn is_drained(&self) -> bool {
        self.current
            .and_then(|index| self.slots.get(index))
            .is_some_and(Slot::is_drained)
    }

    #[inline]
    pub(crate) fn poll_deadline(&self) -> Option<Instant> {
        match self.slots.as_slice() {
            [slot] => slot.poll_deadline(),
            slots => slots.iter().filter_map(Slot::poll_deadline).min(),
        }
    }

    pub(crate) fn handle_timeout(&mut self, now: Instant) {
        for slot in &mut self.slots {
            slot.handle_timeout(now, &mut self.events);
        }
        self.check_give_up();
    }

    pub(crate) fn poll_event(&mut self) -> Option<TransportEvent> {
        self.events.pop_front()
    }

    #[inline]
    pub(crate) fn has_events(&self) -> bool {
        !self.events.is_empty()
    }

    pub(crate) fn close(&mut self) {
        self.current = None;
        for slot in &mut self.slots {
            slot.close();
        }
    }

    /// Closes the current socket, whose stream is out of step, and lets its
    /// retry policy bring it back.
    pub(crate) fn reset(&mut self, reason: ResetReason, now: Instant) {
        let Some(slot) = self
            .current
            .take()
            .and_then(|index| self.slots.get_mut(index))
        else {
            return;
        };
        slot.reset(reason, now, &mut self.events);
        self.check_give_up();
    }

    /// The live slots among the first `limit`, and the `n`-th of them.
    pub(crate) fn nth_up(&self, limit: usize, random: u64) -> Option<usize> {
        let live = self.slots.iter().take(limit).filter(|s| s.is_up()).count();
        let live = u64::try_from(live).ok().filter(|n| *n > 0)?;
        let n = usize::try_from(random % live).ok()?;
        self.slots
            .iter()
            .take(limit)
            .enumerate()
            .filter(|(_, s)| s.is_up())
            .nth(n)
            .map(|(index, _)| index)
    }

    fn after_io(&mut self, failed: bool) {
        if failed {
            self.current = None;
            self.check_give_up();
        }
    }

    fn check_give_up(&mut self) {
        if self.give_up_when_all_down && !self.slots.iter().any(Slot::has_socket) {
            self.close();
        }
    }

    fn not_connected(&self) -> TransportError {
        let servers: Vec<String> = self.slots.iter().map(|s| s.server().to_string()).collect();
        TransportError::NotConnected {
            servers: servers.join(","),
        }
    }
}
