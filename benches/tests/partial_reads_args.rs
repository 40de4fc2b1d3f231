//! benches/partial_reads.sh refuses what it does not take before it
//! installs, builds or runs anything: exit 2, naming the input and what is
//! accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// Checks that benches/partial_reads.sh refuses `args`, saying `says`.
fn refuses(args: &[&str], says: &str) {
    script::assert_refused("benches/partial_reads.sh", args, says);
}

#[test]
fn numbers_are_whole_and_large_enough() {
    for flag in ["--runs", "--depth", "--requests"] {
        refuses(
            &[flag, "x"],
            &format!("{flag} takes a whole number, not 'x'"),
        );
        refuses(&[flag], &format!("{flag} takes a whole number, not ''"));
    }
    refuses(&["--runs", "2"], "--runs must be at least 3");
    refuses(&["--depth", "1"], "--depth must be at least 2");
    refuses(&["--requests", "999"], "--requests must be at least 1000");
}

#[test]
fn the_base_is_an_executable_and_options_are_known() {
    refuses(
        &["--base", "/no/such/memaslap"],
        "--base takes the path of a memaslap binary, not '/no/such/memaslap'",
    );
    refuses(&["--fast"], "unknown option: --fast");
}
