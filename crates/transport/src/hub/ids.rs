//! The 16-bit request id space of one shared UDP socket, partitioned among
//! the connections that share it.
//!
//! The low bits of an id name the connection (its slot), the high bits
//! count that connection's requests. A connection's next id keeps its low
//! bits, so every id it ever used, stale ones included, maps back to it and
//! never to another connection: a late reply is counted by the connection
//! that gave it up. Ids whose low bits name no slot are nobody's.

/// How request ids map to the slots (connections) of one shared socket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestIds {
    /// Low bits that name the slot.
    bits: u32,
    /// Slots in use, below `1 << bits`.
    slots: usize,
}

impl RequestIds {
    /// The most slots one id space serves: each still has two ids, so that
    /// the previous request's id is never the current one's.
    pub const MAX_SLOTS: usize = 1 << 15;

    /// An id space for `slots` connections (at least one), or `None` when
    /// there are more than [`RequestIds::MAX_SLOTS`].
    pub fn new(slots: usize) -> Option<RequestIds> {
        if slots > Self::MAX_SLOTS {
            return None;
        }
        let slots = slots.max(1);
        Some(RequestIds {
            bits: slots.next_power_of_two().trailing_zeros(),
            slots,
        })
    }

    /// How many slots there are.
    pub fn slots(&self) -> usize {
        self.slots
    }

    /// Distinct ids each slot cycles through.
    pub fn per_slot(&self) -> u32 {
        1 << (16 - self.bits)
    }

    /// The first id of `slot` (taken modulo the slot space).
    pub fn first(&self, slot: usize) -> u16 {
        (slot & self.mask()) as u16
    }

    /// The id after `id`, in the same slot.
    pub fn next(&self, id: u16) -> u16 {
        id.wrapping_add(1 << self.bits)
    }

    /// The slot `id` belongs to, if it names one.
    pub fn slot_of(&self, id: u16) -> Option<usize> {
        let slot = usize::from(id) & self.mask();
        (slot < self.slots).then_some(slot)
    }

    fn mask(&self) -> usize {
        (1 << self.bits) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_of_a_slot_maps_back_to_it() {
        for slots in [1, 2, 3, 4, 5, 32, 100, 4096, RequestIds::MAX_SLOTS] {
            let ids = RequestIds::new(slots).unwrap();
            for slot in [0, slots / 2, slots - 1] {
                let mut id = ids.first(slot);
                let mut seen = std::collections::HashSet::new();
                for _ in 0..ids.per_slot() {
                    assert_eq!(ids.slot_of(id), Some(slot), "{slots} slots, id {id}");
                    assert!(seen.insert(id), "{slots} slots: id {id} again");
                    id = ids.next(id);
                }
                // The cycle closes: the id space is used to its end.
                assert_eq!(id, ids.first(slot));
            }
        }
    }

    #[test]
    fn slots_never_share_an_id() {
        let ids = RequestIds::new(5).unwrap();
        let mut owner = std::collections::HashMap::new();
        for slot in 0..5 {
            let mut id = ids.first(slot);
            for _ in 0..ids.per_slot() {
                assert_eq!(owner.insert(id, slot), None);
                id = ids.next(id);
            }
        }
        // Ids of the three slots 5..8 that the power of two leaves unused
        // are nobody's.
        assert_eq!(owner.len(), 5 * 8192);
        for id in 0..=u16::MAX {
            assert_eq!(ids.slot_of(id), owner.get(&id).copied());
        }
    }

    #[test]
    fn an_id_with_its_top_bit_flipped_stays_in_its_slot() {
        // A datagram for another request of the same connection is counted
        // by that connection, never handed to another one.
        let ids = RequestIds::new(7).unwrap();
        for slot in 0..7 {
            let id = ids.next(ids.first(slot));
            assert_eq!(ids.slot_of(id ^ 0x8000), Some(slot));
            assert_ne!(id ^ 0x8000, id);
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(RequestIds::new(0).unwrap().slots(), 1);
        assert_eq!(RequestIds::new(1).unwrap().per_slot(), 65536);
        assert_eq!(RequestIds::new(32).unwrap().per_slot(), 2048);
        assert_eq!(RequestIds::new(33).unwrap().per_slot(), 1024);
        assert_eq!(
            RequestIds::new(RequestIds::MAX_SLOTS).unwrap().per_slot(),
            2
        );
        assert_eq!(RequestIds::new(RequestIds::MAX_SLOTS + 1), None);
    }
}
