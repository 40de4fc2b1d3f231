//! Building sockets with `socket2`, and the non-blocking I/O calls on them.
//!
//! The I/O calls go to the kernel through `rustix` rather than libc's
//! wrappers. In a process with more than one thread (ours always has the
//! reporter and a worker) glibc makes `send`, `recv` and `sendmsg`
//! cancellation points, which costs each call two atomic updates of the
//! thread's cancellation state; under `perf` that was a tenth of a worker's
//! user time at one request in flight per connection. Nothing here is ever
//! cancelled, so the plain system call is all that is needed.

use std::io::{self, IoSlice};
use std::mem::MaybeUninit;
use std::time::Duration;

use socket2::{Domain, Protocol, Socket, Type};

use crate::{Endpoint, Retry};

/// How TCP sockets are built and brought back.
#[derive(Debug, Clone)]
pub struct TcpConfig {
    /// How long a connect may take before the next address is tried.
    pub connect_timeout: Duration,
    /// `SO_SNDBUF`, when set (the system default otherwise).
    pub send_buffer: Option<usize>,
    /// `SO_RCVBUF`, when set (the system default otherwise).
    pub recv_buffer: Option<usize>,
    /// What happens to a socket that fails (memaslap `-R` is
    /// [`Retry::RECONNECT`]). Replication retries dead sockets on its own
    /// schedule; see [`crate::Replicated`].
    pub reconnect: Retry,
    /// TLS over every socket (`--tls`), the handshake within the connect
    /// timeout; `None`: plaintext.
    pub tls: Option<std::sync::Arc<crate::TlsClient>>,
    /// A login on every socket before its first request (`--user`), and
    /// after every reconnect, within the connect timeout.
    pub login: Option<std::sync::Arc<crate::Login>>,
}

impl Default for TcpConfig {
    /// A 5 s connect timeout, system buffer sizes, no reconnect.
    fn default() -> TcpConfig {
        TcpConfig {
            connect_timeout: Duration::from_secs(5),
            send_buffer: None,
            recv_buffer: None,
            reconnect: Retry::Never,
            tls: None,
            login: None,
        }
    }
}

/// Whether a connect has finished or is in progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Connect {
    /// Connected at once.
    Done,
    /// Completion is signalled by a writable event.
    InProgress,
}

