//! `geometric_interval` (benches/common.sh), the geometric mean of paired
//! ratios and its 95 % confidence interval, which compare.sh prints beside
//! each paired ratio: checked on ratios whose answer is known.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::io::Write;
use std::process::Stdio;

#[path = "support/script.rs"]
mod script;

/// Runs `geometric_interval` on `input` (one ratio a line); returns its
/// three fields as printed.
fn geometric_interval(input: &str) -> Vec<String> {
    let mut child = script::common("geometric_interval")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run bash");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    text.split_whitespace().map(str::to_owned).collect()
}

fn number(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|_| panic!("not a number: {field}"))
}

#[test]
fn three_ratios_a_tenth_apart_give_their_geometric_mean_and_t_interval() {
    let out = geometric_interval("1.0\n1.1\n1.21\n");
    assert_eq!(out.len(), 3);
    // Logarithms 0, l, 2l (l = ln 1.1): mean l, standard deviation l;
    // Student's t at 2 degrees of freedom is 4.303.
    let l = 1.1f64.ln();
    let half = 4.303 * l / 3f64.sqrt();
    assert!((number(&out[0]) - 1.1).abs() < 1e-4, "{out:?}");
    assert!((number(&out[1]) - (l - half).exp()).abs() < 1e-4, "{out:?}");
    assert!((number(&out[2]) - (l + half).exp()).abs() < 1e-4, "{out:?}");
}

#[test]
fn equal_ratios_have_no_width_and_many_take_the_normal_quantile() {
    assert_eq!(geometric_interval("1.05\n1.05\n"), ["1.0500"; 3]);
    // 40 ratios, half 1/1.2 and half 1.2: mean 1, and past 30 degrees of
    // freedom the quantile is 1.96.
    let input = "0.833333333\n1.2\n".repeat(20);
    let out = geometric_interval(&input);
    let l = 1.2f64.ln();
    let sd = (40.0 * l * l / 39.0).sqrt();
    let half = 1.96 * sd / 40f64.sqrt();
    assert!((number(&out[0]) - 1.0).abs() < 1e-4, "{out:?}");
    assert!((number(&out[1]) - (-half).exp()).abs() < 1e-4, "{out:?}");
    assert!((number(&out[2]) - half.exp()).abs() < 1e-4, "{out:?}");
}

#[test]
fn one_ratio_has_no_interval_and_none_has_no_mean() {
    assert_eq!(geometric_interval("1.2\n"), ["1.2000", "-", "-"]);
    assert_eq!(geometric_interval(""), ["-", "-", "-"]);
    assert_eq!(geometric_interval("0\n-1\n"), ["-", "-", "-"]);
}
