//! The keys of a window-model get: the entries of its record, expanded
//! through the connection's key space.

use std::fmt;

use crate::item::Entry;
use crate::keyspace::KeySpace;
use crate::task::{GetEntry, GetKeys, Key};

/// The keys of a [`crate::Generator`]'s get, distinct, in the order to send
/// them.
#[derive(Clone, Copy)]
pub struct GetBatch<'g, 'w> {
    entries: &'g [Entry],
    space: &'g KeySpace<'w>,
}

impl<'g, 'w: 'g> GetBatch<'g, 'w> {
    pub(crate) const fn new(entries: &'g [Entry], space: &'g KeySpace<'w>) -> Self {
        Self { entries, space }
    }
}

impl<'g, 'w: 'g> GetKeys<'w> for GetBatch<'g, 'w> {
    #[inline]
    fn len(&self) -> usize {
        self.entries.len()
    }

    #[inline]
    fn get(&self, index: usize) -> Option<GetEntry<'w>> {
        let entry = self.entries.get(index)?;
        let item = entry.item;
        Some(GetEntry {
            key: self.space.key_of(&entry.key),
            expected: self.space.value(item),
            check: entry.check,
            exptime: item.exptime(),
            set_at: self.space.set_at(item),
        })
    }

    #[inline]
    fn key(&self, index: usize) -> Option<Key<'w>> {
        self.entries
            .get(index)
            .map(|entry| self.space.key_of(&entry.key))
    }
}

impl fmt::Debug for GetBatch<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|entry| (entry.key, entry.check)))
            .finish()
    }
}
