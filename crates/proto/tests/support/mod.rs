//! A private memcached for integration tests: started on a free loopback
//! port (TCP and UDP on the same number), stopped when dropped.
//!
//! A test that needs memcached fails, never skips, when it cannot be started.

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// A running memcached child process.
pub struct Memcached {
    child: Child,
    port: u16,
}

impl Memcached {
    /// Starts `memcached` from PATH with TCP and UDP on one free loopback port.
    ///
    /// Panics with a clear message when memcached is missing or never
    /// accepts connections.
    pub fn start() -> Memcached {
        Self::start_with(&[])
    }

    /// Like [`Memcached::start`], with extra command-line arguments.
    pub fn start_with(extra: &[&str]) -> Memcached {
        on_free_ports("memcached", || spawn(free_port(), extra))
    }

    /// Starts memcached on `port` (TCP and UDP), for example to restart a
    /// server that a test stopped. Retries a few times while the port is
    /// still held.
    pub fn start_on(port: u16, extra: &[&str]) -> Memcached {
        on_held_ports(&format!("memcached on port {port}"), || spawn(port, extra))
    }

    /// Every numeric line of `stats`, by name, read over a new connection.
    pub fn stats(&self) -> std::collections::HashMap<String, u64> {
        stats_of(&mut self.connect())
    }

    /// The value of one numeric line of `stats`, read over a new connection
    /// (which itself counts in `total_connections` and `curr_connections`).
    pub fn stat(&self, name: &str) -> u64 {
        let stats = self.stats();
        *stats
            .get(name)
            .unwrap_or_else(|| panic!("no numeric stat {name} in {stats:?}"))
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The TCP (and UDP) port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from(([127, 0, 0, 1], self.port))
    }

    /// Everything the server writes to its standard error from now until
    /// it stops (with `-vv`, every command it reads), collected by a thread
    /// so that the pipe never fills; join the handle after dropping the
    /// server.
    pub fn log(&mut self) -> thread::JoinHandle<String> {
        let pipe = self.child.stderr.take();
        thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_string(&mut text);
            }
            text
        })
    }

    /// A blocking TCP connection with generous timeouts.
    pub fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr()).expect("connect to memcached");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }

    /// The keys the server holds, from `lru_crawler metadump all`
    /// (URL-decoded for `:`).
    pub fn keys(&self) -> Vec<String> {
        let mut stream = self.connect();
        stream
            .write_all(b"lru_crawler metadump all\r\n")
            .expect("ask for a metadump");
        let mut dump = Vec::new();
        let mut chunk = [0u8; 65536];
        while !dump.ends_with(b"END\r\n") {
            let n = stream.read(&mut chunk).expect("read the metadump");
            assert!(n > 0, "metadump ended early");
            dump.extend_from_slice(chunk.get(..n).unwrap_or_default());
        }
        String::from_utf8_lossy(&dump)
            .lines()
            .filter_map(|l| l.strip_prefix("key="))
            .filter_map(|l| l.split(' ').next())
            .map(|k| k.replace("%3A", ":"))
            .collect()
    }

    /// A UDP socket connected to the server.
    pub fn udp(&self) -> UdpSocket {
        let socket = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        socket.connect(self.addr()).expect("connect udp");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("read timeout");
        socket
    }
}

impl Drop for Memcached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts memcached on `port` and waits until it answers.
fn spawn(port: u16, extra: &[&str]) -> Result<Memcached, String> {
    let child = Command::new("memcached")
        .args(["-l", "127.0.0.1", "-p", &port.to_string()])
        .args(["-U", &port.to_string(), "-u", "root", "-t", "1", "-m", "64"])
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(e) => panic!(
            "cannot start memcached from PATH ({e}); install it (apt-get install -y memcached)"
        ),
    };
    match wait_ready(&mut child, port) {
        Ok(()) => Ok(Memcached { child, port }),
        Err(e) => {
            let _ = child.kill();
            let mut stderr = String::new();
            if let Some(mut pipe) = child.stderr.take() {
                let _ = pipe.read_to_string(&mut stderr);
            }
            let _ = child.wait();
            Err(format!("{e}; memcached said: {}", stderr.trim()))
        }
    }
}

