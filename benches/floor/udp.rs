//! UDP: one socket, `conns` request slots with one request in flight each,
//! told apart by the request id of memcached's 8-byte frame header. The
//! requests ready after a pass go out with one `sendmmsg`; replies come in
//! with `recvmmsg` (blocking until the first, then whatever is queued).

use std::io::ErrorKind;
use std::net::UdpSocket;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use crate::args::Args;
use crate::prepare::Stream;
use crate::reply::reply_end;

/// Datagrams taken per `recvmmsg`.
const BATCH: usize = 64;
/// memcached's UDP frame header.
const HEADER: usize = 8;
/// Room for one reply datagram (memcached sends at most 1400 bytes).
const DATAGRAM: usize = 2048;
/// Silence after which every request in flight is taken as lost and resent.
const LOSS_TIMEOUT: Duration = Duration::from_millis(100);

struct Slot {
    stream: Stream,
    pos: usize,
    id: u16,
    waiting: bool,
}

/// What a UDP run did.
pub struct Outcome {
    /// Completed requests.
    pub ops: u64,
    /// Requests given up after `LOSS_TIMEOUT` of silence (and resent).
    pub lost: u64,
}

/// Runs for `args.time`, then waits for the replies still due.
pub fn run(args: &Args, streams: Vec<Stream>) -> Result<Outcome, String> {
    let any = if args.server.is_ipv4() {
        "0.0.0.0:0"
    } else {
        "[::]:0"
    };
    let sock = UdpSocket::bind(any)
        .and_then(|s| s.connect(args.server).map(|()| s))
        .and_then(|s| s.set_read_timeout(Some(LOSS_TIMEOUT)).map(|()| s))
        .map_err(|e| format!("udp {}: {e}", args.server))?;
    socket2::SockRef::from(&sock)
        .set_recv_buffer_size(args.conns * DATAGRAM * 2)
        .map_err(|e| format!("SO_RCVBUF: {e}"))?;
    let n = streams.len();
    // Ids of slot i are i, i + n, i + 2n, ... below `ids`.
    let ids = (65_536 / n * n) as u32;
    let mut slots: Vec<Slot> = streams
        .into_iter()
        .zip(0u16..)
        .map(|(stream, id)| Slot {
            stream,
            pos: 0,
            id,
            waiting: false,
        })
        .collect();
    let mut ready: Vec<usize> = (0..n).collect();
    let mut io = Io::new(n);
    let deadline = Instant::now() + args.time;
    let mut out = Outcome { ops: 0, lost: 0 };
    let mut running = true;
    loop {
        if running {
            io.send(sock.as_raw_fd(), &mut slots, &ready)?;
        }
        ready.clear();
        let now = Instant::now();
        running = running && now < deadline;
        if !running
            && (slots.iter().all(|s| !s.waiting) || now >= deadline + Duration::from_secs(5))
        {
            return Ok(out);
        }
        let got = io.recv(sock.as_raw_fd())?;
        if got == 0 {
            if !running {
                return Ok(out);
            }
            for (i, slot) in slots.iter_mut().enumerate().filter(|(_, s)| s.waiting) {
                out.lost += 1;
                slot.id = ((u32::from(slot.id) + n as u32) % ids) as u16;
                ready.push(i);
            }
            continue;
        }
        for datagram in io.received(got) {
            let (Some(head), Some(payload)) = (datagram.get(..HEADER), datagram.get(HEADER..))
            else {
                return Err("a datagram shorter than the frame header".into());
            };
            let id = u16::from_be_bytes([
                head.first().copied().unwrap_or(0),
                head.get(1).copied().unwrap_or(0),
            ]);
            if head.get(2..6) != Some(&[0, 0, 0, 1]) {
                return Err("a reply in several datagrams".into());
            }
            let i = usize::from(id) % n;
            let Some(slot) = slots.get_mut(i).filter(|s| s.waiting && s.id == id) else {
                continue;
            };
            if reply_end(payload)? != Some(payload.len()) {
                return Err("a datagram that is not one whole reply".into());
            }
            slot.waiting = false;
            slot.pos = slot.stream.batch(slot.pos, 1).2;
            out.ops += 1;
            ready.push(i);
        }
    }
}

