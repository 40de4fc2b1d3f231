//! Running the `memaslap` binary and reading its report.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing
)]

use std::process::{Command, Output};

/// The counters of the report's `errors:` line, in its order.
pub const ERRORS: [&str; 5] = [
    "server_error",
    "client_error",
    "protocol_error",
    "timeout",
    "disconnect",
];

/// What one run of the binary printed, and its exit status.
pub struct Run {
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
    /// The exit status.
    pub code: i32,
}

impl Run {
    /// The value of a `name: N` report line.
    pub fn counter(&self, name: &str) -> u64 {
        let prefix = format!("{name}: ");
        self.stdout
            .lines()
            .find_map(|l| l.strip_prefix(&prefix))
            .unwrap_or_else(|| panic!("no `{name}:` line in:\n{}", self.stdout))
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("`{name}:` is not a number in:\n{}", self.stdout))
    }

    /// The numbers of the `requests:` accounting line: sent, completed,
    /// failed, timed out.
    pub fn requests(&self) -> [u64; 4] {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("requests: "))
            .unwrap_or_else(|| panic!("no requests line in:\n{}", self.stdout));
        let numbers: Vec<u64> = line.split(' ').filter_map(|t| t.parse().ok()).collect();
        numbers.try_into().unwrap()
    }

    /// Every counter of the `errors:` line, in [`ERRORS`] order.
    pub fn errors(&self) -> [u64; 5] {
        ERRORS.map(|name| self.error(name))
    }

    /// The value of `name` in the `errors:` line (one of [`ERRORS`]).
    pub fn error(&self, name: &str) -> u64 {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("errors: "))
            .unwrap_or_else(|| panic!("no errors line in:\n{}", self.stdout));
        let words: Vec<&str> = line.split(' ').collect();
        let at = words
            .iter()
            .position(|w| *w == name)
            .unwrap_or_else(|| panic!("no `{name}` in: {line}"));
        words[at + 1].parse().unwrap()
    }

    /// Checks that every request sent ended exactly once:
    /// sent = completed + failed + timed out.
    pub fn check_identity(&self) {
        let [sent, completed, failed, timed_out] = self.requests();
        assert_eq!(
            sent,
            completed + failed + timed_out,
            "accounting identity broken:\n{}",
            self.stdout
        );
    }

    /// The sum of `name`'s count (`failed`, `timed_out`, `disconnects`, …)
    /// over the `outage:` lines that start with `prefix`.
    pub fn during_outages(&self, prefix: &str, name: &str) -> u64 {
        self.stdout
            .lines()
            .filter(|l| l.starts_with(prefix))
            .map(|l| {
                l.split(&format!(" {name} "))
                    .nth(1)
                    .and_then(|s| s.split(' ').next())
                    .unwrap()
                    .parse::<u64>()
                    .unwrap()
            })
            .sum()
    }

    /// `Ops:` and `Run time:` of the closing line.
    pub fn ops_and_seconds(&self) -> (u64, f64) {
        let line = self
            .stdout
            .lines()
            .find(|l| l.starts_with("Run time: "))
            .unwrap_or_else(|| panic!("no Run time line in:\n{}", self.stdout));
        let words: Vec<&str> = line.split(' ').collect();
        let secs = words[2].trim_end_matches('s').parse().unwrap();
        let ops = words[4].parse().unwrap();
        (ops, secs)
    }
}

impl From<Output> for Run {
    /// What a finished binary printed, and its exit status (-1 when a
    /// signal ended it).
    fn from(output: Output) -> Run {
        Run {
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            code: output.status.code().unwrap_or(-1),
        }
    }
}

/// The binary with `args`, without `MEMCACHED_SERVERS`.
pub fn command(args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_memaslap"));
    command.args(args).env_remove("MEMCACHED_SERVERS");
    command
}

/// Runs `command` to its end. When the run printed its accounting, the
/// identity sent = completed + failed + timed out is checked.
pub fn run(command: &mut Command) -> Run {
    let run = Run::from(command.output().expect("run memaslap"));
    if run.stdout.lines().any(|l| l.starts_with("requests: ")) {
        run.check_identity();
    }
    run
}

/// Runs the binary with `args` and no `MEMCACHED_SERVERS`, checking the
/// accounting identity as [`run`] does.
pub fn memaslap(args: &[&str]) -> Run {
    run(&mut command(args))
}

/// Waits for a binary started with [`spawn`]: what it printed, and its
/// exit status.
pub fn finished(child: std::process::Child) -> Run {
    Run::from(child.wait_with_output().expect("wait for memaslap"))
}

/// Runs memaslap with `args` and `--json`, returning the report and the
/// document.
pub fn run_json(args: &[&str]) -> (Run, serde_json::Value) {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "memaslap-test-{}-{}.json",
        std::process::id(),
        RUNS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    let mut full = args.to_vec();
    full.extend_from_slice(&["--json", path.to_str().unwrap()]);
    let run = memaslap(&full);
    let doc = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    std::fs::remove_file(&path).unwrap();
    (run, doc)
}

/// Result files of instances of one run, removed when dropped.
pub struct Results {
    /// The directory they are in.
    pub dir: std::path::PathBuf,
    /// Instance `i`'s file.
    pub files: Vec<std::path::PathBuf>,
}

impl Results {
    /// Instance `i`'s document.
    pub fn doc(&self, i: usize) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(&self.files[i]).unwrap()).unwrap()
    }

    /// Every instance's document.
    pub fn docs(&self) -> Vec<serde_json::Value> {
        (0..self.files.len()).map(|i| self.doc(i)).collect()
    }

    /// A path in the directory.
    pub fn path(&self, name: &str) -> String {
        self.dir.join(name).to_str().unwrap().to_string()
    }
}

impl Drop for Results {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Runs instances `0/n` to `n-1/n` of one run with `args`, all at once,
/// each writing `--json` to its own file; each must succeed.
pub fn run_instances(n: u32, args: &[&str]) -> Results {
    static SETS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "memaslap-instances-{}-{}",
        std::process::id(),
        SETS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let files: Vec<_> = (0..n)
        .map(|i| dir.join(format!("instance-{i}.json")))
        .collect();
    let children: Vec<_> = files
        .iter()
        .enumerate()
        .map(|(i, json)| {
            spawn(
                command(args)
                    .args(["--instance", &format!("{i}/{n}")])
                    .args(["--json", json.to_str().unwrap()]),
            )
        })
        .collect();
    all_succeed(children);
    Results { dir, files }
}

/// Starts `command` with its output captured.
pub fn spawn(command: &mut Command) -> std::process::Child {
    command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

/// Runs the binary with `args`, sends it SIGINT `after` its start and
/// waits for it: what it printed, and its exit status.
pub fn interrupted(args: &[&str], after: std::time::Duration) -> Run {
    let child = spawn(&mut command(args));
    std::thread::sleep(after);
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    finished(child)
}

/// Waits for every child; each must succeed (else its output is shown).
pub fn all_succeed(children: Vec<std::process::Child>) {
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
