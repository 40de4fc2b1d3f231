//! Certificates made for a test (a CA, a server's, a client's, and a CA
//! nobody trusts), and a memcached speaking TLS on one port with a
//! plaintext port beside it for reading its stats.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// PEM files in a directory of their own, removed when dropped.
pub struct Pki {
    pub dir: PathBuf,
}

impl Pki {
    /// A CA, a server certificate for `localhost` and 127.0.0.1 and a
    /// client certificate, both signed by it; and a second CA.
    pub fn new(name: &str) -> Pki {
        let dir = std::env::temp_dir().join(format!("memaslap-pki-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let (ca, ca_key) = authority("memaslap test CA");
        let (other, _) = authority("a CA nobody trusts");
        let pki = Pki { dir };
        pki.write("ca.pem", &ca.pem());
        pki.write("other-ca.pem", &other.pem());
        for (name, sans) in [
            (
                "server",
                vec!["localhost".to_string(), "127.0.0.1".to_string()],
            ),
            ("client", vec!["memaslap-client".to_string()]),
        ] {
            let key = KeyPair::generate().unwrap();
            let mut params = CertificateParams::new(sans).unwrap();
            params.distinguished_name.push(DnType::CommonName, name);
            let cert = params.signed_by(&key, &ca, &ca_key).unwrap();
            pki.write(&format!("{name}.pem"), &cert.pem());
            pki.write(&format!("{name}.key"), &key.serialize_pem());
        }
        pki
    }

    fn write(&self, name: &str, text: &str) {
        std::fs::write(self.dir.join(name), text).unwrap();
    }

    /// The path of one of the files.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn authority(name: &str) -> (rcgen::Certificate, KeyPair) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    (params.self_signed(&key).unwrap(), key)
}

/// A memcached with TLS on `port` and plaintext on `plain`.
pub struct TlsMemcached {
    child: Child,
    pub port: u16,
    pub plain: u16,
}

impl TlsMemcached {
    /// Starts memcached with the server certificate of `pki` and the
    /// `-o` settings `more` (e.g. `ssl_verify_mode=2`), on other ports
    /// when the ones chosen turn out to be taken.
    pub fn start(pki: &Pki, more: &[&str]) -> TlsMemcached {
        crate::support::on_free_ports("memcached -Z", || {
            let free = crate::support::free_port;
            Self::try_start(pki, more, free(), free())
        })
    }

    /// As [`TlsMemcached::start`], on given ports (a restart), retried
    /// while they are still held.
    pub fn start_on(pki: &Pki, more: &[&str], port: u16, plain: u16) -> TlsMemcached {
        crate::support::on_held_ports("memcached -Z", || Self::try_start(pki, more, port, plain))
    }

    /// memcached -Z on `port` and `plain`, once it answers and listens on
    /// both itself (rather than another test's server that took one first).
    fn try_start(pki: &Pki, more: &[&str], port: u16, plain: u16) -> Result<TlsMemcached, String> {
        let mut settings = vec![
            format!("ssl_chain_cert={}", pki.path("server.pem")),
            format!("ssl_key={}", pki.path("server.key")),
        ];
        settings.extend(more.iter().map(ToString::to_string));
        let mut child = Command::new("memcached")
            .args(["-Z", "-o", &settings.join(",")])
            .args(["-l", &format!("127.0.0.1:{port}")])
            .args(["-l", &format!("notls:127.0.0.1:{plain}")])
            .args(["-U", "0", "-u", "root", "-t", "2", "-m", "1024"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("memcached on PATH");
        let deadline = Instant::now() + Duration::from_secs(10);
        if answers(plain, &mut child, deadline)
            && crate::support::listens(child.id(), port)
            && crate::support::listens(child.id(), plain)
        {
            return Ok(TlsMemcached { child, port, plain });
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "it exited, did not answer on port {plain} within 10 s, or another server holds port {port} or {plain}"
        ))
    }

    /// Every numeric line of `stats`, read on the plaintext port.
    pub fn stats(&self) -> std::collections::HashMap<String, u64> {
        crate::support::stats_of(&mut TcpStream::connect(("127.0.0.1", self.plain)).unwrap())
    }

    /// `127.0.0.1:port`, the TLS address.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

/// Whether memcached answers `version` on `port` before `deadline`.
fn answers(port: u16, child: &mut Child, deadline: Instant) -> bool {
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return false;
        }
        if let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) {
            let mut reply = [0u8; 64];
            if stream.write_all(b"version\r\n").is_ok()
                && matches!(stream.read(&mut reply), Ok(n) if reply[..n].starts_with(b"VERSION "))
            {
                return true;
            }
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

impl Drop for TlsMemcached {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
