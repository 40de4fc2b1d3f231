//! benches/cpu_split.sh refuses what it does not take before it installs,
//! builds or samples anything: exit 2, naming the input and what is
//! accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// Checks that benches/cpu_split.sh refuses `args`, saying `says`.
fn refuses(args: &[&str], says: &str) {
    script::assert_refused("benches/cpu_split.sh", args, says);
}

#[test]
fn numbers_are_whole_and_at_least_one() {
    for flag in ["--runs", "--time", "--depth", "--conns"] {
        refuses(
            &[flag, "x"],
            &format!("{flag} takes a whole number, not 'x'"),
        );
        refuses(&[flag, "-3"], &format!("{flag} takes a whole number"));
        refuses(&[flag], &format!("{flag} takes a whole number, not ''"));
        refuses(&[flag, "0"], &format!("{flag} must be at least 1"));
    }
}

#[test]
fn an_unknown_option_is_named() {
    refuses(&["--fast"], "unknown option: --fast");
}

#[test]
fn the_base_is_an_executable() {
    refuses(
        &["--base", "/no/such/memaslap"],
        "--base takes the path of a memaslap binary, not '/no/such/memaslap'",
    );
    refuses(
        &["--base"],
        "--base takes the path of a memaslap binary, not ''",
    );
}
