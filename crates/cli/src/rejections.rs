//! The lines that name connections the servers never served: refused at
//! connect, closed before any reply, or rejected with an error line.

use memaslap_engine::Rejections;
use std::fmt::Write;

/// One line per kind of connection never served, e.g. `33 of 40
/// connections were rejected by 127.0.0.1:11211: ERROR Too many open
/// connections`.
pub fn lines(r: &Rejections, connections: usize) -> Vec<String> {
    let mut out = Vec::new();
    if let Some((server, line)) = r.rejected_example.as_ref().filter(|_| r.rejected > 0) {
        out.push(format!(
            "{} of {connections} connections were rejected by {server}: {line}",
            r.rejected
        ));
    }
    if let Some(server) = r.closed_example.as_ref().filter(|_| r.closed > 0) {
        out.push(format!(
            "{} of {connections} connections were closed by {server} before any reply",
            r.closed
        ));
    }
    if let Some((_, reason)) = r.refused_example.as_ref().filter(|_| r.refused > 0) {
        out.push(format!(
            "{} of {connections} connections could not connect: {reason}",
            r.refused
        ));
    }
    out
}

/// The lines of [`lines`], each ended, appended to `out`.
pub fn report(out: &mut String, r: &Rejections, connections: usize) {
    for line in lines(r, connections) {
        let _ = writeln!(out, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_one_line() {
        let r = Rejections {
            refused: 2,
            closed: 1,
            rejected: 33,
            refused_example: Some(("h:1".into(), "cannot connect to h:1: refused".into())),
            closed_example: Some("h:2".into()),
            rejected_example: Some(("h:3".into(), "ERROR Too many open connections".into())),
            error_line: None,
        };
        assert_eq!(
            lines(&r, 40),
            [
                "33 of 40 connections were rejected by h:3: ERROR Too many open connections",
                "1 of 40 connections were closed by h:2 before any reply",
                "2 of 40 connections could not connect: cannot connect to h:1: refused",
            ]
        );
        assert!(lines(&Rejections::default(), 40).is_empty());
    }
}
