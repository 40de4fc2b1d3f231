//! Wrong data, bad input and absent servers: each is reported clearly with
//! the right exit status.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

mod common;

use common::memaslap;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

/// A text-protocol server that stores sets and answers gets, but flips one
/// byte of the first value it returns.
fn corrupting_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let store = Arc::new(Mutex::new(HashMap::<Vec<u8>, Vec<u8>>::new()));
    let corrupted = Arc::new(AtomicBool::new(false));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { return };
            let (store, corrupted) = (Arc::clone(&store), Arc::clone(&corrupted));
            std::thread::spawn(move || serve(stream, &store, &corrupted));
        }
    });
    port
}

fn serve(stream: TcpStream, store: &Mutex<HashMap<Vec<u8>, Vec<u8>>>, corrupted: &AtomicBool) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut reply = Vec::new();
        match words.first().copied() {
            Some("set") => {
                let len: usize = words[4].parse().unwrap();
                let mut data = vec![0; len + 2];
                reader.read_exact(&mut data).unwrap();
                data.truncate(len);
                store
                    .lock()
                    .unwrap()
                    .insert(words[1].as_bytes().to_vec(), data);
                reply.extend_from_slice(b"STORED\r\n");
            }
            Some("get") => {
                let store = store.lock().unwrap();
                for key in &words[1..] {
                    if let Some(value) = store.get(key.as_bytes()) {
                        let mut value = value.clone();
                        if !corrupted.swap(true, Ordering::SeqCst) {
                            value[0] ^= 0x20;
                        }
                        reply.extend_from_slice(
                            format!("VALUE {key} 0 {}\r\n", value.len()).as_bytes(),
                        );
                        reply.extend_from_slice(&value);
                        reply.extend_from_slice(b"\r\n");
                    }
                }
                reply.extend_from_slice(b"END\r\n");
            }
            _ => reply.extend_from_slice(b"ERROR\r\n"),
        }
        if writer.write_all(&reply).is_err() {
            return;
        }
    }
}

#[test]
fn a_corrupted_value_fails_verification() {
    let port = corrupting_server();
    let addr = format!("127.0.0.1:{port}");
    let run = memaslap(&["-s", &addr, "-x", "4000", "-c", "4", "-v", "1.0", "-b"]);
    assert_eq!(run.counter("verify_failed"), 1, "{}", run.stdout);
    let details: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("verify_failed: key "))
        .collect();
    assert_eq!(details.len(), 1, "{}", run.stderr);
    assert!(
        details[0].contains(" expected 1024 bytes ")
            && details[0].contains(" received 1024 bytes ")
    );
    assert_eq!(run.counter("verify_misses"), 0);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("verification failed"), "{}", run.stderr);
}

#[test]
fn bad_flags_exit_2_naming_the_input() {
    for (args, needle) in [
        (&["-t", "10x"][..], "--time"),
        (&["-v", "2"][..], "--verify"),
        (&["-w", "lots"][..], "--win_size"),
        (
            &["-s", "127.0.0.1:1", "-T", "2", "-c", "3"][..],
            "not a multiple of --threads",
        ),
        (&["-s", "no-port-here"][..], "--servers"),
        (&["-s", "127.0.0.1:1", "-p", "3"][..], "--rep_write 3"),
        (
            &["-s", "127.0.0.1:1", "-U", "-X", "4096"][..],
            "one datagram",
        ),
        (&["--no-such-flag"][..], "--no-such-flag"),
    ] {
        let run = memaslap(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        assert!(run.stderr.contains(needle), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn bad_config_files_exit_2_naming_file_and_line() {
    let dir = std::env::temp_dir().join(format!("memaslap-faults-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("bad.cfg");
    std::fs::write(&path, "key\n8 8 1\nvalue\n100 100 1\ncmd\n0 0.1\n1 0.9\n").unwrap();
    let run = memaslap(&["-s", "127.0.0.1:1", "-F", path.to_str().unwrap()]);
    assert_eq!(run.code, 2);
    assert!(run.stderr.contains("bad.cfg:2"), "{}", run.stderr);
    std::fs::remove_dir_all(&dir).unwrap();

    let run = memaslap(&["-s", "127.0.0.1:1", "-F", "/nonexistent/dist.cfg"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("/nonexistent/dist.cfg"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_absent_server_is_named_and_exits_1() {
    let (_held, port) = refusing_port();
    let addr = format!("127.0.0.1:{port}");
    let run = memaslap(&["-s", &addr, "-t", "5s"]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(run.stderr.contains(&addr), "{}", run.stderr);
    assert!(run.stderr.contains("refused"), "{}", run.stderr);
    // One error line, naming the address once; no report of zeros.
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert_eq!(run.stderr.matches(&addr).count(), 1, "{}", run.stderr);
    for zeros in ["Get Statistics", "cmd_get: ", "Latency percentiles"] {
        assert!(!run.stdout.contains(zeros), "{}", run.stdout);
    }
    assert!(run.stdout.contains("requests: sent 0 "), "{}", run.stdout);

    let run = memaslap(&["-s", "no-such-host.invalid:11211", "-t", "5s"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("no-such-host.invalid"),
        "{}",
        run.stderr
    );
}

#[test]
fn udp_to_an_absent_server_counts_every_refusal() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    let run = memaslap(&["-s", &addr, "-U", "-t", "1s", "-c", "2"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains(&addr) && run.stderr.contains("refused"),
        "{}",
        run.stderr
    );
    let [sent, completed, failed, timed_out] = run.requests();
    assert_eq!(completed, 0);
    assert_eq!(sent, failed + timed_out);
    let errors = run
        .stdout
        .lines()
        .find(|l| l.starts_with("errors: "))
        .unwrap();
    assert!(
        errors.ends_with(&format!(" disconnect {failed}")),
        "{errors}"
    );
}

#[test]
fn udp_refusals_back_off_under_retry_and_agree_with_the_outage_line() {
    let port = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr = format!("127.0.0.1:{port}");
    for threads in ["1", "2"] {
        let run = memaslap(&[
            "-s", &addr, "-U", "-R", "-t", "3s", "-c", "4", "-T", threads,
        ]);
        assert_eq!(run.code, 1, "{}", run.stderr);
        let [sent, completed, failed, timed_out] = run.requests();
        assert_eq!(completed, 0);
        // Each connection waits 100 ms, then up to 500 ms, between
        // attempts: a few dozen datagrams in 3 s, not a flood.
        assert!((4..=4 * 20).contains(&sent), "{sent} sent\n{}", run.stdout);
        assert!(failed > 4, "refused attempts are counted\n{}", run.stdout);
        // Each connection lost its server once; retries refused are no new
        // loss. The outage line accounts for every failure and timeout.
        assert_eq!(run.error("disconnect"), 4, "{}", run.stdout);
        assert_eq!(
            run.during_outages("outage: ", "disconnects"),
            4,
            "{}",
            run.stdout
        );
        assert_eq!(
            run.during_outages("outage: ", "failed"),
            failed,
            "{}",
            run.stdout
        );
        assert_eq!(
            run.during_outages("outage: ", "timed_out"),
            timed_out,
            "{}",
            run.stdout
        );
    }
}

/// A loopback port a connection to is refused, and stays refused while the
/// socket returned lives: it is bound (without `SO_REUSEADDR`, so that no
/// other test's server can take the port) and never listens.
fn refusing_port() -> (socket2::Socket, u16) {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .bind(&std::net::SocketAddr::from(([127, 0, 0, 1], 0)).into())
        .unwrap();
    let port = socket.local_addr().unwrap().as_socket().unwrap().port();
    (socket, port)
}