/// The buffers and message headers of `sendmmsg` and `recvmmsg`, made once.
struct Io {
    send_iov: Vec<libc::iovec>,
    send_hdr: Vec<libc::mmsghdr>,
    bufs: Vec<u8>,
    recv_iov: Vec<libc::iovec>,
    recv_hdr: Vec<libc::mmsghdr>,
}

fn empty_hdr() -> libc::mmsghdr {
    // SAFETY: all-zero is a valid `mmsghdr` (null pointers, zero lengths).
    unsafe { std::mem::zeroed() }
}

impl Io {
    fn new(slots: usize) -> Io {
        let iov = libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        };
        let mut io = Io {
            send_iov: vec![iov; slots],
            send_hdr: vec![empty_hdr(); slots],
            bufs: vec![0; BATCH * DATAGRAM],
            recv_iov: vec![iov; BATCH],
            recv_hdr: vec![empty_hdr(); BATCH],
        };
        for ((iov, hdr), buf) in io
            .recv_iov
            .iter_mut()
            .zip(&mut io.recv_hdr)
            .zip(io.bufs.chunks_mut(DATAGRAM))
        {
            *iov = libc::iovec {
                iov_base: buf.as_mut_ptr().cast(),
                iov_len: DATAGRAM,
            };
            hdr.msg_hdr.msg_iov = iov;
            hdr.msg_hdr.msg_iovlen = 1;
        }
        io
    }

    /// Sends the current request of each slot in `ready`, with its id.
    fn send(&mut self, fd: i32, slots: &mut [Slot], ready: &[usize]) -> Result<(), String> {
        let mut count = 0;
        for (&i, (iov, hdr)) in ready
            .iter()
            .zip(self.send_iov.iter_mut().zip(&mut self.send_hdr))
        {
            let slot = slots.get_mut(i).ok_or("unknown slot")?;
            let (range, _, _) = slot.stream.batch(slot.pos, 1);
            let bytes = slot
                .stream
                .bytes
                .get_mut(range)
                .ok_or("bad request range")?;
            if let Some(id) = bytes.get_mut(..2) {
                id.copy_from_slice(&slot.id.to_be_bytes());
            }
            if let Some(frame) = bytes.get_mut(2..HEADER) {
                frame.copy_from_slice(&[0, 0, 0, 1, 0, 0]);
            }
            *iov = libc::iovec {
                iov_base: bytes.as_mut_ptr().cast(),
                iov_len: bytes.len(),
            };
            hdr.msg_hdr.msg_iov = iov;
            hdr.msg_hdr.msg_iovlen = 1;
            slot.waiting = true;
            count += 1;
        }
        let mut sent = 0;
        while sent < count {
            let rest = self.send_hdr.get_mut(sent..count).unwrap_or_default();
            // SAFETY: each header points at an iovec of a live request buffer.
            let n = unsafe { libc::sendmmsg(fd, rest.as_mut_ptr(), rest.len() as u32, 0) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                if matches!(e.kind(), ErrorKind::Interrupted | ErrorKind::WouldBlock) {
                    continue;
                }
                return Err(format!("sendmmsg: {e}"));
            }
            sent += n as usize;
        }
        Ok(())
    }

    /// Waits for datagrams; 0 after `LOSS_TIMEOUT` of silence.
    fn recv(&mut self, fd: i32) -> Result<usize, String> {
        loop {
            // SAFETY: each header points at its own DATAGRAM-byte buffer.
            let n = unsafe {
                libc::recvmmsg(
                    fd,
                    self.recv_hdr.as_mut_ptr(),
                    BATCH as u32,
                    libc::MSG_WAITFORONE,
                    std::ptr::null_mut(),
                )
            };
            if n >= 0 {
                return Ok(n as usize);
            }
            let e = std::io::Error::last_os_error();
            match e.kind() {
                ErrorKind::Interrupted => {}
                ErrorKind::WouldBlock | ErrorKind::TimedOut => return Ok(0),
                _ => return Err(format!("recvmmsg: {e}")),
            }
        }
    }

    /// The first `n` datagrams of the last `recv`.
    fn received(&self, n: usize) -> impl Iterator<Item = &[u8]> {
        self.recv_hdr
            .iter()
            .zip(self.bufs.chunks(DATAGRAM))
            .take(n)
            .map(|(hdr, buf)| buf.get(..hdr.msg_len as usize).unwrap_or_default())
    }
}
