//! One item of a connection's window, packed in 12 bytes, and one key of a
//! get batch.
//!
//! A window holds `-w` items per connection, so with thousands of
//! connections the item's size is most of the client's memory. An item keeps
//! only what cannot be derived: its number in the connection's range of
//! prefixes, its value offset (it moves on every overwrite), its flags and
//! the time of its last successful set. Its key and value lengths and its key
//! suffix follow from its number (the connection's key space, in `keyspace`).

use crate::bytes::OFFSET_SPAN;
use crate::keyspace::KeyParts;
use crate::task::Check;
use crate::verify::EXPIRE_TTL;

/// Bits of an item's number: a connection draws at most `2^40` fresh keys.
pub(crate) const NUMBER_BITS: u32 = 40;

/// Bits of the value offset (below [`OFFSET_SPAN`]).
const OFFSET_BITS: u32 = OFFSET_SPAN.trailing_zeros();
const OFFSET_MASK: u32 = OFFSET_SPAN - 1;
/// Where the number's bits above 32 sit in `bits`.
const HIGH_SHIFT: u32 = OFFSET_BITS;
const HIGH_MASK: u32 = (1 << (NUMBER_BITS - 32)) - 1;
const STORED: u32 = 1 << 28;
const UNCERTAIN: u32 = 1 << 29;
const SETTING: u32 = 1 << 30;
const TTL: u32 = 1 << 31;

const _: () = assert!(OFFSET_SPAN.is_power_of_two());
const _: () = assert!(HIGH_SHIFT + (NUMBER_BITS - 32) <= 28);

/// The bytes one window item takes (`-w` items a connection).
pub const ITEM_BYTES: usize = size_of::<Item>();

/// An object a connection stores and reads back: memaslap's task item.
///
/// Its key is the prefix named by [`Item::number`] plus a suffix slice of
/// the block, its value `value_len` bytes of the block from
/// [`Item::value_offset`]; the connection's key space (`keyspace`) expands them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Item {
    /// The number's low 32 bits.
    number: u32,
    /// When the last successful set completed, in milliseconds since the
    /// generator's epoch.
    set_ms: u32,
    /// Value offset (bits 0..20), the number's bits 32..40 (bits 20..28)
    /// and the flags.
    bits: u32,
}

impl Item {
    /// A fresh item, not stored yet: number `number` (below `2^40`; higher
    /// bits are dropped), its value at `value_offset` (taken modulo
    /// [`OFFSET_SPAN`]), with the fixed TTL when `ttl`.
    pub fn fresh(number: u64, value_offset: u32, ttl: bool) -> Item {
        let high = ((number >> 32) as u32) & HIGH_MASK;
        Item {
            number: number as u32,
            set_ms: 0,
            bits: (value_offset & OFFSET_MASK) | high << HIGH_SHIFT | if ttl { TTL } else { 0 },
        }
    }

    /// The item's number in its connection's range of prefixes.
    pub fn number(self) -> u64 {
        u64::from((self.bits >> HIGH_SHIFT) & HIGH_MASK) << 32 | u64::from(self.number)
    }

    /// Where its value starts in the block.
    pub fn value_offset(self) -> u32 {
        self.bits & OFFSET_MASK
    }

    /// Whether it is stored with the fixed TTL (checked for expiry).
    pub fn has_ttl(self) -> bool {
        self.bits & TTL != 0
    }

    /// Whether the server holds this key with this value.
    pub fn is_stored(self) -> bool {
        self.bits & STORED != 0
    }

    /// An overwrite failed or went unanswered: the server may hold either
    /// value, or none, so the item is not verified until stored again.
    pub fn is_uncertain(self) -> bool {
        self.bits & UNCERTAIN != 0
    }

    /// Whether a set of this window slot is in flight.
    pub fn is_setting(self) -> bool {
        self.bits & SETTING != 0
    }

    /// When its last successful set completed, in milliseconds since the
    /// generator's epoch (meaningful once stored).
    pub fn set_ms(self) -> u32 {
        self.set_ms
    }

