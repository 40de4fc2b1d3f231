//! A memcached stand-in on loopback that misbehaves on purpose: it speaks
//! the text and binary protocols (detected per connection or datagram) over
//! TCP and UDP on one port (the meta commands ride on the text protocol's
//! connections, as in memcached), stores sets so that verification works, and
//! injects one [`Fault`] into the replies its [`Plan`] picks.
//!
//! Every reply that can carry the fault is numbered in arrival order across
//! all connections; the plan fires on some numbers, and
//! [`FaultServer::injected`] says how many faults went out, so that a test
//! can compare the tool's counters with what was actually done.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

mod ascii;
mod binary;
mod meta;
mod plan;
mod udp;

pub use plan::Plan;
use plan::splitmix;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// A way for a server or the network to misbehave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A well-formed reply the protocol does not have (text: an unknown
    /// word; binary: an unknown opcode).
    UnknownReply,
    /// A reply line with a bare `\n` in it (binary: an unknown data type).
    Garbled,
    /// 64 KiB without a line end (text only).
    EndlessLine,
    /// A value declared one byte shorter than the bytes sent (hits only).
    ShortLength,
    /// A value declared 3 bytes longer than the bytes sent (hits only).
    LongLength,
    /// A value declared absurdly large (hits only).
    HugeLength,
    /// A value not followed by `\r\n` (text only; hits only).
    NoTerminator,
    /// A value for a key that was not asked for (hits only; binary: a key
    /// of a multi-get, or the opaque of a single get).
    WrongKey,
    /// A value with one byte flipped (hits only).
    CorruptValue,
    /// `SERVER_ERROR out of memory` (binary: status 0x82 with its text).
    ServerError,
    /// `CLIENT_ERROR bad command line format` (binary: status 0x04).
    ClientError,
    /// `ERROR` (binary: status 0x81, unknown command).
    Error,
    /// A binary reply whose magic byte is a request's (binary only).
    BadMagic,
    /// A binary reply whose key length exceeds its body (binary only).
    BadLengths,
    /// The right reply followed by bytes nobody asked for.
    Extra,
    /// The right reply in 3-byte pieces with 2 ms between them.
    Trickle,
    /// No reply at all.
    NoReply,
    /// Half the reply, then the connection is closed.
    Close,
    /// Half the reply, then the connection is reset (RST).
    Reset,
    /// UDP: the reply in 3 datagrams, the middle one never sent.
    Lose,
    /// UDP: the reply in 3 datagrams, sent last first.
    Reorder,
    /// UDP: the reply in 3 datagrams, each sent twice.
    Duplicate,
    /// UDP: the reply first sent under another request id, then properly.
    ForeignId,
    /// Meta: a reply whose opaque is not the request's (a batch: the
    /// first hit's).
    WrongOpaque,
    /// Meta: a batch of quiet gets whose `mn` is never answered.
    MissingNoop,
    /// Meta: a batch's `MN` sent before its hits.
    EarlyNoop,
    /// Meta: a batch's first quiet get answered `EN`, a miss said out
    /// loud (quiet mode keeps misses silent).
    QuietMissAnswered,
    /// One of all the others, drawn anew for each reply the plan picks.
    Mixed,
}

impl Fault {
    /// Every single fault of the text and binary protocols ([`Fault::Mixed`]
    /// draws from these).
    pub const ALL: [Fault; 23] = [
        Fault::UnknownReply,
        Fault::Garbled,
        Fault::EndlessLine,
        Fault::ShortLength,
        Fault::LongLength,
        Fault::HugeLength,
        Fault::NoTerminator,
        Fault::WrongKey,
        Fault::CorruptValue,
        Fault::ServerError,
        Fault::ClientError,
        Fault::Error,
        Fault::BadMagic,
        Fault::BadLengths,
        Fault::Extra,
        Fault::Trickle,
        Fault::NoReply,
        Fault::Close,
        Fault::Reset,
        Fault::Lose,
        Fault::Reorder,
        Fault::Duplicate,
        Fault::ForeignId,
    ];

    /// The faults only the meta protocol has.
    pub const META: [Fault; 4] = [
        Fault::WrongOpaque,
        Fault::MissingNoop,
        Fault::EarlyNoop,
        Fault::QuietMissAnswered,
    ];

    /// Whether the fault can fall on a reply of this shape.
    fn fits(self, shape: Shape) -> bool {
        match self {
            Fault::WrongOpaque => !shape.batch || shape.hit,
            Fault::MissingNoop => shape.batch,
            Fault::EarlyNoop => shape.batch && shape.hit,
            Fault::QuietMissAnswered => shape.batch,
            other => !other.needs_hit() || shape.hit,
        }
    }

    /// Whether the fault needs a reply with a value in it.
    fn needs_hit(self) -> bool {
        matches!(
            self,
            Fault::ShortLength
                | Fault::LongLength
                | Fault::HugeLength
                | Fault::NoTerminator
                | Fault::WrongKey
                | Fault::CorruptValue
        )
    }
}

