//! Measures `polling`'s readiness modes on a loopback ping-pong: oneshot
//! registration (one `modify` per request, `polling`'s default) against
//! level- and edge-triggered registration done once per socket.
//!
//! ```text
//! cargo run --release -p memaslap-transport --example readiness -- [REQUESTS] [CONNECTIONS] [SERVER|echo] [MODES]
//! ```
//!
//! `REQUESTS` (default 1,000,000) requests are spread over `CONNECTIONS`
//! (default 1) sockets, each with one request in flight. Without `SERVER` an
//! echo peer runs in this process (one blocking thread per socket); with
//! `SERVER` (`host:port` of a memcached) every request is a `get` of a missing
//! key answered by `END`. `MODES` is a comma-separated subset of
//! `oneshot,level,edge` (all by default), for example to count system calls
//! per mode under `strace -c -f`. Every mode gets `REQUESTS` requests, in ten rounds
//! whose order rotates so that other load on the machine falls on every mode
//! alike. For each mode it prints wall-clock µs per request and the client
//! thread's CPU µs per request (from `/proc/thread-self/schedstat`, Linux
//! only), in total and for its best round.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::thread;
use std::time::{Duration, Instant};

use polling::{Event, Events, PollMode, Poller};

const REQUEST: &[u8] = b"get readiness:probe\r\n";
const MEMCACHED_REPLY: &[u8] = b"END\r\n";

/// The modes measured, in the order of the first round.
const MODES: [PollMode; 3] = [PollMode::Oneshot, PollMode::Level, PollMode::Edge];

/// Rounds per run: each round gives every mode an equal share of the
/// requests, in a rotating order, so that load from elsewhere on the machine
/// falls on every mode alike.
const ROUNDS: u64 = 10;

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let requests = number_arg(args.next(), 1_000_000)?;
    let connections = number_arg(args.next(), 1)?.max(1);
    let (addr, reply_len, peer) = match args.next().filter(|s| s != "echo") {
        Some(server) => (resolve(&server)?, MEMCACHED_REPLY.len(), "memcached"),
        None => (start_echo_peer()?, REQUEST.len(), "echo peer"),
    };
    let modes = match args.next() {
        Some(list) => list
            .split(',')
            .map(parse_mode)
            .collect::<io::Result<Vec<_>>>()?,
        None => MODES.to_vec(),
    };
    println!("{requests} requests per mode over {connections} socket(s) to {peer} at {addr}");
    let mut benches = modes
        .iter()
        .map(|mode| Bench::new(*mode, addr, connections, reply_len))
        .collect::<io::Result<Vec<_>>>()?;
    let share = (requests / ROUNDS).max(1);
    for round in 0..ROUNDS {
        for i in 0..benches.len() {
            let index = (i + round as usize) % benches.len();
            if let Some(bench) = benches.get_mut(index) {
                bench.run(share)?;
            }
        }
    }
    println!(
        "{:<8} {:>10} {:>12} {:>15} {:>15}",
        "mode", "requests", "µs/request", "cpu µs/request", "best round cpu"
    );
    for bench in &benches {
        let per = |d: Duration, n: u64| d.as_secs_f64() * 1e6 / n.max(1) as f64;
        let cpu = |d: Option<Duration>, n| {
            d.map_or_else(|| "n/a".to_owned(), |d| format!("{:.3}", per(d, n)))
        };
        println!(
            "{:<8} {:>10} {:>12.3} {:>15} {:>15}",
            format!("{:?}", bench.mode),
            bench.done,
            per(bench.wall, bench.done),
            cpu(bench.cpu, bench.done),
            cpu(bench.best_cpu, share),
        );
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

fn parse_mode(name: &str) -> io::Result<PollMode> {
    match name {
        "oneshot" => Ok(PollMode::Oneshot),
        "level" => Ok(PollMode::Level),
        "edge" => Ok(PollMode::Edge),
        _ => Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{name}: expected oneshot, level or edge"),
        )),
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

/// Time this thread has spent on a CPU, from the scheduler's statistics.
fn thread_cpu() -> Option<Duration> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    let nanos: u64 = text.split_whitespace().next()?.parse().ok()?;
    Some(Duration::from_nanos(nanos))
}

/// One mode's poller and sockets, registered once, and its running totals.
struct Bench {
    mode: PollMode,
    poller: Poller,
    streams: Vec<TcpStream>,
    received: Vec<usize>,
    reply_len: usize,
    events: Events,
    done: u64,
    wall: Duration,
    cpu: Option<Duration>,
    best_cpu: Option<Duration>,
}

impl Bench {
    fn new(
        mode: PollMode,
        addr: SocketAddr,
        connections: u64,
        reply_len: usize,
    ) -> io::Result<Bench> {
        let poller = Poller::new()?;
        let mut streams = Vec::new();
        for _ in 0..connections {
            let stream = TcpStream::connect(addr)?;
            stream.set_nodelay(true)?;
            stream.set_nonblocking(true)?;
            streams.push(stream);
        }
        for (key, stream) in streams.iter().enumerate() {
            // SAFETY: every stream is deleted from the poller in `Drop`,
            // before `streams` is dropped.
            unsafe { poller.add_with_mode(stream, Event::readable(key), mode)? };
        }
        Ok(Bench {
            mode,
            poller,
            received: vec![0; streams.len()],
            streams,
            reply_len,
            events: Events::new(),
            done: 0,
            wall: Duration::ZERO,
            cpu: Some(Duration::ZERO),
            best_cpu: None,
        })
    }

    /// `requests` ping-pongs, one in flight per socket.
    fn run(&mut self, requests: u64) -> io::Result<()> {
        let (mut sent, mut done) = (0u64, 0u64);
        let cpu_start = thread_cpu();
        let start = Instant::now();
        for stream in &self.streams {
            if sent < requests {
                send_request(stream)?;
                sent += 1;
            }
        }
        let mut buf = [0u8; 4096];
        while done < requests {
            self.events.clear();
            self.poller.wait(&mut self.events, None)?;
            for event in self.events.iter() {
                let (Some(stream), Some(got)) = (
                    self.streams.get(event.key),
                    self.received.get_mut(event.key),
                ) else {
                    continue;
                };
                while *got < self.reply_len {
                    match (&*stream).read(&mut buf) {
                        Ok(0) => return Err(io::ErrorKind::UnexpectedEof.into()),
                        Ok(n) => *got += n,
                        Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                        Err(e) => return Err(e),
                    }
                }
                if *got >= self.reply_len {
                    *got -= self.reply_len;
                    done += 1;
                    if sent < requests {
                        send_request(stream)?;
                        sent += 1;
                    }
                }
                if self.mode == PollMode::Oneshot {
                    self.poller.modify(stream, Event::readable(event.key))?;
                }
            }
        }
        self.wall += start.elapsed();
        self.done += done;
        let cpu = cpu_start
            .zip(thread_cpu())
            .map(|(a, b)| b.saturating_sub(a));
        self.cpu = self.cpu.zip(cpu).map(|(total, c)| total + c);
        self.best_cpu = match (self.best_cpu, cpu) {
            (Some(best), Some(c)) => Some(best.min(c)),
            (_, c) => c,
        };
        Ok(())
    }
}

impl Drop for Bench {
    fn drop(&mut self) {
        for stream in &self.streams {
            let _ = self.poller.delete(stream);
        }
    }
}

fn send_request(mut stream: &TcpStream) -> io::Result<()> {
    match stream.write(REQUEST)? {
        n if n == REQUEST.len() => Ok(()),
        _ => Err(io::Error::other(
            "a small request did not fit an idle socket",
        )),
    }
}