/// A non-blocking TCP socket for `addr` with memaslap's options:
/// `TCP_NODELAY`, keep-alive, linger 0 (close resets, leaving no
/// `TIME_WAIT`), `SO_REUSEADDR`.
/// A Unix domain socket gets none of the TCP options.
pub(crate) fn tcp_socket(endpoint: &Endpoint, options: &TcpConfig) -> io::Result<Socket> {
    if endpoint.is_unix() {
        let socket = Socket::new(Domain::UNIX, Type::STREAM, None)?;
        socket.set_nonblocking(true)?;
        return Ok(socket);
    }
    let socket = Socket::new(endpoint.domain(), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(true)?;
    socket.set_keepalive(true)?;
    socket.set_linger(Some(Duration::ZERO))?;
    socket.set_reuse_address(true)?;
    if let Some(size) = options.send_buffer {
        socket.set_send_buffer_size(size)?;
    }
    if let Some(size) = options.recv_buffer {
        socket.set_recv_buffer_size(size)?;
    }
    Ok(socket)
}

/// Starts connecting `socket` to `endpoint` without blocking.
pub(crate) fn start_connect(socket: &Socket, endpoint: &Endpoint) -> io::Result<Connect> {
    match socket.connect(&endpoint.sock_addr()?) {
        Ok(()) => Ok(Connect::Done),
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => Ok(Connect::InProgress),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(Connect::InProgress),
        Err(e) => Err(e),
    }
}

/// After an event on a connecting socket: `Ok(true)` when it is connected,
/// `Ok(false)` while it is still connecting, the error when it failed.
pub(crate) fn finish_connect(socket: &Socket) -> io::Result<bool> {
    if let Some(e) = socket.take_error()? {
        return Err(e);
    }
    match socket.peer_addr() {
        Ok(_) => Ok(true),
        Err(e) if e.raw_os_error() == Some(libc::ENOTCONN) => Ok(false),
        Err(e) => Err(e),
    }
}

/// The most slices handed to one `sendmsg` from a short list; a request
/// has three or four, a write of a few sets a few more.
pub(crate) const MAX_SLICES: usize = 16;

/// The most slices handed to one `sendmsg` from the long list, taken when
/// more than [`MAX_SLICES`] are left (a pipelined write of many sets: two
/// per set and one after the last).
pub(crate) const MAX_LONG_SLICES: usize = 129;

/// Writes `bufs` from byte `skip` of their concatenation with one send
/// (vectored when more than one slice is left). Returns the bytes written, 0 when nothing is left to write.
pub(crate) fn send_from(socket: &Socket, bufs: &[&[u8]], skip: usize) -> io::Result<usize> {
    // A single slice goes with `send`, which spares the kernel copying and
    // checking a message header. A write of gets alone is one slice from
    // the start, and needs no list of slices built.
    if let [one] = bufs {
        return match one.get(skip..) {
            Some(rest) if !rest.is_empty() => send(socket, rest),
            _ => Ok(0),
        };
    }
    if bufs.len() <= MAX_SLICES {
        send_listed::<MAX_SLICES>(socket, bufs, skip)
    } else {
        send_listed::<MAX_LONG_SLICES>(socket, bufs, skip)
    }
}

/// [`send_from`] with the slices left listed on an array of `N`.
fn send_listed<const N: usize>(socket: &Socket, bufs: &[&[u8]], skip: usize) -> io::Result<usize> {
    let mut slices = [IoSlice::new(&[]); N];
    let count = slices_from(bufs, skip, &mut slices);
    match slices.get(..count) {
        // What is left of a partly written set may be one slice too.
        Some([one]) => send(socket, one),
        Some(ready) if !ready.is_empty() => send_vectored(socket, ready),
        _ => Ok(0),
    }
}

/// One `send` of `buf` (`MSG_NOSIGNAL`: a closed peer is an `EPIPE`, not a
/// signal).
pub(crate) fn send(socket: &Socket, buf: &[u8]) -> io::Result<usize> {
    rustix::net::send(socket, buf, rustix::net::SendFlags::NOSIGNAL).map_err(io::Error::from)
}

/// One `sendmsg` of `slices`, in order, with no ancillary data
/// (`MSG_NOSIGNAL`).
pub(crate) fn send_vectored(socket: &Socket, slices: &[IoSlice<'_>]) -> io::Result<usize> {
    let mut control = rustix::net::SendAncillaryBuffer::default();
    rustix::net::sendmsg(
        socket,
        slices,
        &mut control,
        rustix::net::SendFlags::NOSIGNAL,
    )
    .map_err(io::Error::from)
}

/// Fills `slices` with what is left of `bufs` after its first `skip`
/// bytes (empty parts left out); returns how many it filled.
pub(crate) fn slices_from<'a, const N: usize>(
    bufs: &[&'a [u8]],
    skip: usize,
    slices: &mut [IoSlice<'a>; N],
) -> usize {
    let mut count = 0;
    let mut skip = skip;
    for buf in bufs {
        let Some(rest) = buf.get(skip..).filter(|rest| !rest.is_empty()) else {
            skip = skip.saturating_sub(buf.len());
            continue;
        };
        skip = 0;
        let Some(slot) = slices.get_mut(count) else {
            break;
        };
        *slot = IoSlice::new(rest);
        count += 1;
    }
    count
}

/// Reads into `buf`; `Ok(0)` is the end of the stream (or an empty `buf`).
pub(crate) fn recv(socket: &Socket, buf: &mut [u8]) -> io::Result<usize> {
    match rustix::net::recv(socket, buf, rustix::net::RecvFlags::empty()) {
        Ok((n, _)) => Ok(n),
        Err(e) => Err(io::Error::from(e)),
    }
}

/// Reads into `buf` as [`recv`] does, with nothing to read (the socket
/// would block) answered as `Ok(None)` instead of an error: the usual end
/// of a non-blocking read, told from the system call's error number alone.
pub(crate) fn try_recv(socket: &Socket, buf: &mut [u8]) -> io::Result<Option<usize>> {
    match rustix::net::recv(socket, buf, rustix::net::RecvFlags::empty()) {
        Ok((n, _)) => Ok(Some(n)),
        Err(rustix::io::Errno::WOULDBLOCK) => Ok(None),
        Err(e) => Err(io::Error::from(e)),
    }
}

/// Looks at the socket without consuming: `Ok(true)` when the peer closed
/// the stream, `Ok(false)` when data waits or nothing has arrived.
pub(crate) fn peer_closed(socket: &Socket) -> io::Result<bool> {
    let mut probe = [MaybeUninit::<u8>::uninit(); 1];
    match socket.peek(&mut probe) {
        Ok(n) => Ok(n == 0),
        Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};
    use std::net::{TcpListener, TcpStream};

    fn pair() -> (Socket, TcpStream) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let socket = tcp_socket(&addr.into(), &TcpConfig::default()).unwrap();
        start_connect(&socket, &addr.into()).unwrap();
        let (peer, _) = listener.accept().unwrap();
        while !finish_connect(&socket).unwrap() {
            std::thread::yield_now();
        }
        (socket, peer)
    }

    #[test]
    fn options_are_set() {
        let addr: std::net::SocketAddr = "127.0.0.1:9".parse().unwrap();
        let socket = tcp_socket(&addr.into(), &TcpConfig::default()).unwrap();
        assert!(socket.tcp_nodelay().unwrap());
        assert!(socket.keepalive().unwrap());
        assert_eq!(socket.linger().unwrap(), Some(Duration::ZERO));
        assert!(socket.reuse_address().unwrap());
        assert!(socket.nonblocking().unwrap());
    }

    #[test]
    fn send_from_skips_a_prefix_across_slices() {
        let (socket, mut peer) = pair();
        let bufs: [&[u8]; 4] = [b"set k 0 0 5\r\n", b"", b"hello", b"\r\n"];
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        for skip in 0..=total {
            let n = send_from(&socket, &bufs, skip).unwrap();
            assert_eq!(n, total - skip, "skip {skip}");
            let mut got = vec![0; n];
            peer.read_exact(&mut got).unwrap();
            assert_eq!(got, bufs.concat()[skip..], "skip {skip}");
        }
        assert_eq!(send_from(&socket, &bufs, total + 1).unwrap(), 0);
    }

    #[test]
    fn many_slices_go_out_in_one_send() {
        let (socket, mut peer) = pair();
        let parts: Vec<Vec<u8>> = (0..40u8).map(|i| vec![b'a' + i % 26; 3]).collect();
        let bufs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        assert!(bufs.len() > MAX_SLICES);
        let total: usize = bufs.iter().map(|b| b.len()).sum();
        for skip in [0, 1, 3, 50, total - 1] {
            let n = send_from(&socket, &bufs, skip).unwrap();
            assert_eq!(n, total - skip, "skip {skip}");
            let mut got = vec![0; n];
            peer.read_exact(&mut got).unwrap();
            assert_eq!(got, bufs.concat()[skip..], "skip {skip}");
        }
    }

    #[test]
    fn peer_closed_sees_data_then_eof() {
        let (socket, mut peer) = pair();
        assert!(!peer_closed(&socket).unwrap());
        peer.write_all(b"x").unwrap();
        drop(peer);
        let mut buf = [0u8; 4];
        loop {
            match recv(&socket, &mut buf) {
                Ok(n) => {
                    assert_eq!(&buf[..n], b"x");
                    break;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => std::thread::yield_now(),
                Err(e) => panic!("{e}"),
            }
        }
        while !peer_closed(&socket).unwrap() {
            std::thread::yield_now();
        }
        assert_eq!(recv(&socket, &mut buf).unwrap(), 0);
    }

    #[test]
    fn try_recv_answers_nothing_yet_then_data_then_the_end() {
        let (socket, mut peer) = pair();
        let mut buf = [0u8; 8];
        assert_eq!(try_recv(&socket, &mut buf).unwrap(), None);
        peer.write_all(b"hello").unwrap();
        let n = loop {
            match try_recv(&socket, &mut buf).unwrap() {
                Some(n) => break n,
                None => std::thread::yield_now(),
            }
        };
        assert_eq!(&buf[..n], &b"hello"[..n]);
        let mut rest = n;
        while rest < 5 {
            match try_recv(&socket, &mut buf[rest..]).unwrap() {
                Some(m) => rest += m,
                None => std::thread::yield_now(),
            }
        }
        assert_eq!(&buf[..5], b"hello");
        drop(peer);
        while !peer_closed(&socket).unwrap() {
            std::thread::yield_now();
        }
        assert_eq!(try_recv(&socket, &mut buf).unwrap(), Some(0));
    }
}
