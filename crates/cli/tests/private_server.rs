//! The memcached a run starts for itself when no server is given stops
//! with the run, however the run ends, SIGKILL included.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The pid of the memcached listening on `port`, from `/proc`.
fn memcached_on(port: u16) -> Option<u32> {
    let port = port.to_string();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|&b| b == 0).collect();
            let is_memcached = args.first()?.ends_with(b"memcached");
            let on_port = args
                .windows(2)
                .any(|w| matches!(w, [flag, p] if *flag == b"-p" && *p == port.as_bytes()));
            (is_memcached && on_port).then_some(pid)
        })
}

/// Whether process `pid` is gone (or a zombie waiting to be reaped).
fn gone(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit_once(") ")
            .is_some_and(|(_, rest)| rest.starts_with('Z')),
    }
}

#[test]
fn the_private_memcached_dies_with_a_killed_run() {
    let mut run = Command::new(env!("CARGO_BIN_EXE_memaslap"))
        .args(["-t", "60s", "-T", "1", "-c", "1"])
        .env_remove("MEMCACHED_SERVERS")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(run.stdout.take().unwrap());
    let mut port = None;
    for line in stdout.lines() {
        let line = line.unwrap();
        if let Some(server) = line.strip_prefix("servers: ") {
            port = server
                .rsplit_once(':')
                .and_then(|(_, p)| p.parse::<u16>().ok());
            break;
        }
    }
    let port = port.expect("the banner names the private server");
    let pid = memcached_on(port).expect("a memcached runs on the banner's port");
    run.kill().unwrap();
    run.wait().unwrap();
    // The run is gone; its memcached follows once the watchdog notices.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !gone(pid) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(gone(pid), "memcached {pid} outlived the killed run");
}
