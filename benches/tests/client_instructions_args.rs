//! benches/client_instructions.sh refuses what it does not take before it
//! builds or runs anything: exit 2, naming the input and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// Checks that benches/client_instructions.sh refuses `args`, saying `says`.
fn refuses(args: &[&str], says: &str) {
    script::assert_refused("benches/client_instructions.sh", args, says);
}

#[test]
fn the_modes_are_one_at_a_time() {
    for pair in [
        ["--events", "--wakes"],
        ["--wakes", "--per-wake"],
        ["--per-wake", "--events"],
    ] {
        refuses(&pair, "--events, --wakes and --per-wake are one at a time");
    }
}

#[test]
fn per_wake_needs_a_depth_above_one() {
    refuses(
        &["--per-wake", "--depth", "1"],
        "--depth, which must be at least 2",
    );
}

#[test]
fn bad_numbers_and_unknown_options_are_named() {
    refuses(
        &["--depth", "x"],
        "--depth and --requests take whole numbers",
    );
    refuses(&["--fast"], "unknown option --fast");
}
