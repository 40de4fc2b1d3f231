//! scripts/pgo.sh refuses what it does not take before it builds anything:
//! exit 2, naming the input and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::process::Command;

/// Runs scripts/pgo.sh with `args`; its exit code and standard error.
fn pgo(args: &[&str]) -> (Option<i32>, String) {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pgo.sh");
    let out = Command::new("bash")
        .arg(script)
        .args(args)
        .output()
        .expect("run bash");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn seconds_must_be_a_whole_number_above_zero() {
    for bad in ["0", "x", "1.5", "-3", ""] {
        let (code, err) = pgo(&["--seconds", bad]);
        assert_eq!(code, Some(2), "--seconds '{bad}': {err}");
        assert!(
            err.contains("--seconds takes a whole number of seconds above 0") && err.contains(bad),
            "--seconds '{bad}': {err}"
        );
    }
    let (code, err) = pgo(&["--seconds"]);
    assert_eq!(code, Some(2), "{err}");
}

#[test]
fn an_unknown_argument_is_named() {
    let (code, err) = pgo(&["--fast"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("unknown argument: --fast"), "{err}");
}

#[test]
fn help_says_what_it_builds() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/pgo.sh");
    let out = Command::new("bash")
        .arg(script)
        .arg("--help")
        .output()
        .expect("run bash");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(
        text.contains("Usage: scripts/pgo.sh [--seconds N]"),
        "{text}"
    );
    assert!(text.contains("target/pgo/release/memaslap"), "{text}");
}