/// What a reply holds, which decides the faults it can carry.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Shape {
    /// A value.
    pub hit: bool,
    /// A batch of quiet gets closed by `MN` (meta).
    pub batch: bool,
}

/// When the TCP listener accepts connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accept {
    /// At once.
    Now,
    /// Only after this long (connections wait in the backlog meanwhile).
    After(Duration),
    /// Never (connections stay in the backlog, their requests unread).
    Never,
}

/// A reply and the fault it carries, if any.
pub(crate) struct Reply {
    /// The reply's bytes, any fault of the reply's content applied.
    pub bytes: Vec<u8>,
    /// The fault picked for this reply.
    pub fault: Option<Fault>,
}

/// A value about to go out in a text or meta reply, spoiled by a value
/// fault: the length it declares and what follows its data.
pub(crate) fn spoil_value(
    fault: Option<Fault>,
    key: &mut [u8],
    data: &mut [u8],
) -> (u64, &'static [u8]) {
    let mut declared = data.len() as u64;
    let mut terminator: &'static [u8] = b"\r\n";
    match fault {
        Some(Fault::ShortLength) => declared = declared.saturating_sub(1),
        Some(Fault::LongLength) => declared += 3,
        Some(Fault::HugeLength) => declared = 1 << 40,
        Some(Fault::NoTerminator) => terminator = b"",
        Some(Fault::WrongKey) => {
            let last = key.last_mut().unwrap();
            *last = if *last == b'z' { b'y' } else { b'z' };
        }
        Some(Fault::CorruptValue) => data[0] ^= 0x20,
        _ => {}
    }
    (declared, terminator)
}

/// Stored items: key to (flags, value).
pub(crate) type Store = HashMap<Vec<u8>, (u32, Vec<u8>)>;

/// What every connection of the server shares.
pub(crate) struct Shared {
    fault: Fault,
    plan: Plan,
    /// Replies that could carry the fault, so far.
    eligible: AtomicU64,
    /// Faults injected.
    injected: AtomicU64,
    /// Requests answered or not, of every kind.
    requests: AtomicU64,
    /// Items stored.
    pub store: Mutex<Store>,
    /// Replies are held from `.0` after the first request for `.1`.
    freeze: Option<(Duration, Duration)>,
    /// When the first request came.
    first: OnceLock<Instant>,
}

impl Shared {
    fn new(fault: Fault, plan: Plan) -> Shared {
        Shared {
            fault,
            plan,
            eligible: AtomicU64::new(0),
            injected: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            store: Mutex::new(HashMap::new()),
            freeze: None,
            first: OnceLock::new(),
        }
    }

    /// Holds a reply about to go out while the server is frozen.
    fn hold(&self) {
        let first = *self.first.get_or_init(Instant::now);
        let Some((at, length)) = self.freeze else {
            return;
        };
        let (from, until) = (first + at, first + at + length);
        let now = Instant::now();
        if now >= from && now < until {
            std::thread::sleep(until - now);
        }
    }

    /// Counts a request whose reply is about to be built, and picks the
    /// fault it carries. `hit`: the reply holds a value.
    pub fn decide(&self, hit: bool) -> Option<Fault> {
        self.decide_for(Shape {
            hit,
            ..Shape::default()
        })
    }

    /// As [`Shared::decide`], for a reply of any shape.
    pub fn decide_for(&self, shape: Shape) -> Option<Fault> {
        self.requests.fetch_add(1, Ordering::SeqCst);
        let answered = plan::answered_here();
        if !self.fault.fits(shape) {
            return None;
        }
        let n = self.eligible.fetch_add(1, Ordering::SeqCst) + 1;
        if !self.plan.fires(n, answered) {
            return None;
        }
        let fault = match self.fault {
            Fault::Mixed => Fault::ALL[(splitmix(!n) % Fault::ALL.len() as u64) as usize],
            single => single,
        };
        if !fault.fits(shape) {
            return None;
        }
        if self.plan.once() {
            // Two connections may reach a plan of one fault at once.
            self.injected
                .compare_exchange(0, 1, Ordering::SeqCst, Ordering::SeqCst)
                .ok()?;
        } else {
            self.injected.fetch_add(1, Ordering::SeqCst);
        }
        Some(fault)
    }
}

/// A running fault-injection server.
pub struct FaultServer {
    port: u16,
    shared: Arc<Shared>,
    /// Kept open when it never accepts.
    _listener: Option<TcpListener>,
}

impl FaultServer {
    /// A server on a free loopback port (TCP and UDP) injecting `fault` as
    /// `plan` says, accepting connections at once.
    pub fn start(fault: Fault, plan: Plan) -> FaultServer {
        FaultServer::start_with(fault, plan, Accept::Now)
    }

