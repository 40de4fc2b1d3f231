//! Requests encoded for one write: their command bytes in one buffer, each
//! set's value borrowed in between, sent as one list of slices.

use memaslap_proto::ascii::CRLF;

/// The most requests written together; more wait for the next write. A
/// whole `--depth` of 64 goes out in one write.
pub const MAX_BATCH: usize = 64;

/// Sets a write usually holds at most: their slices are listed on a short
/// array, and only a write with more fills one of [`MAX_SLICES`].
const FEW_SETS: usize = 4;

/// The most slices a batch is sent as: command bytes around every value.
pub const MAX_SLICES: usize = 2 * MAX_BATCH + 1;

/// Bytes on the wire by kind of request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct NetBytes {
    /// Bytes of gets.
    pub get: usize,
    /// Bytes of sets.
    pub set: usize,
}

/// The requests of one write.
#[derive(Debug)]
pub(super) struct WriteBatch<'w> {
    bytes: Vec<u8>,
    /// Each value with the length of `bytes` when it was added.
    values: Vec<(usize, &'w [u8])>,
    /// A text-protocol set's `\r\n` still to follow its value.
    owed_crlf: bool,
    requests: usize,
    net: NetBytes,
}

impl<'w> WriteBatch<'w> {
    /// A batch whose command bytes fit `capacity`, and whose `requests`
    /// sets (at most [`MAX_BATCH`]), fit without growing.
    pub fn new(capacity: usize, requests: usize) -> WriteBatch<'w> {
        WriteBatch {
            bytes: Vec::with_capacity(capacity),
            values: Vec::with_capacity(requests.clamp(1, MAX_BATCH)),
            owed_crlf: false,
            requests: 0,
            net: NetBytes::default(),
        }
    }

    /// Starts a request: the buffer to append its command bytes to, and
    /// where they start (to [`WriteBatch::rollback`] to).
    pub fn start(&mut self) -> usize {
        self.pay_crlf();
        self.bytes.len()
    }

    /// The command bytes, to append to.
    pub fn bytes_mut(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    /// Drops a request whose encoding failed.
    pub fn rollback(&mut self, mark: usize) {
        self.bytes.truncate(mark);
    }

    /// Ends a request begun at `mark`: a set's `value` follows its command
    /// bytes (then `\r\n` when `crlf`).
    pub fn finish(&mut self, mark: usize, value: &'w [u8], crlf: bool, is_set: bool) {
        let len =
            self.bytes.len().saturating_sub(mark) + value.len() + if crlf { CRLF.len() } else { 0 };
        if is_set {
            self.net.set += len;
            self.values.push((self.bytes.len(), value));
        } else {
            self.net.get += len;
        }
        self.owed_crlf = crlf;
        self.requests += 1;
    }

    /// Whether another request may join.
    pub fn is_full(&self) -> bool {
        self.requests >= MAX_BATCH
    }

    /// Whether no request is in it.
    pub fn is_empty(&self) -> bool {
        self.requests == 0
    }

    /// Closes the batch for writing.
    pub fn seal(&mut self) {
        self.pay_crlf();
    }

    /// Hands the slices to send, in order, to `write`: the command bytes
    /// alone when no set is in the batch (most writes), without filling a
    /// list of [`MAX_SLICES`] unless more than a few sets are.
    #[inline]
    pub fn with_slices<R>(&self, write: impl FnOnce(&[&[u8]]) -> R) -> R {
        if self.values.is_empty() {
            return write(&[self.bytes.as_slice()]);
        }
        if self.values.len() <= FEW_SETS {
            self.with_listed::<{ 2 * FEW_SETS + 1 }, R>(write)
        } else {
            self.with_listed::<MAX_SLICES, R>(write)
        }
    }

    /// [`WriteBatch::with_slices`] with the slices listed on an array of
    /// `N`.
    #[inline]
    fn with_listed<const N: usize, R>(&self, write: impl FnOnce(&[&[u8]]) -> R) -> R {
        let mut out = [&[][..]; N];
        let count = self.fill(&mut out);
        write(out.get(..count).unwrap_or_default())
    }

    /// The slices to send, in order, into `out` (as many as fit); returns
    /// how many.
    pub fn fill<'a>(&'a self, out: &mut [&'a [u8]]) -> usize {
        let mut count = 0;
        let mut start = 0;
        let mut push = |slice: &'a [u8]| {
            if let Some(slot) = out.get_mut(count) {
                *slot = slice;
                count += 1;
            }
        };
        for &(cut, value) in &self.values {
            push(self.bytes.get(start..cut).unwrap_or_default());
            push(value);
            start = cut;
        }
        push(self.bytes.get(start..).unwrap_or_default());
        count
    }

    /// Empties the batch once written (or given up); returns its bytes by
    /// kind.
    pub fn clear(&mut self) -> NetBytes {
        self.bytes.clear();
        self.values.clear();
        self.owed_crlf = false;
        self.requests = 0;
        std::mem::take(&mut self.net)
    }

    fn pay_crlf(&mut self) {
        if std::mem::take(&mut self.owed_crlf) {
            self.bytes.extend_from_slice(CRLF);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wire(batch: &WriteBatch<'_>) -> Vec<u8> {
        let mut out = [&[][..]; MAX_SLICES];
        let n = batch.fill(&mut out);
        out[..n].concat()
    }

    #[test]
    fn values_sit_between_command_bytes() {
        let mut b = WriteBatch::new(64, 3);
        let mark = b.start();
        b.bytes_mut().extend_from_slice(b"set a 0 0 2\r\n");
        b.finish(mark, b"xy", true, true);
        let mark = b.start();
        b.bytes_mut().extend_from_slice(b"get a\r\n");
        b.finish(mark, &[], false, false);
        let mark = b.start();
        b.bytes_mut().extend_from_slice(b"set b 0 0 1\r\n");
        b.finish(mark, b"z", true, true);
        let mark = b.start();
        b.bytes_mut().extend_from_slice(b"bogus");
        b.rollback(mark);
        b.seal();
        let mut out = [&[][..]; MAX_SLICES];
        assert_eq!(b.fill(&mut out), 5);
        assert_eq!(
            wire(&b),
            b"set a 0 0 2\r\nxy\r\nget a\r\nset b 0 0 1\r\nz\r\n".to_vec()
        );
        assert_eq!(b.clear(), NetBytes { get: 7, set: 33 });
        assert!(b.is_empty());
        assert_eq!(wire(&b), b"");
    }

    #[test]
    fn a_batch_fills_up() {
        let mut b = WriteBatch::new(0, MAX_BATCH);
        for _ in 0..MAX_BATCH {
            assert!(!b.is_full());
            let mark = b.start();
            b.finish(mark, b"v", false, true);
        }
        assert!(b.is_full());
        let mut out = [&[][..]; MAX_SLICES];
        assert_eq!(b.fill(&mut out), MAX_SLICES);
        // Every slice reaches the writer, past the short list too.
        assert_eq!(b.with_slices(|slices| slices.len()), MAX_SLICES);
    }
}
