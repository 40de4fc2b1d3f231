//! The cas uniques a connection remembers from its `gets` and `gats`
//! hits, for its later `cas`: the most recent few, each with the object
//! it belongs to, in a fixed array (nothing allocated after construction).

/// Uniques remembered per connection; older ones are forgotten.
const HELD: usize = 64;

/// Recent (object, cas unique) pairs, the latest last.
#[derive(Debug, Clone)]
pub(crate) struct Uniques {
    held: Box<[(u64, u64)]>,
    len: usize,
}

impl Uniques {
    pub(crate) fn new() -> Uniques {
        Uniques {
            held: vec![(0, 0); HELD].into_boxed_slice(),
            len: 0,
        }
    }

    /// Whether none is held.
    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Remembers `unique` for `object`, forgetting the oldest when full.
    pub(crate) fn push(&mut self, object: u64, unique: u64) {
        if self.len == self.held.len() {
            self.held.copy_within(1.., 0);
            self.len -= 1;
        }
        if let Some(slot) = self.held.get_mut(self.len) {
            *slot = (object, unique);
            self.len += 1;
        }
    }

    /// Takes the latest (object, unique).
    pub(crate) fn take_latest(&mut self) -> Option<(u64, u64)> {
        self.len = self.len.checked_sub(1)?;
        self.held.get(self.len).copied()
    }

    /// Takes the latest unique of `object`.
    pub(crate) fn take(&mut self, object: u64) -> Option<u64> {
        let at = self
            .held
            .get(..self.len)?
            .iter()
            .rposition(|&(o, _)| o == object)?;
        let unique = self.held.get(at).map(|&(_, u)| u)?;
        self.held.copy_within(at + 1..self.len, at);
        self.len -= 1;
        Some(unique)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_latest_are_kept_and_taken_first() {
        let mut u = Uniques::new();
        assert!(u.is_empty() && u.take_latest().is_none());
        for i in 0..(HELD as u64 + 10) {
            u.push(i % 5, i);
        }
        // Uniques 0..=73 were pushed, the 10 oldest forgotten; object 3's
        // latest ones are 73, then 68.
        assert_eq!(u.take(3), Some(73));
        assert_eq!(u.take(3), Some(68));
        assert_eq!(u.take_latest(), Some((2, 72)));
        let mut left = 0;
        while let Some((_, unique)) = u.take_latest() {
            assert!(unique >= 10, "{unique} was forgotten");
            left += 1;
        }
        assert_eq!(left, HELD - 3);
        assert_eq!(u.take(1), None);
    }
}
