//! `--user`: SASL PLAIN against memcached `-S` with a password database
//! made here, the text protocol's auth file against memcached `-Y`, a
//! refused login named, logins again after a restart under `-R`, and the
//! password in no output.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::Run;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The SASL password (SASL PLAIN takes spaces).
const PASSWORD: &str = "correct horse 7 battery";
/// The auth file's password (memcached splits its logins at spaces).
const TEXT_PASSWORD: &str = "correct-horse-7-battery";

/// A scratch directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("memaslap-auth-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }

    fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_string()
    }

    fn path(&self, name: &str) -> String {
        self.0.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A memcached that asks for a login (`-S` or `-Y`): ready once it
/// listens, its stats read after logging in.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// memcached with `args` on a free port, another port when the one
    /// chosen turns out to be taken.
    fn start(args: &[&str], env: Option<(&str, &std::path::Path)>) -> Server {
        support::on_free_ports(&format!("memcached {args:?}"), || {
            Server::try_start(support::free_port(), args, env)
        })
    }

    /// memcached with `args` on `port` (a restart), retried while the
    /// port is still held.
    fn start_on(port: u16, args: &[&str], env: Option<(&str, &std::path::Path)>) -> Server {
        support::on_held_ports(&format!("memcached {args:?} on port {port}"), || {
            Server::try_start(port, args, env)
        })
    }

    /// memcached with `args` on `port`, once it listens there itself
    /// (rather than another test's server that took the port first).
    fn try_start(
        port: u16,
        args: &[&str],
        env: Option<(&str, &std::path::Path)>,
    ) -> Result<Server, String> {
        let mut command = Command::new("memcached");
        command
            .args(["-l", "127.0.0.1", "-p", &port.to_string()])
            .args(["-U", "0", "-u", "root", "-t", "1", "-m", "64"])
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("memcached on PATH");
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline && child.try_wait().unwrap().is_none() {
            if TcpStream::connect(("127.0.0.1", port)).is_ok() && support::listens(child.id(), port)
            {
                return Ok(Server { child, port });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = child.kill();
        let _ = child.wait();
        Err(format!(
            "it exited, or did not listen on port {port} within 10 s"
        ))
    }

    fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// `stats` in the text protocol, after the auth file login.
    fn text_stats(&self) -> HashMap<String, u64> {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        conn.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let cred = format!("alice {TEXT_PASSWORD}");
        let login = format!("set memaslap-auth 0 0 {}\r\n{cred}\r\n", cred.len());
        conn.write_all(login.as_bytes()).unwrap();
        let mut stored = [0u8; 8];
        conn.read_exact(&mut stored).unwrap();
        assert_eq!(
            &stored,
            b"STORED\r\n",
            "{}",
            String::from_utf8_lossy(&stored)
        );
        support::stats_of(&mut conn)
    }

    /// `stats` in the binary protocol, after a SASL PLAIN login.
    fn sasl_stats(&self) -> HashMap<String, u64> {
        let mut conn = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        let mut request = Vec::new();
        let value = format!("\0alice\0{PASSWORD}");
        request.extend(header(0x21, 5, 5 + value.len()));
        request.extend(b"PLAIN");
        request.extend(value.as_bytes());
        request.extend(header(0x10, 0, 0));
        conn.write_all(&request).unwrap();
        let mut stats = HashMap::new();
        loop {
            let mut head = [0u8; 24];
            conn.read_exact(&mut head).unwrap();
            let key_len = u16::from_be_bytes([head[2], head[3]]) as usize;
            let body_len = u32::from_be_bytes([head[8], head[9], head[10], head[11]]) as usize;
            let mut body = vec![0; body_len];
            conn.read_exact(&mut body).unwrap();
            assert_eq!(
                u16::from_be_bytes([head[6], head[7]]),
                0,
                "status of opcode {}",
                head[1]
            );
            if head[1] != 0x10 {
                continue;
            }
            if key_len == 0 {
                return stats;
            }
            let key = String::from_utf8_lossy(&body[..key_len]).into_owned();
            if let Ok(v) = String::from_utf8_lossy(&body[key_len..]).parse() {
                stats.insert(key, v);
            }
        }
    }
}

/// A binary request header: `opcode`, a key of `key_len`, a body of
/// `body_len`.
fn header(opcode: u8, key_len: u16, body_len: usize) -> Vec<u8> {
    let mut h = vec![0x80, opcode];
    h.extend(key_len.to_be_bytes());
    h.extend([0, 0, 0, 0]);
    h.extend((body_len as u32).to_be_bytes());
    h.extend([0; 12]);
    h
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs memaslap with `args`, and `password` in $MEMASLAP_PASSWORD.
fn run(args: &[&str], password: Option<&str>) -> Run {
    let mut command = common::command(args);
    match password {
        Some(p) => command.env("MEMASLAP_PASSWORD", p),
        None => command.env_remove("MEMASLAP_PASSWORD"),
    };
    common::run(&mut command)
}

/// Checks that no output of `run`, nor the file `json`, holds the password.
fn no_password(run: &Run, json: Option<&str>) {
    for (what, text) in [("stdout", &run.stdout), ("stderr", &run.stderr)] {
        assert!(
            !text.contains(PASSWORD),
            "the password is in {what}:\n{text}"
        );
        assert!(
            !text.contains("battery"),
            "part of the password is in {what}"
        );
    }
    if let Some(path) = json {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("battery"), "the password is in the JSON");
    }
}

#[test]
fn sasl_plain_logs_in_and_a_wrong_password_is_refused() {
    if Command::new("saslpasswd2").arg("-v").output().is_err() {
        eprintln!(
            "skipped: saslpasswd2 is missing (apt-get install -y sasl2-bin libsasl2-modules; scripts/test.sh does)"
        );
        return;
    }
    let dir = Scratch::new("sasl");
    let db = dir.path("sasldb");
    let mut make = Command::new("saslpasswd2")
        .args(["-a", "memcached", "-c", "-p", "-f", &db, "alice"])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    make.stdin
        .take()
        .unwrap()
        .write_all(PASSWORD.as_bytes())
        .unwrap();
    assert!(make.wait().unwrap().success());
    dir.file(
        "memcached.conf",
        &format!("mech_list: plain\nsasldb_path: {db}\n"),
    );
    // memcached finds the database through its own SASL_CONF_PATH.
    let server = Server::start(&["-S"], Some(("SASL_CONF_PATH", &dir.0)));
    let addr = server.addr();
    let pw = dir.file("pw", &format!("{PASSWORD}\n"));
    let json = dir.path("run.json");
    let before = server.sasl_stats();
    let ok = run(
        &[
            "-s",
            &addr,
            "--protocol",
            "binary",
            "--user",
            "alice",
            "--password-file",
            &pw,
            "-t",
            "1s",
            "-c",
            "4",
            "-b",
            "--json",
            &json,
        ],
        None,
    );
    let after = server.sasl_stats();
    assert_eq!(ok.code, 0, "{}{}", ok.stdout, ok.stderr);
    assert!(
        ok.stdout.contains("auth: SASL PLAIN as alice"),
        "{}",
        ok.stdout
    );
    for name in ["cmd_get", "cmd_set", "get_misses"] {
        assert_eq!(ok.counter(name), after[name] - before[name], "{name}");
    }
    // Four connections logged in (and the stats reading after the run).
    assert_eq!(after["auth_cmds"] - before["auth_cmds"], 5);
    assert_eq!(after["auth_errors"] - before["auth_errors"], 0);
    no_password(&ok, Some(&json));
    let bad = dir.file("bad", "not the password\n");
    let refused = run(
        &[
            "-s",
            &addr,
            "--protocol",
            "binary",
            "--user",
            "alice",
            "--password-file",
            &bad,
            "-t",
            "1s",
        ],
        None,
    );
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains(&format!("login to {addr} as alice refused: Auth failure.")),
        "{}",
        refused.stderr
    );
    no_password(&refused, None);
}

#[test]
fn the_text_auth_file_logs_in_every_connection_and_again_after_a_restart() {
    let dir = Scratch::new("text");
    let users = dir.file("users", &format!("alice:{TEXT_PASSWORD}\nbob:other\n"));
    let server = Server::start(&["-Y", &users], None);
    let addr = server.addr();
    for protocol in ["ascii", "meta"] {
        let before = server.text_stats();
        let json = dir.path(&format!("{protocol}.json"));
        let ok = run(
            &[
                "-s",
                &addr,
                "--protocol",
                protocol,
                "--user",
                "alice",
                "-t",
                "1s",
                "-c",
                "4",
                "--json",
                &json,
            ],
            Some(TEXT_PASSWORD),
        );
        let after = server.text_stats();
        assert_eq!(ok.code, 0, "{protocol}: {}{}", ok.stdout, ok.stderr);
        assert!(
            ok.stdout
                .contains("auth: the text protocol's auth file scheme as alice")
        );
        // The server does not count the logins as sets.
        for name in ["cmd_get", "cmd_set", "get_misses"] {
            assert_eq!(
                ok.counter(name),
                after[name] - before[name],
                "{protocol} {name}"
            );
        }
        no_password(&ok, Some(&json));
    }
    let refused = run(
        &["-s", &addr, "--user", "alice", "-t", "1s"],
        Some("wrong-password"),
    );
    assert_eq!(refused.code, 1, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains(&format!("login to {addr} as alice refused: CLIENT_ERROR")),
        "{}",
        refused.stderr
    );
    let missing = run(&["-s", &addr, "--user", "alice", "-t", "1s"], None);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(
        missing.stderr.contains("MEMASLAP_PASSWORD"),
        "{}",
        missing.stderr
    );

    // Under -R, every connection logs in again on the restarted server.
    let port = server.port;
    let child = common::spawn(
        common::command(&["-s", &addr, "--user", "alice", "-R", "-t", "3s", "-c", "4"])
            .env("MEMASLAP_PASSWORD", TEXT_PASSWORD),
    );
    std::thread::sleep(Duration::from_millis(1000));
    drop(server);
    std::thread::sleep(Duration::from_millis(500));
    let back = Server::start_on(port, &["-Y", &users], None);
    let restarted = common::finished(child);
    restarted.check_identity();
    assert_eq!(
        restarted.code, 0,
        "{}{}",
        restarted.stdout, restarted.stderr
    );
    let reconnects = restarted
        .stdout
        .lines()
        .filter(|l| l.starts_with(&format!("Server {addr} reconnect after ")))
        .count() as u64;
    assert!(reconnects >= 4, "{}", restarted.stdout);
    assert_eq!(
        reconnects,
        restarted.error("disconnect"),
        "{}",
        restarted.stdout
    );
    let stats = back.text_stats();
    assert!(stats["cmd_get"] > 0, "the restarted server got no get");
    no_password(&restarted, None);
}
