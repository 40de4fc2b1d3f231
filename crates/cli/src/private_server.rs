//! A private memcached started for the run when no server was given: found
//! on PATH, listening on a free loopback port for TCP and UDP, stopped when
//! dropped.

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

/// How long memcached may take to answer its first `version`.
const START_TIMEOUT: Duration = Duration::from_secs(10);

/// A memcached child process owned by this run.
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
        let mut child = Command::new("memcached")
            .args(["-l", "127.0.0.1", "-p", &port.to_string(), "-U", &port.to_string()])
            .args(["-t", &threads.max(1).to_string(), "-m", "1024"])
            .args(["-c", &(connections.saturating_add(64)).max(1024).to_string()])
            .args(["-u", "nobody"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!(
                    "no server given (-s or MEMCACHED_SERVERS) and memcached could not be started from PATH: {e}; install it (e.g. apt-get install memcached) or pass -s host:port"
                )
            })?;
        let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
        if let Err(e) = wait_ready(&mut child, addr) {
            let _ = child.kill();
            let mut said = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = stderr.read_to_string(&mut said);
            }
            let _ = child.wait();
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
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
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
