//! The live progress line: under a pseudo-terminal (util-linux `script`)
//! the line is rewritten in place every second; into a pipe, or with
//! `--quiet` or `-S`, there is none and no escape code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use std::process::Command;
use support::Memcached;

/// What memaslap with `args` prints on a terminal: run under `script`,
/// which gives it a pseudo-terminal and copies what it writes.
fn on_a_terminal(args: &str) -> String {
    let command = format!("{} {args}", env!("CARGO_BIN_EXE_memaslap"));
    let out = Command::new("script")
        .args(["-qefc", &command, "/dev/null"])
        .env_remove("MEMCACHED_SERVERS")
        .output()
        .expect("script (util-linux) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_progress_line_is_rewritten_on_a_terminal_only() {
    let server = Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let terminal = on_a_terminal(&format!("-s {addr} -t 3s -c 2"));
    let lines: Vec<&str> = terminal
        .split("\r\x1b[K")
        .filter(|l| l.contains(" / 3s  ") && l.contains(" ops/s  p99 "))
        .collect();
    assert!(lines.len() >= 2, "{terminal:?}");
    assert!(lines.iter().all(|l| l.contains("errors 0")), "{lines:?}");
    // Each second's busiest worker thread, as a share of the second.
    assert!(
        lines.iter().all(|l| l
            .split("  client ")
            .nth(1)
            .and_then(|p| p.split('%').next())
            .is_some_and(|p| p.parse::<u32>().is_ok())),
        "{lines:?}"
    );
    // The line is cleared before the report, which follows as on a pipe.
    assert!(terminal.contains("\r\x1b[KGet Statistics"), "{terminal:?}");
    // Paced, so that the run lasts past its first second.
    let counted = on_a_terminal(&format!("-s {addr} -x 40000 -P 20000 -c 2"));
    assert!(counted.contains(" / 40000 ops  "), "{counted:?}");

    let piped = common::memaslap(&["-s", &addr, "-t", "2s", "-c", "2"]);
    assert_eq!(piped.code, 0);
    assert!(!piped.stdout.contains('\x1b') && !piped.stdout.contains("ops/s  p99"));
    for quiet in ["--quiet", "-S 1s"] {
        let text = on_a_terminal(&format!("-s {addr} -t 2s -c 2 {quiet}"));
        assert!(!text.contains("ops/s  p99"), "{quiet}: {text:?}");
    }
}
