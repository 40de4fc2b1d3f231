//! A connection's receive buffer: bytes between `start` and `end` are
//! received and not yet consumed. It grows (once, up to a bound) only when a
//! single response element is larger than it, so steady state allocates
//! nothing.

/// A receive buffer with a read cursor.
#[derive(Debug)]
pub struct InBuf {
    buf: Vec<u8>,
    start: usize,
    end: usize,
    max: usize,
}

impl InBuf {
    /// A buffer of `initial` bytes that may grow to `max`.
    pub fn new(initial: usize, max: usize) -> InBuf {
        InBuf {
            buf: vec![0; initial.min(max).max(1)],
            start: 0,
            end: 0,
            max: max.max(1),
        }
    }

    /// The received bytes not yet consumed.
    pub fn data(&self) -> &[u8] {
        self.buf.get(self.start..self.end).unwrap_or_default()
    }

    /// Marks `n` bytes at the front as consumed.
    pub fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.end);
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
    }

    /// Forgets every byte.
    pub fn clear(&mut self) {
        self.start = 0;
        self.end = 0;
    }

    /// Room to receive into, making some when the tail is full: moves the
    /// unconsumed bytes to the front, or grows the buffer up to its bound.
    /// `None` when the buffer holds `max` unconsumed bytes.
    pub fn spare(&mut self) -> Option<&mut [u8]> {
        if self.end == self.buf.len() {
            if self.start > 0 {
                self.buf.copy_within(self.start..self.end, 0);
                self.end -= self.start;
                self.start = 0;
            } else if self.buf.len() < self.max {
                let len = (self.buf.len() * 2).min(self.max);
                self.buf.resize(len, 0);
            } else {
                return None;
            }
        }
        self.buf.get_mut(self.end..)
    }

    /// Records that `n` bytes were written into [`InBuf::spare`].
    pub fn filled(&mut self, n: usize) {
        self.end = (self.end + n).min(self.buf.len());
    }

    /// The current capacity.
    pub fn capacity(&self) -> usize {
        self.buf.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn push(b: &mut InBuf, bytes: &[u8]) -> usize {
        let spare = b.spare().unwrap();
        let n = spare.len().min(bytes.len());
        spare[..n].copy_from_slice(&bytes[..n]);
        b.filled(n);
        n
    }

    #[test]
    fn compacts_then_grows_to_its_bound() {
        let mut b = InBuf::new(4, 8);
        assert_eq!(push(&mut b, b"abcd"), 4);
        b.consume(2);
        assert_eq!(b.data(), b"cd");
        assert_eq!(push(&mut b, b"ef"), 2, "compacted");
        assert_eq!(b.data(), b"cdef");
        assert_eq!(b.capacity(), 4);
        assert_eq!(push(&mut b, b"ghij"), 4, "grown");
        assert_eq!(b.data(), b"cdefghij");
        assert_eq!(b.capacity(), 8);
        assert!(b.spare().is_none(), "full at its bound");
        b.consume(100);
        assert_eq!(b.data(), b"");
        assert_eq!(push(&mut b, b"k"), 1);
        assert_eq!(b.data(), b"k");
    }
}
