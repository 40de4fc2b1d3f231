//! Batched datagram I/O on a connected socket: `sendmmsg` and `recvmmsg`
//! on Linux, one call per datagram elsewhere. This is the only unsafe code
//! of the shared UDP socket. The message headers live in a [`Headers`] the
//! hub keeps, made once: a call points only the entries it uses at its
//! buffers instead of building [`BATCH`] headers anew (5 KiB zeroed and
//! filled a call, most of a call's user-space cost when it moves a
//! datagram or two).

use std::io;

use socket2::Socket;

/// The most datagrams one call sends or receives.
pub(crate) const BATCH: usize = 64;

/// The message headers and iovecs of one `sendmmsg` or `recvmmsg` call,
/// kept from call to call. Their pointers are set by each call from the
/// buffers it borrows, and read only by the kernel during that call.
#[cfg(target_os = "linux")]
pub(crate) struct Headers {
    iov: [libc::iovec; BATCH],
    msgs: [libc::mmsghdr; BATCH],
}

/// Nothing to keep where each datagram takes a call of its own.
#[cfg(not(target_os = "linux"))]
pub(crate) struct Headers;

// SAFETY: the raw pointers in a `Headers` are written by `send` and `recv`
// just before their system call, from buffers borrowed for that call, and
// only the kernel reads through them, during that call; between calls they
// are stale values nothing dereferences. Moving the headers to another
// thread shares nothing.
#[cfg(target_os = "linux")]
unsafe impl Send for Headers {}

impl std::fmt::Debug for Headers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Headers")
    }
}

impl Headers {
    /// Headers with no buffers, no address and no control data.
    #[cfg(target_os = "linux")]
    pub(crate) fn new() -> Box<Headers> {
        Box::new(Headers {
            iov: [libc::iovec {
                iov_base: std::ptr::null_mut(),
                iov_len: 0,
            }; BATCH],
            msgs: [empty_message(); BATCH],
        })
    }

    /// Nothing to keep.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn new() -> Box<Headers> {
        Box::new(Headers)
    }

    /// Points header `k` at iovec `k` and that iovec at `buf`.
    #[cfg(target_os = "linux")]
    #[inline]
    fn set(&mut self, k: usize, buf: *mut libc::c_void, len: usize) {
        if let (Some(v), Some(m)) = (self.iov.get_mut(k), self.msgs.get_mut(k)) {
            v.iov_base = buf;
            v.iov_len = len;
            m.msg_hdr.msg_iov = v;
            m.msg_hdr.msg_iovlen = 1;
        }
    }
}

/// Sends the first [`BATCH`] of `datagrams`, each as one datagram, in
/// order, through `headers`. Returns how many went out (fewer when the
/// send buffer filled); an error means the first one did not.
#[cfg(target_os = "linux")]
pub(crate) fn send(
    socket: &Socket,
    headers: &mut Headers,
    datagrams: &[&[u8]],
) -> io::Result<usize> {
    use std::os::fd::AsRawFd;

    let datagrams = datagrams
        .get(..datagrams.len().min(BATCH))
        .unwrap_or_default();
    if datagrams.is_empty() {
        return Ok(0);
    }
    for (k, datagram) in datagrams.iter().enumerate() {
        // The kernel only reads through `iov_base` for a send.
        headers.set(k, datagram.as_ptr().cast_mut().cast(), datagram.len());
    }
    // SAFETY: the descriptor belongs to `socket`, borrowed for the call.
    // The first `datagrams.len()` (at most BATCH) headers of `headers`
    // (exclusively borrowed) were just pointed each at its own iovec, with
    // no address and no control data (as made and never changed), and
    // each iovec at a datagram borrowed for the call with its exact
    // length. The kernel writes only `msg_len` of each header.
    let n = unsafe {
        libc::sendmmsg(
            socket.as_raw_fd(),
            headers.msgs.as_mut_ptr(),
            datagrams.len() as libc::c_uint,
            libc::MSG_DONTWAIT,
        )
    };
    usize::try_from(n).map_err(|_| io::Error::last_os_error())
}

