//! TCP: connections in one edge-triggered epoll, a batch of `depth`
//! prepared requests written with one `send`, replies read until the batch's
//! last reply ends, then the next batch.

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::time::{Duration, Instant};

use crate::args::Args;
use crate::prepare::Stream;
use crate::reply::{binary_reply_end, reply_end};
use crate::work::{Timing, Work};

/// Receive buffer per connection; a batch of replies must fit.
const BUF: usize = 64 * 1024;
/// Events taken per `epoll_wait`.
pub const EVENTS: usize = 64;

pub struct Conn {
    sock: TcpStream,
    stream: Stream,
    pos: usize,
    buf: Vec<u8>,
    filled: usize,
    /// Requests sent whose replies have not ended.
    pub waiting: usize,
    /// With `--work`: the requests made as they are sent, instead of the
    /// prepared stream.
    work: Option<Work>,
}

/// Runs for `args.time`, then waits for the replies still due. Returns the
/// number of completed requests, and with `--work` the latencies.
pub fn run(args: &Args, streams: Vec<Stream>) -> Result<(u64, Option<Timing>), String> {
    let mut timing = if args.work {
        Some(Timing::new()?)
    } else {
        None
    };
    let (ep, mut conns) = connect(args, streams)?;
    for conn in &mut conns {
        send_batch(conn, args.depth)?;
    }
    let mut events = vec![libc::epoll_event { events: 0, u64: 0 }; EVENTS];
    let deadline = Instant::now() + args.time;
    let end = reply_end_of(args);
    let mut ops = 0u64;
    loop {
        let now = Instant::now();
        let running = now < deadline;
        if over(&conns, now, deadline) {
            break;
        }
        let n = wait_ms(&ep, &mut events, Duration::from_millis(100))?;
        for ev in events.iter().take(n) {
            let key = ev.u64 as usize;
            let conn = conns.get_mut(key).ok_or("unknown epoll key")?;
            ops += on_readable(conn, running, args.depth, end, timing.as_mut())?;
        }
    }
    Ok((ops, timing))
}

/// Finds where a reply ends in `args`' protocol.
pub type ReplyEnd = fn(&[u8]) -> Result<Option<usize>, String>;

/// The end finder of `args`' protocol.
pub fn reply_end_of(args: &Args) -> ReplyEnd {
    if args.binary {
        binary_reply_end
    } else {
        reply_end
    }
}

/// Whether a run measured until `deadline` is over at `now`: every reply
/// in, or 5 s of waiting for the last ones passed.
pub fn over(conns: &[Conn], now: Instant, deadline: Instant) -> bool {
    now >= deadline
        && (conns.iter().all(|c| c.waiting == 0) || now >= deadline + Duration::from_secs(5))
}

/// Waits up to `timeout`, to the millisecond rounded up, for readiness;
/// the number of events (none when a signal interrupted the wait).
pub fn wait_ms(
    ep: &OwnedFd,
    events: &mut [libc::epoll_event],
    timeout: Duration,
) -> Result<usize, String> {
    let ms = timeout.as_nanos().div_ceil(1_000_000);
    let ms = libc::c_int::try_from(ms).unwrap_or(libc::c_int::MAX);
    // SAFETY: `events` holds `events.len()` entries the kernel may fill.
    let n = unsafe {
        libc::epoll_wait(
            ep.as_raw_fd(),
            events.as_mut_ptr(),
            events.len() as libc::c_int,
            ms,
        )
    };
    if n < 0 {
        let e = std::io::Error::last_os_error();
        if e.kind() == ErrorKind::Interrupted {
            return Ok(0);
        }
        return Err(format!("epoll_wait: {e}"));
    }
    Ok(n as usize)
}