/// The server `start` gives on the first of 20 tries that starts one, each
/// try on free ports of its own (a try fails when another test's server
/// took a port first); `what` names the server when none starts.
pub fn on_free_ports<T>(what: &str, mut start: impl FnMut() -> Result<T, String>) -> T {
    let mut last_error = String::new();
    for _ in 0..20 {
        match start() {
            Ok(server) => return server,
            Err(e) => last_error = e,
        }
    }
    panic!("{what} did not start: {last_error}");
}

/// The server `start` gives on given ports (a restart), tried 100 ms apart
/// for 10 s while the ports are still held; `what` names the server when
/// none starts.
pub fn on_held_ports<T>(what: &str, mut start: impl FnMut() -> Result<T, String>) -> T {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match start() {
            Ok(server) => return server,
            Err(e) if Instant::now() >= deadline => panic!("{what} did not start: {e}"),
            Err(_) => thread::sleep(Duration::from_millis(100)),
        }
    }
}

/// A loopback port that is free for TCP and UDP at the time of the call.
pub fn free_port() -> u16 {
    loop {
        let tcp = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
        let port = tcp.local_addr().expect("local addr").port();
        if UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
}

/// Waits until memcached answers `version` over TCP, or gives up.
fn wait_ready(child: &mut Child, port: u16) -> Result<(), String> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("memcached exited with {status}"));
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let mut reply = [0u8; 64];
            if stream.write_all(b"version\r\n").is_ok()
                && matches!(stream.read(&mut reply), Ok(n) if reply[..n].starts_with(b"VERSION "))
            {
                return if listens(child.id(), port) {
                    Ok(())
                } else {
                    Err(format!("port {port} is held by another process"))
                };
            }
        }
        if Instant::now() > deadline {
            return Err(format!("no answer on port {port} after 10 s"));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

/// Whether process `pid` holds the socket listening on loopback TCP
/// `port`. Two tests may be handed the same free port; the second's
/// memcached then fails to bind it, and until it has exited the first's
/// answers on it. The kernel's tables tell them apart without speaking to
/// the server, so this holds for servers that ask for a login first too.
pub fn listens(pid: u32, port: u16) -> bool {
    let local = format!("0100007F:{port:04X}");
    let Ok(table) = std::fs::read_to_string(format!("/proc/{pid}/net/tcp")) else {
        return false;
    };
    let sockets: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let listening = fields.get(1) == Some(&local.as_str()) && fields.get(3) == Some(&"0A");
            listening
                .then(|| fields.get(9).map(|inode| format!("socket:[{inode}]")))
                .flatten()
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .is_ok_and(|link| sockets.iter().any(|s| link.as_os_str() == s.as_str()))
    })
}

/// Every numeric line of `stats`, by name, asked for and read on `conn`
/// (a text-protocol connection, already logged in where the server asks).
pub fn stats_of(conn: &mut TcpStream) -> std::collections::HashMap<String, u64> {
    let text = stats_text(conn).unwrap_or_else(|e| panic!("{e}"));
    numeric_stats(&text)
}

/// The reply to `stats` on `conn`, through its `END`; an error when the
/// connection fails or closes first, or the server refuses the command.
fn stats_text(conn: &mut TcpStream) -> Result<String, String> {
    conn.write_all(b"stats\r\n")
        .map_err(|e| format!("send stats: {e}"))?;
    let mut text = String::new();
    let mut buf = [0u8; 4096];
    while !text.ends_with("END\r\n") {
        let n = conn
            .read(&mut buf)
            .map_err(|e| format!("read stats: {e}"))?;
        if n == 0 {
            return Err(format!("memcached closed the stats connection: {text}"));
        }
        text.push_str(&String::from_utf8_lossy(&buf[..n]));
        if text.starts_with("ERROR") || text.starts_with("CLIENT_ERROR") {
            return Err(format!("memcached refused stats: {text}"));
        }
    }
    Ok(text)
}

/// The numeric `STAT` lines of a `stats` reply, by name.
fn numeric_stats(text: &str) -> std::collections::HashMap<String, u64> {
    text.lines()
        .filter_map(|line| {
            let mut parts = line.split(' ');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("STAT"), Some(name), Some(value)) => {
                    value.parse().ok().map(|v| (name.to_string(), v))
                }
                _ => None,
            }
        })
        .collect()
}