/// Receives up to [`BATCH`] datagrams through `headers`, datagram `k` into
/// the `k`-th chunk of `room` bytes of `inbox`, its length into `lens[k]`.
/// Returns how many arrived; fewer than asked means the socket had no
/// more. `io::ErrorKind::WouldBlock` when none is there. With `wait`, on a
/// blocking socket, the call first waits for one datagram, as long as the
/// socket's receive timeout allows.
#[cfg(target_os = "linux")]
pub(crate) fn recv(
    socket: &Socket,
    headers: &mut Headers,
    inbox: &mut [u8],
    room: usize,
    lens: &mut [usize; BATCH],
    wait: bool,
) -> io::Result<usize> {
    use std::os::fd::AsRawFd;

    let mut count = 0;
    for (k, chunk) in inbox.chunks_exact_mut(room.max(1)).take(BATCH).enumerate() {
        headers.set(k, chunk.as_mut_ptr().cast(), chunk.len());
        count += 1;
    }
    if count == 0 {
        return Ok(0);
    }
    let flags = if wait {
        libc::MSG_WAITFORONE
    } else {
        libc::MSG_DONTWAIT
    };
    // SAFETY: the descriptor belongs to `socket`, borrowed for the call.
    // The first `count` (at most BATCH) headers of `headers` (exclusively
    // borrowed) were just pointed each at its own iovec, with no address
    // and no control buffer (as made and never changed), and each iovec at
    // its own disjoint chunk of `inbox` (mutably borrowed for the call)
    // with that chunk's length, so the kernel writes only inside `inbox`
    // and into the headers' `msg_len` and `msg_flags`. The timeout is
    // null: a wait is bounded by the socket's receive timeout.
    let n = unsafe {
        libc::recvmmsg(
            socket.as_raw_fd(),
            headers.msgs.as_mut_ptr(),
            count as libc::c_uint,
            flags,
            std::ptr::null_mut(),
        )
    };
    let n = usize::try_from(n).map_err(|_| io::Error::last_os_error())?;
    for (len, m) in lens.iter_mut().zip(&headers.msgs).take(n) {
        *len = m.msg_len as usize;
    }
    Ok(n)
}

/// A message header with no address, no buffers and no control data.
#[cfg(target_os = "linux")]
fn empty_message() -> libc::mmsghdr {
    // SAFETY: `mmsghdr` is a plain C struct of integers and raw pointers
    // (plus padding on some targets); all zeroes is a valid value of each
    // field: null pointers with zero lengths.
    unsafe { std::mem::zeroed() }
}

/// Sends the first [`BATCH`] of `datagrams`, one call each.
#[cfg(not(target_os = "linux"))]
pub(crate) fn send(
    socket: &Socket,
    _headers: &mut Headers,
    datagrams: &[&[u8]],
) -> io::Result<usize> {
    let mut sent = 0;
    for datagram in datagrams.iter().take(BATCH) {
        match socket.send(datagram) {
            Ok(_) => sent += 1,
            Err(e) if sent == 0 => return Err(e),
            Err(_) => break,
        }
    }
    Ok(sent)
}

