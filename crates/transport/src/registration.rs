//! A socket registered in a poller. This is the only place that adds a
//! socket to a poller and the only place that removes one: dropping a
//! [`Registered`] deletes the socket from the poller, then closes it.

use std::io;
use std::sync::Arc;

use polling::{Event, PollMode, Poller};
use socket2::Socket;

/// How sockets are registered: once, edge-triggered, for both directions.
///
/// Measured with `examples/readiness.rs` against oneshot mode (a `modify`
/// per request, `polling`'s default) and level-triggered mode; see the crate
/// documentation for the figures. Oneshot costs one more system call per
/// request; level and edge cost the same, and edge never needs a `modify`,
/// not even for partial writes, because the interest never changes.
pub(crate) const MODE: PollMode = PollMode::Edge;

/// A socket owned together with the poller it is registered in.
#[derive(Debug)]
pub(crate) struct Registered {
    socket: Socket,
    poller: Arc<Poller>,
}

impl Registered {
    /// Registers `socket` under `key` for readable and writable events.
    ///
    /// On failure the socket is closed (it was never registered).
    pub(crate) fn new(poller: &Arc<Poller>, socket: Socket, key: usize) -> io::Result<Registered> {
        // SAFETY: polling requires the source to be deleted from the poller
        // before it is closed. `socket` moves into the returned value, which
        // only gives it out by reference, and whose `Drop` deletes it from
        // this same poller before the socket itself is dropped (closed).
        unsafe { poller.add_with_mode(&socket, Event::all(key), MODE)? };
        Ok(Registered {
            socket,
            poller: Arc::clone(poller),
        })
    }

    /// Registers `socket` under `key` for readable events only; see
    /// [`Registered::watch_writable`].
    pub(crate) fn readable(
        poller: &Arc<Poller>,
        socket: Socket,
        key: usize,
    ) -> io::Result<Registered> {
        // SAFETY: as in `Registered::new`: the socket moves into the
        // returned value, whose `Drop` deletes it from this poller first.
        unsafe { poller.add_with_mode(&socket, Event::readable(key), MODE)? };
        Ok(Registered {
            socket,
            poller: Arc::clone(poller),
        })
    }

    /// Changes the interest of a socket registered under `key` to readable
    /// and, when `writable`, writable events (one `epoll_ctl`). A socket
    /// that sends only now and then asks for writable events only while it
    /// waits for room, instead of being woken after every send.
    pub(crate) fn watch_writable(&self, key: usize, writable: bool) -> io::Result<()> {
        let event = if writable {
            Event::all(key)
        } else {
            Event::readable(key)
        };
        self.poller.modify_with_mode(&self.socket, event, MODE)
    }

    /// The socket.
    pub(crate) fn socket(&self) -> &Socket {
        &self.socket
    }
}

impl Drop for Registered {
    fn drop(&mut self) {
        // A failure here leaves nothing to undo: the socket is closed next,
        // which also takes it out of the kernel's interest list.
        let _ = self.poller.delete(&self.socket);
    }
}