    /// A server without faults that holds every reply from `at` after the
    /// first request until `length` later (a stall: a full memory, a
    /// paused process), then answers as usual.
    pub fn start_freezing(at: Duration, length: Duration) -> FaultServer {
        let mut shared = Shared::new(Fault::NoReply, Plan::Never);
        shared.freeze = Some((at, length));
        FaultServer::start_shared(shared, Accept::Now)
    }

    /// As [`FaultServer::start`], accepting as `accept` says.
    pub fn start_with(fault: Fault, plan: Plan, accept: Accept) -> FaultServer {
        FaultServer::start_shared(Shared::new(fault, plan), accept)
    }

    fn start_shared(shared: Shared, accept: Accept) -> FaultServer {
        let (listener, udp) = bind_pair();
        let port = listener.local_addr().unwrap().port();
        let shared = Arc::new(shared);
        let for_udp = Arc::clone(&shared);
        std::thread::spawn(move || udp::serve(&udp, &for_udp));
        let kept = match accept {
            Accept::Never => Some(listener),
            Accept::Now | Accept::After(_) => {
                let delay = match accept {
                    Accept::After(d) => d,
                    _ => Duration::ZERO,
                };
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || accept_loop(&listener, delay, &shared));
                None
            }
        };
        FaultServer {
            port,
            shared,
            _listener: kept,
        }
    }

    /// The TCP and UDP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:<port>`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Faults injected so far.
    pub fn injected(&self) -> u64 {
        self.shared.injected.load(Ordering::SeqCst)
    }

    /// Requests received so far.
    pub fn requests(&self) -> u64 {
        self.shared.requests.load(Ordering::SeqCst)
    }
}

/// The server's replies without sockets: what one TCP connection receives
/// for each request in turn.
pub struct Replies {
    shared: Shared,
}

impl Replies {
    /// Replies injecting `fault` as `plan` says.
    pub fn new(fault: Fault, plan: Plan) -> Replies {
        Replies {
            shared: Shared::new(fault, plan),
        }
    }

    /// The bytes a TCP client receives for `request` (one whole request),
    /// and whether the connection stays open after them.
    pub fn answer(&self, request: &[u8], binary: bool) -> (Vec<u8>, bool) {
        let mut reader = std::io::Cursor::new(request);
        let reply = if binary {
            binary::serve(&mut reader, &self.shared)
        } else {
            ascii::serve(&mut reader, &self.shared)
        };
        let Ok(Some(reply)) = reply else {
            return (Vec::new(), false);
        };
        let bytes = reply.bytes;
        match reply.fault {
            Some(Fault::NoReply) => (Vec::new(), true),
            Some(Fault::Close | Fault::Reset) => (bytes[..bytes.len() / 2].to_vec(), false),
            _ => (bytes, true),
        }
    }
}

/// A TCP listener and a UDP socket on the same free loopback port.
fn bind_pair() -> (TcpListener, UdpSocket) {
    for _ in 0..100 {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        if let Ok(udp) = UdpSocket::bind(("127.0.0.1", port)) {
            return (listener, udp);
        }
    }
    panic!("no loopback port free for both TCP and UDP");
}

fn accept_loop(listener: &TcpListener, delay: Duration, shared: &Arc<Shared>) {
    std::thread::sleep(delay);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { return };
        let shared = Arc::clone(shared);
        std::thread::spawn(move || serve_tcp(stream, &shared));
    }
}

/// Answers one connection until it closes or a fault closes it.
fn serve_tcp(stream: TcpStream, shared: &Shared) {
    let _ = stream.set_nodelay(true);
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let binary = match reader.fill_buf() {
        Ok([first, ..]) => *first == 0x80,
        _ => return,
    };
    loop {
        let reply = if binary {
            binary::serve(&mut reader, shared)
        } else {
            ascii::serve(&mut reader, shared)
        };
        let Ok(Some(reply)) = reply else { return };
        if !deliver(&mut writer, &reply, shared) {
            return;
        }
    }
}

/// Writes `reply` as its fault says; false when the connection is over.
fn deliver(stream: &mut TcpStream, reply: &Reply, shared: &Shared) -> bool {
    shared.hold();
    let bytes = &reply.bytes;
    let half = &bytes[..bytes.len() / 2];
    match reply.fault {
        Some(Fault::NoReply) => true,
        Some(Fault::Trickle) => bytes.chunks(3).all(|piece| {
            std::thread::sleep(Duration::from_millis(2));
            stream.write_all(piece).is_ok()
        }),
        Some(Fault::Close) => {
            let _ = stream.write_all(half);
            let _ = stream.shutdown(Shutdown::Both);
            false
        }
        Some(Fault::Reset) => {
            let _ = stream.write_all(half);
            // Closing with a zero linger sends RST; both handles of the
            // socket close when the connection's thread returns.
            let _ = socket2::SockRef::from(&*stream).set_linger(Some(Duration::ZERO));
            false
        }
        _ => stream.write_all(bytes).is_ok(),
    }
}
