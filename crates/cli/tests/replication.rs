//! Replication (`-p`) with reconnect (`-R`) over two servers, one of them
//! killed and started again mid-run.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

use std::process::{Command, Stdio};
use std::time::Duration;
use support::Memcached;

#[test]
fn a_killed_server_is_reported_and_comes_back() {
    let a = Memcached::start();
    let b = Memcached::start();
    let port_b = b.port();
    let servers = format!("127.0.0.1:{},127.0.0.1:{port_b}", a.port());
    let child = Command::new(env!("CARGO_BIN_EXE_memaslap"))
        .args(["-s", &servers, "-p", "1", "-R", "-c", "4", "-t", "8s"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(1));
    drop(b);
    std::thread::sleep(Duration::from_secs(1));
    let b = Memcached::start_on(port_b, &[]);
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stdout}\n{stderr}");
    let down = format!("Server 127.0.0.1:{port_b} disconnect");
    let back = format!("Server 127.0.0.1:{port_b} reconnect after ");
    assert!(stdout.contains(&down), "{stdout}");
    assert!(stdout.contains(&back), "{stdout}");
    // Traffic went on to the live server and came back to the restarted one.
    assert!(
        b.stats()["cmd_get"] > 0,
        "no gets reached the restarted server"
    );
    let requests = stdout
        .lines()
        .find(|l| l.starts_with("requests: "))
        .unwrap();
    let n: Vec<u64> = requests.split(' ').filter_map(|t| t.parse().ok()).collect();
    assert_eq!(n[0], n[1] + n[2] + n[3], "{requests}");
}
