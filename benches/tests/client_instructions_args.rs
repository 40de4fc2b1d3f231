//! benches/client_instructions.sh refuses what it does not take before it
//! builds or runs anything: exit 2, naming the input and what is accepted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "support/script.rs"]
mod script;

/// Runs benches/client_instructions.sh with `args`: its exit code and
/// standard error.
fn run(args: &[&str]) -> (Option<i32>, String) {
    let out = script::run("benches/client_instructions.sh", args);
    (out.code, out.stderr)
}

#[test]
fn the_modes_are_one_at_a_time() {
    for pair in [
        ["--events", "--wakes"],
        ["--wakes", "--per-wake"],
        ["--per-wake", "--events"],
    ] {
        let (code, stderr) = run(&pair);
        assert_eq!(code, Some(2), "{pair:?}: {stderr}");
        assert!(
            stderr.contains("--events, --wakes and --per-wake are one at a time"),
            "{pair:?}: {stderr}"
        );
    }
}

#[test]
fn per_wake_needs_a_depth_above_one() {
    let (code, stderr) = run(&["--per-wake", "--depth", "1"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--depth, which must be at least 2"),
        "{stderr}"
    );
}

#[test]
fn bad_numbers_and_unknown_options_are_named() {
    let (code, stderr) = run(&["--depth", "x"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--depth and --requests take whole numbers"),
        "{stderr}"
    );
    let (code, stderr) = run(&["--fast"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown option --fast"), "{stderr}");
}
