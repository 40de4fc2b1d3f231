//! The task slots of a source that holds its tasks' state by slot: a ring
//! of places, one per task in flight, taken in turn and freed in any
//! order. A task's id is its slot's index.

use crate::task::MAX_DEPTH;

/// What a source keeps of a task in its slot: a type of the source's own,
/// with a variant for a free slot.
pub(crate) trait Place: Copy {
    /// A free slot. (A function rather than a constant: a constant of a
    /// generic type is written whole, where the variant's constructor
    /// writes the tag alone.)
    fn free() -> Self;

    /// Whether this is [`Place::free`].
    fn is_free(&self) -> bool;
}

/// The next place, found free by [`Slots::next_free`], to be filled by
/// [`Slots::fill`] before anything else is taken.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Free(usize);

impl Free {
    /// The place's index: the id of the task that takes it.
    pub(crate) fn index(&self) -> usize {
        self.0
    }
}

/// `depth` places for what a source keeps of each task in flight. The next
/// task takes the place after the last one taken, and only when it is
/// free: a task answered late holds back those after it, as the ring keeps
/// the tasks' order.
#[derive(Debug)]
pub(crate) struct Slots<S> {
    slots: Box<[S]>,
    next: usize,
    outstanding: usize,
}

impl<S: Place> Slots<S> {
    /// `depth` free places (1..=[`MAX_DEPTH`], clamped).
    pub(crate) fn new(depth: usize) -> Slots<S> {
        Slots {
            slots: vec![S::free(); depth.clamp(1, MAX_DEPTH)].into_boxed_slice(),
            next: 0,
            outstanding: 0,
        }
    }

    /// The place the next task takes, if it is free.
    #[inline]
    pub(crate) fn next_free(&self) -> Option<Free> {
        match self.slots.get(self.next) {
            Some(place) if place.is_free() => Some(Free(self.next)),
            _ => None,
        }
    }

    /// Puts `slot` in the place [`Slots::next_free`] found free, without
    /// looking again (a second test cost a keyspace task 14 instructions
    /// under gungraun); that place's index.
    #[inline]
    pub(crate) fn fill(&mut self, free: Free, slot: S) -> usize {
        let Free(index) = free;
        if let Some(place) = self.slots.get_mut(index) {
            debug_assert!(place.is_free() && index == self.next);
            *place = slot;
            self.next = (index + 1) % self.slots.len();
            self.outstanding += 1;
        }
        index
    }

    /// What place `index` holds ([`Place::free`] when free), if there is
    /// such a place.
    #[inline]
    pub(crate) fn get(&self, index: usize) -> Option<&S> {
        self.slots.get(index)
    }

    /// Frees place `index` when it holds what `is` accepts; whether it
    /// did. (What it held is not returned: a copy of it out costs more
    /// than the caller's look with [`Slots::get`] first.)
    #[inline]
    pub(crate) fn free_if(&mut self, index: usize, is: impl FnOnce(&S) -> bool) -> bool {
        match self.slots.get_mut(index) {
            Some(place) if !place.is_free() && is(place) => {
                *place = S::free();
                self.outstanding -= 1;
                true
            }
            _ => false,
        }
    }

    /// How many places there are.
    pub(crate) fn depth(&self) -> usize {
        self.slots.len()
    }

    /// How many places are taken.
    pub(crate) fn outstanding(&self) -> usize {
        self.outstanding
    }
}

#[cfg(test)]
mod tests {
    use super::{Free, Place, Slots};
    use crate::task::MAX_DEPTH;

    impl Place for u32 {
        fn free() -> u32 {
            0
        }

        fn is_free(&self) -> bool {
            *self == 0
        }
    }

    /// Fills the next place with `n` if it is free; its index.
    fn take(slots: &mut Slots<u32>, n: u32) -> Option<usize> {
        let free = slots.next_free()?;
        Some(slots.fill(free, n))
    }

    #[test]
    fn places_are_taken_in_turn_and_freed_in_any_order() {
        let mut slots = Slots::new(3);
        assert_eq!(slots.next_free(), Some(Free(0)));
        assert_eq!(take(&mut slots, 1), Some(0));
        assert_eq!(take(&mut slots, 2), Some(1));
        assert_eq!(take(&mut slots, 3), Some(2));
        assert_eq!((slots.outstanding(), slots.next_free()), (3, None));
        // Freeing a later place does not free the next one.
        assert!(slots.free_if(1, |_| true));
        assert_eq!((slots.outstanding(), slots.next_free()), (2, None));
        assert!(slots.free_if(0, |_| true));
        assert_eq!(take(&mut slots, 4), Some(0));
        assert_eq!(slots.next_free().as_ref().map(Free::index), Some(1));
        assert_eq!(
            (slots.get(0), slots.get(1), slots.get(2)),
            (Some(&4), Some(&0), Some(&3))
        );
        assert_eq!(slots.outstanding(), 2);
    }

    #[test]
    fn a_place_is_freed_once_and_only_when_it_holds_what_is_asked() {
        let mut slots = Slots::new(2);
        assert_eq!(take(&mut slots, 7), Some(0));
        assert!(!slots.free_if(0, |&n| n == 8));
        assert_eq!((slots.get(0), slots.outstanding()), (Some(&7), 1));
        assert!(slots.free_if(0, |&n| n == 7));
        assert_eq!(slots.get(0), Some(&0));
        assert!(!slots.free_if(0, |_| true));
        assert!(!slots.free_if(1, |_| true));
        assert!(!slots.free_if(99, |_| true));
        assert_eq!(slots.outstanding(), 0);
        assert_eq!(slots.get(99), None);
    }

    #[test]
    fn depth_is_clamped() {
        assert_eq!(Slots::<u32>::new(0).depth(), 1);
        assert_eq!(Slots::<u32>::new(5).depth(), 5);
        assert_eq!(Slots::<u32>::new(MAX_DEPTH + 1).depth(), MAX_DEPTH);
    }
}