/// A new edge-triggered epoll instance with a connection per stream in it,
/// each under its index as the key, made ready for `args`' requests.
pub fn connect(args: &Args, streams: Vec<Stream>) -> Result<(OwnedFd, Vec<Conn>), String> {
    // SAFETY: plain system call; the descriptor is owned right away.
    let ep = unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) };
    if ep < 0 {
        return Err(format!(
            "epoll_create1: {}",
            std::io::Error::last_os_error()
        ));
    }
    // SAFETY: `ep` is a new descriptor nobody else owns.
    let ep = unsafe { OwnedFd::from_raw_fd(ep) };
    let mut conns = Vec::with_capacity(streams.len());
    for (i, stream) in streams.into_iter().enumerate() {
        let sock = TcpStream::connect(args.server)
            .and_then(|s| s.set_nodelay(true).and(s.set_nonblocking(true)).map(|()| s))
            .map_err(|e| format!("connect {}: {e}", args.server))?;
        let mut ev = libc::epoll_event {
            events: (libc::EPOLLIN | libc::EPOLLET) as u32,
            u64: i as u64,
        };
        // SAFETY: both descriptors are open; `ev` outlives the call.
        if unsafe {
            libc::epoll_ctl(
                ep.as_raw_fd(),
                libc::EPOLL_CTL_ADD,
                sock.as_raw_fd(),
                &mut ev,
            )
        } < 0
        {
            return Err(format!("epoll_ctl: {}", std::io::Error::last_os_error()));
        }
        conns.push(Conn {
            sock,
            stream,
            pos: 0,
            buf: vec![0; BUF],
            filled: 0,
            waiting: 0,
            work: args
                .work
                .then(|| Work::new(i, args.keys, args.depth, args.binary)),
        });
    }
    Ok((ep, conns))
}

/// Reads what has arrived (a read that fills the buffer is followed by
/// another, as the socket is edge-triggered), counts the replies that ended,
/// and sends the next batch when the last one ended.
pub fn on_readable(
    conn: &mut Conn,
    running: bool,
    depth: usize,
    reply_end: ReplyEnd,
    mut timing: Option<&mut Timing>,
) -> Result<u64, String> {
    let mut done = 0;
    loop {
        let room = conn.buf.get_mut(conn.filled..).unwrap_or_default();
        let room_len = room.len();
        if room_len == 0 {
            return Err("a batch of replies does not fit the receive buffer".into());
        }
        let n = match conn.sock.read(room) {
            Ok(0) => return Err("memcached closed a connection".into()),
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == ErrorKind::WouldBlock => break,
            Err(e) => return Err(format!("recv: {e}")),
        };
        conn.filled += n;
        let now = conn.work.as_ref().map(|_| Instant::now());
        let mut start = 0;
        while let Some(len) = reply_end(conn.buf.get(start..conn.filled).unwrap_or_default())? {
            if conn.waiting == 0 {
                return Err("a reply to no request".into());
            }
            if let (Some(work), Some(timing), Some(now)) =
                (&mut conn.work, timing.as_deref_mut(), now)
            {
                work.reply(
                    conn.buf.get(start..start + len).unwrap_or_default(),
                    now,
                    timing,
                );
            }
            start += len;
            conn.waiting -= 1;
            done += 1;
        }
        conn.buf.copy_within(start..conn.filled, 0);
        conn.filled -= start;
        if n < room_len {
            break;
        }
    }
    if conn.waiting == 0 && running {
        send_batch(conn, depth)?;
    }
    Ok(done)
}

/// Writes the next `depth` prepared requests with one `send` (more only when
/// the socket takes part of them).
pub fn send_batch(conn: &mut Conn, depth: usize) -> Result<(), String> {
    let (range, count, next) = conn.stream.batch(conn.pos, depth);
    let mut bytes = conn.stream.bytes.get(range).unwrap_or_default();
    if let Some(work) = &mut conn.work {
        work.fill(count, Instant::now());
        bytes = &work.out;
    }
    while !bytes.is_empty() {
        match conn.sock.write(bytes) {
            Ok(n) => bytes = bytes.get(n..).unwrap_or_default(),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                std::thread::yield_now();
            }
            Err(e) => return Err(format!("send: {e}")),
        }
    }
    conn.pos = next;
    conn.waiting = count;
    Ok(())
}
