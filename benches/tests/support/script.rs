//! Runs one of the repository's scripts as a user would, for the tests of
//! what it accepts, or one function of benches/common.sh.

// Each test crate reads the parts of the outcome it checks.
#![allow(dead_code, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

/// What a script did with some arguments.
pub struct Outcome {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs `bash SCRIPT ARGS...`, SCRIPT a path from the repository's root.
pub fn run(script: &str, args: &[&str]) -> Outcome {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(script);
    let out = Command::new("bash")
        .arg(path)
        .args(args)
        .output()
        .expect("run bash");
    Outcome {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs `bash SCRIPT ARGS...` and checks that it refused them: exit 2,
/// its standard error saying `says`. Returns that standard error.
pub fn assert_refused(script: &str, args: &[&str], says: &str) -> String {
    let out = run(script, args);
    assert_eq!(out.code, Some(2), "{args:?}: {}", out.stderr);
    assert!(out.stderr.contains(says), "{args:?}: {}", out.stderr);
    out.stderr
}

/// `bash -c` sourcing benches/common.sh, then running `body`: the
/// caller's arguments (added with `.arg`) are `$2` and on in `body` (`$1`
/// is common.sh), and its environment and standard input are the
/// caller's to set.
pub fn common(body: &str) -> Command {
    let mut cmd = Command::new("bash");
    cmd.arg("-c")
        .arg(format!(r#"source "$1"; {body}"#))
        .arg("bash")
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("common.sh"));
    cmd
}
