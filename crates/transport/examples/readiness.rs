//! Measures `polling`'s readiness modes on a loopback ping-pong: oneshot
//! registration (one `modify` per request, `polling`'s default) against
//! level- and edge-triggered registration done once per socket.
//!
//! ```text
//! cargo run --release -p memaslap-transport --example readiness -- [REQUESTS] [CONNECTIONS] [SERVER]
//! ```
//!
//! `REQUESTS` (default 1,000,000) requests are spread over `CONNECTIONS`
//! (default 1) sockets, each with one request in flight. Without `SERVER` an
//! echo peer runs in this process (one blocking thread per socket); with
//! `SERVER` (`host:port` of a memcached) every request is a `get` of a missing
//! key answered by `END`. For each mode it prints wall-clock µs per request
//! and the client thread's CPU µs per request (from
//! `/proc/thread-self/schedstat`, Linux only). The modes run in turn, twice,
//! so that warm-up and drift show.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

const REQUEST: &[u8] = b"get readiness:probe\r\n";
const MEMCACHED_REPLY: &[u8] = b"END\r\n";

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let requests = number_arg(args.next(), 1_000_000)?;
    let connections = number_arg(args.next(), 1)?.max(1);
    let (addr, reply_len, peer) = match args.next() {
        Some(server) => (resolve(&server)?, MEMCACHED_REPLY.len(), "memcached"),
        None => (start_echo_peer()?, REQUEST.len(), "echo peer"),
    };
    println!("{requests} requests over {connections} socket(s) to {peer} at {addr}");
    println!(
        "{:<8} {:>10} {:>12} {:>14}",
        "mode", "wall s", "µs/request", "cpu µs/request"
    );
    for _round in 0..2 {
        for mode in [PollMode::Oneshot, PollMode::Level, PollMode::Edge] {
            let figures = ping_pong(mode, addr, connections, requests, reply_len)?;
            let per_request = |d: Duration| d.as_secs_f64() * 1e6 / requests as f64;
            let cpu = figures
                .cpu
                .map_or_else(|| "n/a".to_owned(), |c| format!("{:.3}", per_request(c)));
            println!(
                "{:<8} {:>10.3} {:>12.3} {:>14}",
                format!("{mode:?}"),
                figures.wall.as_secs_f64(),
                per_request(figures.wall),
                cpu
            );
        }
    }
    Ok(())
}

fn number_arg(arg: Option<String>, default: u64) -> io::Result<u64> {
    match arg {
        None => Ok(default),
        Some(text) => text
            .replace(['_', ','], "")
            .parse()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, format!("{text}: {e}"))),
    }
}

fn resolve(server: &str) -> io::Result<SocketAddr> {
    server
        .to_socket_addrs()?
        .next()
        .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, format!("{server}: no address")))
}

/// Accepts sockets forever, each served by a thread that echoes every read.
fn start_echo_peer() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let _ = stream.set_nodelay(true);
            thread::spawn(move || echo(stream));
        }
    });
    Ok(addr)
}

fn echo(mut stream: TcpStream) -> io::Result<()> {
    let mut buf = [0u8; 4096];
    loop {
        let n = stream.read(&mut buf)?;
        let Some(chunk) = buf.get(..n).filter(|c| !c.is_empty()) else {
            return Ok(());
        };
        stream.write_all(chunk)?;
    }
}

struct Figures {
    wall: Duration,
    cpu: Option<Duration>,
}

/// Time this thread has spent on a CPU, from the scheduler's statistics.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

fn ping_pong(
    mode: PollMode,
    addr: SocketAddr,
    connections: u64,
    requests: u64,
    reply_len: usize,
) -> io::Result<Figures> {
    let poller = Poller::new()?;
    let mut streams = Vec::new();
    for _ in 0..connections {
        let stream = TcpStream::connect(addr)?;
        stream.set_nodelay(true)?;
        stream.set_nonblocking(true)?;
        streams.push(stream);
    }
    for (key, stream) in streams.iter().enumerate() {
        // SAFETY: every stream is deleted from the poller below, before
        // `streams` is dropped at the end of this function.
        unsafe { poller.add_with_mode(stream, Event::readable(key), mode)? };
    }
    let result = drive(&poller, mode, &streams, requests, reply_len);
    for stream in &streams {
        poller.delete(stream)?;
    }
    result
}

fn drive(
    poller: &Poller,
    mode: PollMode,
    streams: &[TcpStream],
    requests: u64,
    reply_len: usize,
) -> io::Result<Figures> {
    let mut received = vec![0usize; streams.len()];
    let (mut sent, mut done) = (0u64, 0u64);
    let cpu_start = thread_cpu();
    let start = Instant::now();
    for stream in streams {
        if sent < requests {
            send_request(stream)?;
            sent += 1;
        }
    }
    let mut events = Events::new();
    let mut buf = [0u8; 4096];
    while done < requests {
        events.clear();
        poller.wait(&mut events, None)?;
        for event in events.iter() {
            let (Some(stream), Some(got)) = (streams.get(event.key), received.get_mut(event.key))
            else {
                continue;
            };
            while *got < reply_len {
                match (&*stream).read(&mut buf) {
                    Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                    Ok(n) => *got += n,
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                    Err(e) => return Err(e),
                }
            }
            if *got >= reply_len {
                *got -= reply_len;
                done += 1;
                if sent < requests {
                    send_request(stream)?;
                    sent += 1;
                }
            }
            if mode == PollMode::Oneshot {
                poller.modify(stream, Event::readable(event.key))?;
            }
        }
    }
    let wall = start.elapsed();
    let cpu = cpu_start
        .zip(thread_cpu())
        .map(|(a, b)| b.saturating_sub(a));
    Ok(Figures { wall, cpu })
}

fn send_request(mut stream: &TcpStream) -> io::Result<()> {
    match stream.write(REQUEST)? {
        n if n == REQUEST.len() => Ok(()),
        _ => Err(io::Error::other(
            "a small request did not fit an idle socket",
        )),
    }
}