/// Receives up to [`BATCH`] datagrams, one call each (the socket stays
/// non-blocking there, so `wait` does not wait).
#[cfg(not(target_os = "linux"))]
pub(crate) fn recv(
    socket: &Socket,
    _headers: &mut Headers,
    inbox: &mut [u8],
    room: usize,
    lens: &mut [usize; BATCH],
    _wait: bool,
) -> io::Result<usize> {
    let mut count = 0;
    for (chunk, len) in inbox.chunks_exact_mut(room.max(1)).zip(lens.iter_mut()) {
        match crate::sock::recv(socket, chunk) {
            Ok(n) => *len = n,
            Err(e) if count == 0 => return Err(e),
            Err(_) => break,
        }
        count += 1;
    }
    Ok(count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use socket2::{Domain, Protocol, SockAddr, Type};
    use std::net::UdpSocket;

    fn connected_pair() -> (Socket, UdpSocket) {
        let peer = UdpSocket::bind("127.0.0.1:0").unwrap();
        let socket = Socket::new(Domain::IPV4, Type::DGRAM, Some(Protocol::UDP)).unwrap();
        socket.set_nonblocking(true).unwrap();
        socket
            .bind(&SockAddr::from(
                "127.0.0.1:0".parse::<std::net::SocketAddr>().unwrap(),
            ))
            .unwrap();
        socket
            .connect(&SockAddr::from(peer.local_addr().unwrap()))
            .unwrap();
        let local = socket.local_addr().unwrap().as_socket().unwrap();
        peer.connect(local).unwrap();
        (socket, peer)
    }

    #[test]
    fn a_batch_goes_out_as_separate_datagrams_in_order() {
        let (socket, peer) = connected_pair();
        let mut headers = Headers::new();
        assert_eq!(send(&socket, &mut headers, &[]).unwrap(), 0);
        let datagrams: Vec<Vec<u8>> = (0..BATCH + 3).map(|i| vec![i as u8; i + 1]).collect();
        let slices: Vec<&[u8]> = datagrams.iter().map(Vec::as_slice).collect();
        assert_eq!(send(&socket, &mut headers, &slices).unwrap(), BATCH);
        let mut buf = [0u8; 256];
        for datagram in &datagrams[..BATCH] {
            let n = peer.recv(&mut buf).unwrap();
            assert_eq!(&buf[..n], datagram.as_slice());
        }
    }

    #[test]
    fn receives_in_batches_and_says_when_nothing_is_there() {
        let (socket, peer) = connected_pair();
        let mut headers = Headers::new();
        let room = 16;
        let mut inbox = vec![0u8; BATCH * room];
        let mut lens = [0; BATCH];
        let e = recv(&socket, &mut headers, &mut inbox, room, &mut lens, false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        for i in 0..BATCH + 2 {
            peer.send(&[i as u8; 3][..1 + i % 3]).unwrap();
        }
        // A datagram longer than its chunk is cut to the chunk.
        peer.send(&[9u8; 40]).unwrap();
        // Loopback delivers during the send: everything is queued now.
        assert_eq!(
            recv(&socket, &mut headers, &mut inbox, room, &mut lens, false).unwrap(),
            BATCH
        );
        for (i, len) in lens.iter().enumerate() {
            assert_eq!(*len, 1 + i % 3);
            assert_eq!(inbox[i * room], i as u8);
        }
        assert_eq!(
            recv(&socket, &mut headers, &mut inbox, room, &mut lens, false).unwrap(),
            3
        );
        assert_eq!(&lens[..3], &[1 + BATCH % 3, 1 + (BATCH + 1) % 3, room]);
        let e = recv(&socket, &mut headers, &mut inbox, room, &mut lens, false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_wait_on_a_blocking_socket_returns_what_came_or_times_out() {
        let (socket, peer) = connected_pair();
        let mut headers = Headers::new();
        socket.set_nonblocking(false).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(1)))
            .unwrap();
        let room = 16;
        let mut inbox = vec![0u8; BATCH * room];
        let mut lens = [0; BATCH];
        let e = recv(&socket, &mut headers, &mut inbox, room, &mut lens, true).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        peer.send(b"ab").unwrap();
        peer.send(b"cde").unwrap();
        // The wait ends with the first datagram and takes the rest at once.
        assert_eq!(
            recv(&socket, &mut headers, &mut inbox, room, &mut lens, true).unwrap(),
            2
        );
        assert_eq!(&lens[..2], &[2, 3]);
        // Without a wait a blocking socket still answers at once.
        let e = recv(&socket, &mut headers, &mut inbox, room, &mut lens, false).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::WouldBlock);
        assert_eq!(send(&socket, &mut headers, &[b"x"]).unwrap(), 1);
    }

    #[test]
    fn kept_headers_serve_a_smaller_call_after_a_larger() {
        let (socket, peer) = connected_pair();
        let mut headers = Headers::new();
        let many: Vec<Vec<u8>> = (0..BATCH).map(|i| vec![i as u8; 8]).collect();
        let slices: Vec<&[u8]> = many.iter().map(Vec::as_slice).collect();
        assert_eq!(send(&socket, &mut headers, &slices).unwrap(), BATCH);
        assert_eq!(send(&socket, &mut headers, &[b"ab", b"c"]).unwrap(), 2);
        let mut buf = [0u8; 64];
        for _ in 0..BATCH {
            assert_eq!(peer.recv(&mut buf).unwrap(), 8);
        }
        assert_eq!(peer.recv(&mut buf).unwrap(), 2);
        assert_eq!(&buf[..2], b"ab");
        assert_eq!(peer.recv(&mut buf).unwrap(), 1);
        // The receive side after the send side, then with larger chunks.
        peer.send(b"xyz").unwrap();
        let mut lens = [0; BATCH];
        let mut small = vec![0u8; BATCH * 4];
        assert_eq!(
            recv(&socket, &mut headers, &mut small, 4, &mut lens, false).unwrap(),
            1
        );
        assert_eq!((lens[0], &small[..3]), (3, &b"xyz"[..]));
        peer.send(&[7u8; 40]).unwrap();
        let mut large = vec![0u8; BATCH * 64];
        assert_eq!(
            recv(&socket, &mut headers, &mut large, 64, &mut lens, false).unwrap(),
            1
        );
        assert_eq!((lens[0], &large[..40]), (40, &[7u8; 40][..]));
    }
}
