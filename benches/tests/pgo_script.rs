//! scripts/pgo.sh refuses what it does not take before it builds anything:
//! exit 2, naming the input and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

use script::Outcome;

/// Runs scripts/pgo.sh with `args`.
fn pgo(args: &[&str]) -> Outcome {
    script::run("scripts/pgo.sh", args)
}

#[test]
fn seconds_must_be_a_whole_number_above_zero() {
    for bad in ["0", "x", "1.5", "-3", ""] {
        let stderr = script::assert_refused(
            "scripts/pgo.sh",
            &["--seconds", bad],
            "--seconds takes a whole number of seconds above 0",
        );
        assert!(stderr.contains(bad), "--seconds '{bad}': {stderr}");
    }
    let Outcome { code, stderr, .. } = pgo(&["--seconds"]);
    assert_eq!(code, Some(2), "{stderr}");
}

#[test]
fn an_unknown_argument_is_named() {
    script::assert_refused("scripts/pgo.sh", &["--fast"], "unknown argument: --fast");
}

#[test]
fn help_says_what_it_builds() {
    let Outcome { code, stdout, .. } = pgo(&["--help"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("Usage: scripts/pgo.sh [--seconds N]"),
        "{stdout}"
    );
    assert!(stdout.contains("target/pgo/release/memaslap"), "{stdout}");
}
