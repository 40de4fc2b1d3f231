//! A private memcached started for the run when no server was given: found
//! on PATH, listening on a free loopback port for TCP and UDP, stopped when
//! dropped, and stopped too when this process dies without dropping it
//! (killed, even by SIGKILL).

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long memcached may take to answer its first `version`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// Runs memcached (the arguments after the script) and stops it when the
/// write end of the shell's standard input closes: this process holds it
/// and never writes to it, so it closes when the server is dropped or this
/// process ends, however it ends. The shell exits with memcached.
const WATCHDOG: &str = r#"exec 3<&0
memcached "$@" </dev/null 3<&- &
m=$!
(read -r _ <&3; kill "$m" 2>/dev/null) &
wait "$m""#;

/// A memcached child process owned by this run (under a watchdog shell).
#[derive(Debug)]
pub struct PrivateServer {
    child: Child,
    addr: SocketAddr,
}

impl PrivateServer {
    /// Starts `memcached` from PATH on a free loopback port with `threads`
    /// worker threads and room for `connections` connections.
    pub fn start(threads: u32, connections: u32) -> Result<PrivateServer, String> {
        let port = free_port().map_err(|e| format!("cannot find a free loopback port: {e}"))?;
        let mut child = Command::new("sh")
            .args(["-c", WATCHDOG, "memcached"])
            .args([
                "-l",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                &port.to_string(),
            ])
            .args(["-t", &threads.max(1).to_string(), "-m", "1024"])
            .args([
                "-c",
                &(connections.saturating_add(64)).max(1024).to_string(),
            ])
            .args(["-u", "nobody"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| not_found(&e.to_string()))?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        if let Err(e) = wait_ready(&mut child, addr) {
            drop(child.stdin.take());
            let mut said = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut said);
            }
            let status = child.wait();
            if status.is_ok_and(|s| s.code() == Some(NOT_FOUND)) {
                return Err(not_found(said.trim()));
            }
            return Err(format!(
                "the private memcached did not start: {e} {}",
                said.trim()
            ));
        }
        Ok(PrivateServer { child, addr })
    }

    /// Where the server listens (TCP and UDP).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for PrivateServer {
    /// Closes the watchdog's input, which stops memcached, and waits for
    /// the shell to exit with it.
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// The shell's exit status when the command is not found.
const NOT_FOUND: i32 = 127;

/// The error of a memcached that cannot be started from PATH.
fn not_found(why: &str) -> String {
    format!(
        "no server given (-s or MEMCACHED_SERVERS) and memcached could not be started from PATH: {why}; install it (e.g. apt-get install memcached) or pass -s host:port"
    )
}

/// A loopback port free for both TCP and UDP at the time of the call.
fn free_port() -> std::io::Result<u16> {
    for _ in 0..100 {
        let tcp = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = tcp.local_addr()?.port();
        if UdpSocket::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(port);
        }
    }
    Err(std::io::Error::other(
        "no port was free for both TCP and UDP",
    ))
}

/// Waits until the server answers `version`.
fn wait_ready(child: &mut Child, addr: SocketAddr) -> Result<(), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!("memcached exited with {status}."));
        }
        if answers_version(addr) {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("no answer on {addr} within {START_TIMEOUT:?}."));
        }
        thread::sleep(Duration::from_millis(20));
    }
}

fn answers_version(addr: SocketAddr) -> bool {
    let Ok(mut stream) = TcpStream::connect_timeout(&addr, Duration::from_millis(200)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
    let mut reply = [0u8; 64];
    stream.write_all(b"version\r\n").is_ok()
        && matches!(stream.read(&mut reply), Ok(n) if reply.get(..n).is_some_and(|r| r.starts_with(b"VERSION ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_answers_and_stops() {
        let server = PrivateServer::start(1, 16).unwrap();
        let addr = server.addr();
        assert!(answers_version(addr));
        drop(server);
        assert!(!answers_version(addr));
    }
}
