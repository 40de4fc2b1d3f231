//! One item of a connection's window, and one key of a get batch.

use std::time::Instant;

use crate::bytes::OFFSET_SPAN;
use crate::config::PREFIX_LEN;
use crate::task::{Check, Key};

/// An object a connection stores and reads back: memaslap's task item.
///
/// Its key is `prefix` plus `key_len - 8` bytes of the block from
/// `suffix_offset`; its value is `value_len` bytes of the block from
/// `value_offset`. Offsets stay below [`OFFSET_SPAN`] and the block is longer
/// than that by the longest key suffix or value, so both are always slices.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Item {
    pub prefix: [u8; PREFIX_LEN],
    pub suffix_offset: u32,
    pub value_offset: u32,
    pub value_len: u32,
    pub key_len: u32,
    /// Expiry in seconds: 0, or the fixed TTL for items checked for expiry.
    pub exptime: u32,
    /// Whether the server holds this key with this value.
    pub stored: bool,
    /// An overwrite failed or went unanswered: the server may hold either
    /// value, or none, so the item is not verified until stored again.
    pub uncertain: bool,
    /// When the last successful set completed.
    pub set_at: Option<Instant>,
}

impl Item {
    /// The key, borrowing its suffix from `block`.
    pub fn key<'w>(&self, block: &'w [u8]) -> Key<'w> {
        let suffix_len = (self.key_len as usize).saturating_sub(PREFIX_LEN);
        Key::new(self.prefix, slice(block, self.suffix_offset, suffix_len))
    }

    /// The value, borrowed from `block`.
    pub fn value<'w>(&self, block: &'w [u8]) -> &'w [u8] {
        slice(block, self.value_offset, self.value_len as usize)
    }

    /// The same key with the next value: the value offset moves by one, so
    /// the expected bytes change.
    pub fn overwritten(&self) -> Self {
        Self {
            value_offset: (self.value_offset + 1) % OFFSET_SPAN,
            ..*self
        }
    }
}

fn slice(block: &[u8], offset: u32, len: usize) -> &[u8] {
    let start = offset as usize;
    block
        .get(start..start.saturating_add(len))
        .unwrap_or_default()
}

/// One key of the get in flight: its window slot and what to check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Entry {
    pub slot: u32,
    pub check: Check,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_and_value_are_block_slices() {
        let block: Vec<u8> = (0..=255u8)
            .cycle()
            .take(OFFSET_SPAN as usize + 300)
            .collect();
        let item = Item {
            prefix: *b"00000001",
            suffix_offset: 10,
            value_offset: 20,
            value_len: 5,
            key_len: 12,
            ..Item::default()
        };
        let key = item.key(&block);
        assert_eq!(key.prefix(), b"00000001");
        assert_eq!(key.suffix(), &[10, 11, 12, 13]);
        assert_eq!(item.value(&block), &[20, 21, 22, 23, 24]);
        let next = item.overwritten();
        assert_eq!(next.value(&block), &[21, 22, 23, 24, 25]);
        assert_eq!(next.key(&block), key);
        let last = Item {
            value_offset: OFFSET_SPAN - 1,
            ..item
        };
        assert_eq!(last.overwritten().value_offset, 0);
    }
}
