//! Receive buffers. A worker thread's connections all read into one shared
//! buffer ([`RecvArea`]); a connection whose read ends in a partial reply
//! keeps it in a spill ([`InBuf`]) lent from the worker's pool and given back
//! once consumed, so a connection holds no receive buffer between replies.
//!
//! A spill grows (once, up to a bound) only when a single response element
//! is larger than it, and the pool only when more connections than ever
//! before hold a partial reply at once, so steady state allocates nothing.

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

    /// A buffer with no room and no bytes: a connection's spill while it
    /// keeps nothing. Allocates nothing.
    pub const fn empty() -> InBuf {
        InBuf {
            buf: Vec::new(),
            start: 0,
            end: 0,
            max: 0,
        }
    }

    /// Appends `bytes`, making room as [`InBuf::spare`] does; false when
    /// they do not fit within the bound.
    pub fn extend(&mut self, mut bytes: &[u8]) -> bool {
        while !bytes.is_empty() {
            let Some(spare) = self.spare() else {
                return false;
            };
            let n = spare.len().min(bytes.len());
            let (now, later) = bytes.split_at(n);
            if let Some(room) = spare.get_mut(..n) {
                room.copy_from_slice(now);
            }
            self.filled(n);
            bytes = later;
        }
        true
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

/// A worker thread's receive buffers: the one every connection reads into,
/// and the pool of spills lent to connections left with a partial reply.
#[derive(Debug)]
pub struct RecvArea {
    shared: Box<[u8]>,
    spills: Vec<InBuf>,
    /// Spills made: the pool's length never exceeds it.
    made: usize,
    spill_len: usize,
    max: usize,
}

impl RecvArea {
    /// A shared buffer of `shared` bytes and `ready` spills made in advance;
    /// spills start at `spill` bytes and may grow to `max`.
    pub fn new(shared: usize, spill: usize, max: usize, ready: usize) -> RecvArea {
        RecvArea {
            shared: vec![0; shared.max(1)].into_boxed_slice(),
            spills: (0..ready).map(|_| InBuf::new(spill, max)).collect(),
            made: ready,
            spill_len: spill,
            max,
        }
    }

    /// Takes the shared buffer out, to read into it while the rest of the
    /// worker's context is in use; put it back with
    /// [`RecvArea::restore_shared`].
    pub fn take_shared(&mut self) -> Box<[u8]> {
        std::mem::take(&mut self.shared)
    }

    /// Puts the shared buffer back.
    pub fn restore_shared(&mut self, shared: Box<[u8]>) {
        self.shared = shared;
    }

    /// An empty spill from the pool, or a new one when the pool is empty.
    pub fn lend(&mut self) -> InBuf {
        if let Some(spill) = self.spills.pop() {
            return spill;
        }
        self.made += 1;
        // Room for every spill, so that giving one back never allocates.
        self.spills
            .reserve(self.made.saturating_sub(self.spills.len()));
        InBuf::new(self.spill_len, self.max)
    }

    /// Returns a spill to the pool (its bytes are forgotten).
    pub fn give_back(&mut self, mut spill: InBuf) {
        spill.clear();
        self.spills.push(spill);
    }

    /// Spills in the pool.
    #[cfg(test)]
    pub fn pooled(&self) -> usize {
        self.spills.len()
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

    #[test]
    fn extend_grows_up_to_the_bound() {
        let mut b = InBuf::new(2, 6);
        assert!(b.extend(b"abcde"));
        assert_eq!(b.data(), b"abcde");
        assert!(!b.extend(b"fg"), "past the bound");
        let mut none = InBuf::empty();
        assert_eq!(none.capacity(), 0);
        assert!(none.extend(b""));
        assert!(!none.extend(b"x"));
    }

    #[test]
    fn spills_are_reused_and_the_pool_never_regrows() {
        let mut area = RecvArea::new(8, 4, 16, 2);
        assert_eq!(area.pooled(), 2);
        let shared = area.take_shared();
        assert_eq!(shared.len(), 8);
        area.restore_shared(shared);
        let (mut a, b, c) = (area.lend(), area.lend(), area.lend());
        assert_eq!(area.pooled(), 0);
        assert_eq!(area.made, 3);
        assert!(a.extend(b"partial"));
        let cap = area.spills.capacity();
        assert!(cap >= 3);
        area.give_back(c);
        area.give_back(b);
        area.give_back(a);
        assert_eq!(area.spills.capacity(), cap);
        a = area.lend();
        assert_eq!(a.data(), b"", "given back empty");
        assert_eq!(a.capacity(), 8, "kept its growth");
    }
}