    /// The same key with the next value: the value offset moves by one
    /// (modulo [`OFFSET_SPAN`]), so the expected bytes change.
    pub fn overwritten(self) -> Item {
        let offset = (self.value_offset() + 1) & OFFSET_MASK;
        Item {
            bits: (self.bits & !OFFSET_MASK) | offset,
            ..self
        }
    }

    /// This item as the server now holds it: stored, certain, set at
    /// `set_ms`, no set in flight.
    pub fn stored_at(self, set_ms: u32) -> Item {
        Item {
            set_ms,
            bits: (self.bits | STORED) & !(UNCERTAIN | SETTING),
            ..self
        }
    }

    /// Marks it uncertain (see [`Item::is_uncertain`]).
    pub fn make_uncertain(&mut self) {
        self.bits |= UNCERTAIN;
    }

    /// The expiry a set of the item sends: the fixed TTL for items checked
    /// for expiry, else 0.
    pub fn exptime(self) -> u32 {
        if self.has_ttl() { EXPIRE_TTL } else { 0 }
    }

    /// Marks whether a set of its slot is in flight.
    pub fn mark_setting(&mut self, setting: bool) {
        if setting {
            self.bits |= SETTING;
        } else {
            self.bits &= !SETTING;
        }
    }
}

/// One key of the get in flight: its window slot, the item there when the
/// get was issued, what its key is made of, and what to check.
///
/// The item cannot change before the reply: gets leave out items with a set
/// in flight, and a set issued later is answered after the get (replies
/// come in order when several requests are in flight). Keeping a copy
/// spares the reply a lookup in the window, which is out of cache by then
/// when many requests are in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub slot: u32,
    pub item: Item,
    pub key: KeyParts,
    pub check: Check,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_takes_twelve_bytes() {
        assert!(size_of::<Item>() <= 12);
        assert_eq!(size_of::<Item>(), 12);
    }

    #[test]
    fn fields_round_trip_through_the_packing() {
        for number in [0, 1, 0xffff_ffff, 1 << 32, (1 << 40) - 1, 0x12_3456_789a] {
            for offset in [0, 1, 12345, OFFSET_SPAN - 1] {
                for ttl in [false, true] {
                    let item = Item::fresh(number, offset, ttl);
                    assert_eq!(item.number(), number);
                    assert_eq!(item.value_offset(), offset);
                    assert_eq!(item.has_ttl(), ttl);
                    assert!(!item.is_stored() && !item.is_uncertain() && !item.is_setting());
                }
            }
        }
        assert_eq!(Item::fresh(1 << 40 | 5, OFFSET_SPAN + 3, false).number(), 5);
        assert_eq!(
            Item::fresh(0, OFFSET_SPAN + 3, false).value_offset(),
            3,
            "offsets wrap"
        );
    }

    #[test]
    fn overwrites_move_only_the_value_offset() {
        let item = Item::fresh((1 << 40) - 1, 20, true).stored_at(77);
        let next = item.overwritten();
        assert_eq!(next.value_offset(), 21);
        assert_eq!(next.number(), item.number());
        assert!(next.has_ttl() && next.is_stored());
        assert_eq!(next.set_ms(), 77);
        let last = Item::fresh(9, OFFSET_SPAN - 1, false).overwritten();
        assert_eq!((last.value_offset(), last.number()), (0, 9));
    }

    #[test]
    fn flags_are_independent() {
        let mut item = Item::fresh(0x11_0000_0001, 99, false);
        item.mark_setting(true);
        assert!(item.is_setting() && !item.is_stored());
        item.make_uncertain();
        assert!(item.is_uncertain() && item.is_setting());
        let stored = item.stored_at(u32::MAX);
        assert!(stored.is_stored() && !stored.is_uncertain() && !stored.is_setting());
        assert_eq!(stored.set_ms(), u32::MAX);
        assert_eq!(
            (stored.number(), stored.value_offset()),
            (0x11_0000_0001, 99)
        );
        item.mark_setting(false);
        assert!(!item.is_setting() && item.is_uncertain());
    }
}
