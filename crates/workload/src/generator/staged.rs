//! Single-key gets' picks drawn ahead, so that each pick's window item is
//! prefetched before it is read: one get ahead at depth 1, where a round
//! trip passes in between, and up to [`AHEAD`] in a pipelined batch, whose
//! gets are a few hundred instructions apart (one ahead, the load still
//! stalled there).

/// The most picks drawn ahead.
pub(super) const AHEAD: usize = 4;

/// Picks drawn ahead, oldest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Staged {
    picks: [usize; AHEAD],
    /// Where the oldest is (taken modulo [`AHEAD`]).
    head: usize,
    len: usize,
    /// How many to keep drawn: the connection's depth, within 1..=AHEAD.
    ahead: usize,
}

/// [`AHEAD`] is a power of two: a position modulo it is a mask.
const MASK: usize = AHEAD - 1;
const _: () = assert!(AHEAD.is_power_of_two());

impl Default for Staged {
    /// One pick ahead, for a connection with one task outstanding.
    fn default() -> Self {
        Staged::new(1)
    }
}

impl Staged {
    /// None drawn yet, for a connection of `depth` tasks outstanding.
    pub fn new(depth: usize) -> Staged {
        Staged {
            picks: [0; AHEAD],
            head: 0,
            len: 0,
            ahead: depth.clamp(1, AHEAD),
        }
    }

    /// The oldest pick, taken out.
    #[inline]
    pub fn take(&mut self) -> Option<usize> {
        if self.len == 0 {
            return None;
        }
        let pick = self.picks.get(self.head & MASK).copied();
        self.head = self.head.wrapping_add(1);
        self.len -= 1;
        pick
    }

    /// Whether fewer picks wait than are to be drawn ahead.
    #[inline]
    pub fn wants_more(&self) -> bool {
        self.len < self.ahead
    }

    /// The picks waiting, oldest first.
    #[inline]
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.len).filter_map(|i| self.picks.get(self.head.wrapping_add(i) & MASK).copied())
    }

    /// Adds `pick` as the newest, unless [`AHEAD`] wait already.
    #[inline]
    pub fn push(&mut self, pick: usize) {
        if self.len >= AHEAD {
            return;
        }
        if let Some(slot) = self.picks.get_mut(self.head.wrapping_add(self.len) & MASK) {
            *slot = pick;
        }
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_come_out_in_the_order_they_went_in() {
        for depth in [0, 1, 2, 4, 64] {
            let mut s = Staged::new(depth);
            let ahead = depth.clamp(1, AHEAD);
            assert_eq!(s.take(), None);
            let mut next = 0;
            let mut want = std::collections::VecDeque::new();
            for round in 0..50 {
                while s.wants_more() {
                    s.push(next);
                    want.push_back(next);
                    next += 1;
                }
                assert_eq!(want.len(), ahead);
                assert!(s.iter().eq(want.iter().copied()));
                for _ in 0..(round % ahead + 1) {
                    assert_eq!(s.take(), want.pop_front());
                }
            }
            // No more than AHEAD are ever kept.
            for pick in 0..AHEAD + 3 {
                s.push(pick);
            }
            let mut kept = 0;
            while s.take().is_some() {
                kept += 1;
            }
            assert_eq!(kept, AHEAD);
        }
        assert_eq!(Staged::default(), Staged::new(1));
    }
}
