//! The report keeps the original memaslap's layout: every line of a stored
//! sample of its output (`data/memaslap-original-S.txt`, a `-S 1s` run)
//! appears in ours, in order, with the same labels and its numbers in the
//! same columns.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use common::memaslap;

const ORIGINAL: &str = include_str!("data/memaslap-original-S.txt");

/// A token of a line: its text (numbers replaced by `#`) and its columns.
#[derive(Debug)]
struct Token {
    text: String,
    start: usize,
    end: usize,
}

fn tokens(line: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in line
        .char_indices()
        .chain(std::iter::once((line.len(), ' ')))
    {
        match (c == ' ', start) {
            (false, None) => start = Some(i),
            (true, Some(s)) => {
                let word = &line[s..i];
                let numeric = word.chars().all(|c| c.is_ascii_digit() || c == '.');
                out.push(Token {
                    // Digits become one `#` per run: `72.6M/s` and
                    // `216.8M/s` have the same shape.
                    text: if numeric {
                        "#".into()
                    } else {
                        let marked = word.replace(|c: char| c.is_ascii_digit(), "#");
                        let mut text = String::with_capacity(marked.len());
                        for c in marked.chars() {
                            if !(c == '#' && text.ends_with('#')) {
                                text.push(c);
                            }
                        }
                        text
                    },
                    start: s,
                    end: i,
                });
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// A line's shape: its tokens' texts; a log2 distribution row is one shape
/// whatever its bucket label.
fn shape(line: &str) -> String {
    let t = tokens(line);
    let label =
        |t: &Token| t.text.len() > 1 && t.text.trim_end_matches(':').chars().all(|c| c == '#');
    if t.first().is_some_and(|t| t.text.ends_with(':') && label(t)) {
        return "<log2 row>".into();
    }
    t.iter()
        .map(|t| t.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Each token starts or ends in the same column in both lines (numbers are
/// left- or right-aligned in fixed-width fields).
fn same_columns(ours: &str, original: &str) -> bool {
    let (a, b) = (tokens(ours), tokens(original));
    a.len() == b.len()
        && a.iter()
            .zip(&b)
            .all(|(x, y)| x.start == y.start || x.end == y.end)
}

/// Whether the original prints `line` with fixed-width fields.
fn fixed_width(line: &str) -> bool {
    ["Type ", "Period ", "Global ", "   "]
        .iter()
        .any(|p| line.starts_with(p))
}

#[test]
fn report_layout_matches_the_original() {
    let server = support::Memcached::start();
    let addr = format!("127.0.0.1:{}", server.port());
    let run = memaslap(&["-s", &addr, "-T", "1", "-c", "32", "-t", "2s", "-S", "1s"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let ours: Vec<&str> = run.stdout.lines().collect();
    let mut at = 0;
    let mut previous_shape = String::new();
    for original in ORIGINAL.lines() {
        let want = shape(original);
        if want == "<log2 row>" && previous_shape == want {
            continue; // rows of one distribution: checked below
        }
        let found = ours[at..]
            .iter()
            .position(|l| shape(l) == want)
            .unwrap_or_else(|| {
                panic!(
                    "no line shaped like {original:?} after line {at} of ours:\n{}",
                    run.stdout
                )
            });
        let line = ours[at + found];
        // Columns matter in the fixed-width lines (table rows and the
        // per-type figures); elsewhere numbers vary in width with the
        // throughput, so only the shape is checked.
        if want != "<log2 row>" && fixed_width(original) {
            assert!(
                same_columns(line, original),
                "columns differ:\nours:     {line:?}\noriginal: {original:?}"
            );
        }
        at += found + 1;
        previous_shape = want;
    }
    // Header lines are byte for byte the original's.
    let header = ORIGINAL.lines().find(|l| l.starts_with("Type ")).unwrap();
    assert!(ours.contains(&header));
    // Log2 rows: a right-aligned label of 8 then counts of 9 columns each.
    for line in ours.iter().filter(|l| shape(l) == "<log2 row>") {
        let t = tokens(line);
        assert_eq!(t[0].end, 9, "{line:?}");
        for (i, count) in t[1..].iter().enumerate() {
            assert_eq!(count.end, 9 + 9 * (i + 1), "{line:?}");
        }
    }
}
