//! A socket registered in a poller. This is the only place that adds a
//! socket to a poller and the only place that removes one: dropping a
//! [`Registered`] deletes the socket from the poller, then closes it.
//!
//! On Linux the socket is registered with `epoll_ctl` on the poller's own
//! descriptor (as `polling` would, plus `EPOLLRDHUP`), so that an event
//! tells when the peer has closed its side. That lets a stream socket treat
//! a short read as having drained it: more data, or the end of the stream
//! arriving later, makes a new edge; an end that had already arrived is in
//! the event, and then reads go on until they meet it.

use std::io;
use std::sync::Arc;

use polling::{Event, PollMode, Poller};
use socket2::Socket;

use crate::sock;

/// How sockets are registered: once, edge-triggered.
///
/// Measured with `examples/readiness.rs` against oneshot mode (a `modify`
/// per request, `polling`'s default) and level-triggered mode; see the crate
/// documentation for the figures. Oneshot costs one more system call per
/// request; level and edge cost the same, and edge needs a `modify` only
/// when the interest changes (a TCP socket's writable events, around a
/// partial write).
pub(crate) const MODE: PollMode = PollMode::Edge;

/// A socket owned together with the poller it is registered in.
#[derive(Debug)]
pub(crate) struct Registered {
    socket: Socket,
    poller: Arc<Poller>,
    /// The key the socket is registered under.
    key: usize,
    /// Whether the interest includes writable events.
    writable: bool,
    /// A read came back short since the last readable event: the socket
    /// had nothing more then, and a new edge comes with anything later.
    dry: bool,
    /// An event said the peer closed (or the socket failed): reads go on
    /// until they meet the end, whatever their length.
    ending: bool,
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
        unsafe { add(poller, &socket, Event::all(key))? };
        Ok(Registered::owning(poller, socket, key, true))
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
        unsafe { add(poller, &socket, Event::readable(key))? };
        Ok(Registered::owning(poller, socket, key, false))
    }

    fn owning(poller: &Arc<Poller>, socket: Socket, key: usize, writable: bool) -> Registered {
        Registered {
            socket,
            poller: Arc::clone(poller),
            key,
            writable,
            dry: false,
            ending: false,
        }
    }

    /// Changes the interest to readable and, when `writable`, writable
    /// events (one `epoll_ctl`, none when it already is so). A socket asks
    /// for writable events only while it waits for room: a socket that is
    /// always writable and registered for them is reported after every
    /// wake-up of its own, also one whose data an earlier read already took,
    /// where a socket watched for reading alone is then left out of the wait.
    pub(crate) fn watch_writable(&mut self, writable: bool) -> io::Result<()> {
        if self.writable == writable {
            return Ok(());
        }
        let event = if writable {
            Event::all(self.key)
        } else {
            Event::readable(self.key)
        };
        modify(&self.poller, &self.socket, event)?;
        self.writable = writable;
        Ok(())
    }

    /// Takes note of an event for this socket: a readable one means there
    /// may be something to read again.
    pub(crate) fn saw(&mut self, event: &Event) {
        if event.readable {
            self.dry = false;
        }
        if event.is_interrupt() {
            self.ending = true;
        }
    }

    /// Reads from a stream socket into `buf` as [`sock::try_recv`] does,
    /// but answers `None` (nothing to read) without a system call once a
    /// short read has drained the socket and no readable event came since.
    /// Only where events report the peer's close (Linux); elsewhere every
    /// read is made.
    pub(crate) fn recv(&mut self, buf: &mut [u8]) -> io::Result<Option<usize>> {
        if self.dry {
            return Ok(None);
        }
        let Some(n) = sock::try_recv(&self.socket, buf)? else {
            return Ok(None);
        };
        self.dry = SHORT_READ_DRAINS && n > 0 && n < buf.len() && !self.ending;
        Ok(Some(n))
    }

    /// Whether [`Self::recv`] would answer `None` without a system call.
    pub(crate) fn is_dry(&self) -> bool {
        self.dry
    }

    /// The socket.
    pub(crate) fn socket(&self) -> &Socket {
        &self.socket
    }
}

/// Whether a short read may be taken as a drained socket: only where the
/// events carry the peer's close.
const SHORT_READ_DRAINS: bool = cfg!(target_os = "linux");

/// Adds `socket` to `poller` for `event`'s interest, edge-triggered, and on
/// Linux for the peer's close too.
///
/// # Safety
/// As `Poller::add`: the socket must be deleted from the poller before it
/// is closed.
#[cfg(target_os = "linux")]
unsafe fn add(poller: &Poller, socket: &Socket, event: Event) -> io::Result<()> {
    ctl(poller, libc::EPOLL_CTL_ADD, socket, event)
}

#[cfg(target_os = "linux")]
fn modify(poller: &Poller, socket: &Socket, event: Event) -> io::Result<()> {
    ctl(poller, libc::EPOLL_CTL_MOD, socket, event)
}

/// One `epoll_ctl` on the poller's descriptor, with the key as the event's
/// data as `polling` does (`wait` relies on it).
#[cfg(target_os = "linux")]
fn ctl(poller: &Poller, op: libc::c_int, socket: &Socket, event: Event) -> io::Result<()> {
    use std::os::fd::{AsFd, AsRawFd};
    let mut flags = libc::EPOLLRDHUP;
    if MODE == PollMode::Edge {
        flags |= libc::EPOLLET;
    }
    if event.readable {
        flags |= libc::EPOLLIN;
    }
    if event.writable {
        flags |= libc::EPOLLOUT;
    }
    let mut raw = libc::epoll_event {
        events: flags as u32,
        u64: event.key as u64,
    };
    // SAFETY: both descriptors are open for the call (borrowed from their
    // owners), and `raw` is a live epoll_event the kernel only reads.
    let r =
        unsafe { libc::epoll_ctl(poller.as_fd().as_raw_fd(), op, socket.as_raw_fd(), &mut raw) };
    if r < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
unsafe fn add(poller: &Poller, socket: &Socket, event: Event) -> io::Result<()> {
    // SAFETY: passed on from the caller.
    unsafe { poller.add_with_mode(socket, event, MODE) }
}

#[cfg(not(target_os = "linux"))]
fn modify(poller: &Poller, socket: &Socket, event: Event) -> io::Result<()> {
    poller.modify_with_mode(socket, event, MODE)
}

impl Drop for Registered {
    fn drop(&mut self) {
        // A failure here leaves nothing to undo: the socket is closed next,
        // which also takes it out of the kernel's interest list.
        let _ = self.poller.delete(&self.socket);
    }
}
