//! Where a response line ends, for the text and meta parsers: both
//! protocols end every line with `\r\n` and bound its length.

/// Where the first line of a buffer ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineEnd {
    /// No complete line yet.
    Incomplete,
    /// The line's `\r` is at this index (its `\n` follows).
    At(usize),
    /// `max` bytes without a complete line.
    TooLong,
    /// A `\n` without `\r`, or a `\r` followed by another byte.
    BadEnding,
}

/// Finds the `\r` of the first line's `\r\n` in `buf`, for lines of at most
/// `max` bytes (`\r\n` included).
pub(crate) fn line_end(buf: &[u8], max: usize) -> LineEnd {
    let window = buf.get(..max).unwrap_or(buf);
    let Some(at) = find_line_end(window) else {
        return if window.len() == max && !buf.is_empty() {
            LineEnd::TooLong
        } else {
            LineEnd::Incomplete
        };
    };
    if window.get(at) == Some(&b'\n') {
        return LineEnd::BadEnding;
    }
    if at + 2 > max {
        return LineEnd::TooLong;
    }
    match buf.get(at + 1) {
        None => LineEnd::Incomplete,
        Some(b'\n') => LineEnd::At(at),
        Some(_) => LineEnd::BadEnding,
    }
}

/// The index of the first `\r` or `\n`: short lines (`STORED`, `END`,
/// `HD`) byte by byte, long ones (`VALUE <key> …`) with memchr, which
/// costs more to start than a short line takes.
fn find_line_end(window: &[u8]) -> Option<usize> {
    const SHORT: usize = 8;
    let is_end = |&b: &u8| b == b'\r' || b == b'\n';
    let head = window.get(..SHORT).unwrap_or(window);
    if let Some(at) = head.iter().position(is_end) {
        return Some(at);
    }
    let rest = window.get(SHORT..)?;
    memchr::memchr2(b'\r', b'\n', rest).map(|at| at + SHORT)
}
