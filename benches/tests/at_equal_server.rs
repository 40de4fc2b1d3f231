//! `at_equal_server` (benches/common.sh), the comparison of two clients'
//! CPU per operation at the same server CPU per operation, on runs whose
//! answer is known.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "support/script.rs"]
mod script;

/// Runs `at_equal_server` on two files of runs, each run given as
/// (server µs/op, client µs/op) at a million operations; returns its
/// numbers.
fn at_equal_server(a: &[(f64, f64)], b: &[(f64, f64)]) -> Vec<f64> {
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("at-equal-server-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let write = |name: &str, runs: &[(f64, f64)]| {
        let text: String = runs
            .iter()
            .map(|(x, y)| format!("1000000 {y} 0 13000 {y} 0 {x}\n"))
            .collect();
        std::fs::write(dir.join(name), text).unwrap();
    };
    write("a.runs", a);
    write("b.runs", b);
    let out = script::common(r#"work="$2"; at_equal_server "$2/a.runs" "$2/b.runs""#)
        .arg(&dir)
        .output()
        .expect("run bash");
    std::fs::remove_dir_all(&dir).unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{text} {}",
        String::from_utf8_lossy(&out.stderr)
    );
    text.split_whitespace()
        .map(|w| w.parse().unwrap_or(f64::NAN))
        .collect()
}

fn close(got: f64, want: f64) -> bool {
    (got - want).abs() < 1e-3
}

#[test]
fn clients_on_parallel_lines_are_compared_at_the_median_server_cost() {
    // A on y = 1 + x / 2, B on y = 0.8 + x / 2, B's runs at slower servers:
    // B's median is the higher, A is the dearer at any one server cost.
    let a = [(4.0, 3.0), (6.0, 4.0), (8.0, 5.0)];
    let b = [(5.0, 3.3), (7.0, 4.3), (9.0, 5.3)];
    let got = at_equal_server(&a, &b);
    // Median server cost of all six runs: 6.5.
    let (ya, yb) = (1.0 + 6.5 / 2.0, 0.8 + 6.5 / 2.0);
    assert!(close(got[0], ya / yb), "{got:?}");
    assert!(close(got[1], ya) && close(got[2], yb), "{got:?}");
    assert!(close(got[3], 6.5) && close(got[4], 1.0), "{got:?}");
    assert_eq!(got[5], 6.0);
}

#[test]
fn without_spread_in_server_cost_the_means_are_compared() {
    let a = [(5.0, 3.0), (5.0, 4.0)];
    let b = [(5.0, 2.0), (5.0, 4.0)];
    let got = at_equal_server(&a, &b);
    assert!(close(got[0], 3.5 / 3.0) && close(got[4], 0.0), "{got:?}");
}

#[test]
fn runs_without_a_server_figure_give_no_ratio() {
    let got = at_equal_server(&[], &[(5.0, 3.0)]);
    assert!(got.iter().all(|v| v.is_nan()), "{got:?}");
}
