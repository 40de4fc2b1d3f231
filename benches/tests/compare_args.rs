//! benches/compare.sh refuses what it does not take before it installs,
//! builds or runs anything: exit 2, naming the input and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// Checks that benches/compare.sh refuses `args`, saying `says`.
fn refuses(args: &[&str], says: &str) {
    script::assert_refused("benches/compare.sh", args, says);
}

#[test]
fn numbers_are_whole_and_named() {
    for flag in ["--runs", "--time", "--depth", "--conns"] {
        refuses(
            &[flag, "x"],
            &format!("{flag} takes a whole number, not 'x'"),
        );
        refuses(&[flag, "-1"], &format!("{flag} takes a whole number"));
        refuses(&[flag], &format!("{flag} takes a whole number, not ''"));
    }
    refuses(&["--runs", "0"], "--runs must be at least 1");
    refuses(&["--time", "0"], "--time must be at least 1 second");
}

#[test]
fn profiles_are_named_with_the_accepted_ones() {
    refuses(
        &["--profiles", "ascii,fast"],
        "unknown profile 'fast' in --profiles: the profiles are ascii, binary",
    );
    refuses(&["--fast"], "unknown option: --fast");
    refuses(&["--profiles"], "--profiles takes a comma-separated list");
    refuses(&["--csv"], "--csv takes a file name");
    refuses(&["--runs-csv"], "--runs-csv takes a file name");
}

#[test]
fn the_floor_twice_needs_the_floor_and_a_depth() {
    let says =
        "--aa runs the floor twice in the --depth test: it needs --floor and --depth of 2 or more";
    refuses(&["--aa"], says);
    refuses(&["--aa", "--floor", "--depth", "1"], says);
    refuses(&["--floor", "--aa", "--depth", "0"], says);
}
