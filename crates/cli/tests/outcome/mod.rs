//! One run of the `memaslap` binary against the fault server, and the
//! checks every hostile test makes of it: which error counter moved, what
//! became of the requests and connections, the exit status, and that the
//! run ended within `-t` plus the bounded drain.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use crate::common::{ERRORS, Run, memaslap};
use crate::fault_server::FaultServer;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Seconds of every run.
pub const SECONDS: f64 = 1.0;
/// How long the tool waits for replies in flight once it stops issuing.
pub const DRAIN: f64 = 2.0;
/// Start-up and shut-down of a debug build on a busy machine.
pub const SLACK: f64 = 1.0;

/// A run against a fault server and what the server did.
pub struct Outcome {
    /// The arguments of the run.
    pub args: String,
    pub run: Run,
    /// Faults the server injected.
    pub injected: u64,
    /// Connections that ended dead.
    pub dead: u64,
    /// The slowest request, in µs.
    pub max_us: u64,
}

impl Outcome {
    pub fn errors(&self) -> [u64; 5] {
        self.run.errors()
    }

    pub fn requests(&self) -> [u64; 4] {
        self.run.requests()
    }

    /// `name` counts exactly the faults injected, at least `min` of them,
    /// and no other error counter moved.
    pub fn only(&self, name: &str, min: u64) {
        assert!(self.injected >= min, "injected {}\n{}", self.injected, self);
        for (counter, value) in ERRORS.iter().zip(self.errors()) {
            let want = if *counter == name { self.injected } else { 0 };
            assert_eq!(value, want, "{counter}\n{self}");
        }
    }

    /// Requests completed far outnumber the faults: the other requests and
    /// connections kept working.
    pub fn kept_working(&self) {
        let [_, completed, _, _] = self.requests();
        assert!(completed >= 20 * self.injected.max(1), "{self}");
    }

    pub fn code(&self, code: i32) {
        assert_eq!(code, self.run.code, "exit status\n{self}");
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "memaslap {}\ninjected {} dead {}\nstdout:\n{}\nstderr:\n{}",
            self.args, self.injected, self.dead, self.run.stdout, self.run.stderr
        )
    }
}

/// Runs `-t 1s -c 4 -X 200` (binary with `-B`) plus `extra` against
/// `server`, and checks that the run ended within its time bound.
pub fn hostile(server: &FaultServer, binary: bool, extra: &[&str]) -> Outcome {
    static RUNS: AtomicUsize = AtomicUsize::new(0);
    let json = std::env::temp_dir().join(format!(
        "memaslap-hostile-{}-{}.json",
        std::process::id(),
        RUNS.fetch_add(1, Ordering::SeqCst)
    ));
    let addr = server.addr();
    let time = format!("{SECONDS}s");
    let mut args = vec![
        "-s",
        &addr,
        "-t",
        &time,
        "-c",
        "4",
        "-X",
        "200",
        "--seed",
        "7",
        "--json",
        json.to_str().unwrap(),
    ];
    if binary {
        args.push("-B");
    }
    args.extend_from_slice(extra);
    let run = memaslap(&args);
    let (_, secs) = run.ops_and_seconds();
    assert!(
        secs <= SECONDS + DRAIN + SLACK,
        "ran {secs}s\n{}",
        run.stdout
    );
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    std::fs::remove_file(&json).unwrap();
    Outcome {
        args: args.join(" "),
        run,
        injected: server.injected(),
        dead: doc["connections"]["dead"].as_u64().unwrap(),
        max_us: doc["latency"]["total"]["max_us"].as_f64().unwrap() as u64,
    }
}
