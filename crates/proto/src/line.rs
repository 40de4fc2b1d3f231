//! Where a response line ends, for the text and meta parsers: both
//! protocols end every line with `\r\n` and bound its length. And where a
//! value's data block after its line ends, for their one-step hit readers.

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

/// The index of the first `\r` or `\n`: in a window under sixteen bytes
/// (the last line of what arrived: `STORED`, `END`) byte by byte, else
/// sixteen bytes a step. That search stops at every byte below `\r` + 1
/// (a line's other control bytes are rare) and goes on past those that
/// are neither. A general search for two bytes (memchr2) cost more to
/// start than a reply line takes, and a first look at eight bytes one by
/// one cost the long lines more than it saved.
fn find_line_end(window: &[u8]) -> Option<usize> {
    if window.len() < 16 {
        // A last short line (`STORED`, `END`): byte by byte.
        return window.iter().position(|&b| b == b'\r' || b == b'\n');
    }
    find_long_line_end(window)
}

/// [`find_line_end`] in a window of sixteen bytes or more.
fn find_long_line_end(window: &[u8]) -> Option<usize> {
    let mut from = 0;
    loop {
        let at = from + crate::scan::find_below(window.get(from..)?, b'\r' + 1)?;
        match window.get(at) {
            Some(b'\r' | b'\n') => return Some(at),
            _ => from = at + 1,
        }
    }
}

/// A value's data block of `len` bytes from `data_start` in `buf`, whole
/// and followed by `after`, its line (ending at `data_start`) no longer
/// than `max_line` and the value no larger than `max_value`: the data and
/// where `after` ends; `None` otherwise.
#[inline(always)]
pub(crate) fn data_block<'a>(
    buf: &'a [u8],
    data_start: usize,
    len: u64,
    (max_line, max_value): (usize, usize),
    after: &[u8],
) -> Option<(&'a [u8], usize)> {
    let data_len = usize::try_from(len).ok().filter(|&l| l <= max_value)?;
    if data_start > max_line {
        return None;
    }
    let data_end = data_start.checked_add(data_len)?;
    let end = data_end.checked_add(after.len())?;
    if buf.get(data_end..end) != Some(after) {
        return None;
    }
    Some((buf.get(data_start..data_end)?, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Where a plain search finds the first line end, over lines with
        /// any bytes (control bytes among them).
        #[test]
        fn the_first_line_end_is_found(
            line in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..120),
        ) {
            let plain = line.iter().position(|&b| b == b'\r' || b == b'\n');
            proptest::prop_assert_eq!(find_line_end(&line), plain);
        }
    }

    #[test]
    fn a_line_end_is_found_at_every_place_past_other_control_bytes() {
        for len in 0..80 {
            for at in 0..len {
                for end in [b'\r', b'\n'] {
                    let mut line: Vec<u8> = (0..len).map(|i| b"ab\t\x0b \x00c"[i % 7]).collect();
                    line[at] = end;
                    assert_eq!(find_line_end(&line), Some(at), "{line:?}");
                }
            }
            let line: Vec<u8> = (0..len).map(|i| [b'x', 0, 9, 12, 14][i % 5]).collect();
            assert_eq!(find_line_end(&line), None, "{line:?}");
        }
    }
}
