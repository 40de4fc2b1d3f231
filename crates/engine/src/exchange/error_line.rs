//! The start of the last error line a server sent (`ERROR …`,
//! `SERVER_ERROR …`, `CLIENT_ERROR …`), kept to say why a server refused a
//! connection's first requests.

/// The most bytes of an error line kept.
const ERROR_LINE: usize = 80;

/// The last error line seen, until it is taken.
#[derive(Debug, Clone)]
pub(super) struct ErrorLine {
    bytes: [u8; ERROR_LINE],
    len: usize,
}

impl Default for ErrorLine {
    fn default() -> Self {
        ErrorLine {
            bytes: [0; ERROR_LINE],
            len: 0,
        }
    }
}

impl ErrorLine {
    /// Keeps the start of the error line `buf` begins with, if it does.
    pub fn note(&mut self, buf: &[u8]) {
        let is_error = [&b"ERROR"[..], b"SERVER_ERROR", b"CLIENT_ERROR"]
            .iter()
            .any(|prefix| buf.starts_with(prefix));
        if !is_error {
            return;
        }
        let end = buf
            .windows(2)
            .position(|w| w == b"\r\n")
            .unwrap_or(buf.len())
            .min(ERROR_LINE);
        let line = buf.get(..end).unwrap_or_default();
        if let Some(to) = self.bytes.get_mut(..line.len()) {
            to.copy_from_slice(line);
            self.len = line.len();
        }
    }

    /// The line kept, if any, kept still.
    pub fn peek(&self) -> Option<&[u8]> {
        self.bytes.get(..self.len).filter(|line| !line.is_empty())
    }

    /// The line kept, once (it is forgotten here); `None` when none was.
    pub fn take(&mut self) -> Option<&[u8]> {
        let len = std::mem::take(&mut self.len);
        self.bytes.get(..len).filter(|line| !line.is_empty())
    }
}

impl super::Exchange<'_> {
    /// The last error line the server sent, once (it is forgotten here).
    pub fn take_error_line(&mut self) -> Option<&[u8]> {
        self.error_line.take()
    }

    /// The last error line the server sent, if not taken.
    pub fn error_line(&self) -> Option<&[u8]> {
        self.error_line.peek()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_lines_are_kept_cut_and_taken_once() {
        let mut e = ErrorLine::default();
        e.note(b"VALUE k 0 1\r\nx\r\nEND\r\n");
        assert_eq!(e.take(), None);
        e.note(b"SERVER_ERROR out of memory\r\nEND\r\n");
        assert_eq!(e.peek(), Some(&b"SERVER_ERROR out of memory"[..]));
        assert_eq!(e.take(), Some(&b"SERVER_ERROR out of memory"[..]));
        assert_eq!(e.peek(), None);
        assert_eq!(e.take(), None);
        e.note(b"ERROR");
        assert_eq!(e.take(), Some(&b"ERROR"[..]));
        let long = [b"CLIENT_ERROR ".as_slice(), &[b'x'; 200], b"\r\n"].concat();
        e.note(&long);
        assert_eq!(e.take().map(<[u8]>::len), Some(ERROR_LINE));
    }
}
