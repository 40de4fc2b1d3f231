//! The keys of a keyspace get: ids of the connection's record, named
//! through the shared keyspace.

use std::fmt;

use super::Keyspace;
use crate::task::{Check, GetEntry, GetKeys, Key, Retrieve};

/// The keys of a [`crate::KeyspaceSource`]'s get, distinct, in the order
/// to send them.
#[derive(Clone, Copy)]
pub struct KeyspaceBatch<'g, 'w> {
    space: &'w Keyspace,
    ids: &'g [u64],
    check: Check,
    retrieve: Retrieve,
}

impl<'g, 'w> KeyspaceBatch<'g, 'w> {
    pub(crate) const fn new(
        space: &'w Keyspace,
        ids: &'g [u64],
        check: Check,
        retrieve: Retrieve,
    ) -> Self {
        Self {
            space,
            ids,
            check,
            retrieve,
        }
    }

    /// The key ids, in order.
    pub fn ids(&self) -> &'g [u64] {
        self.ids
    }
}

impl<'w> GetKeys<'w> for KeyspaceBatch<'_, 'w> {
    #[inline]
    fn len(&self) -> usize {
        self.ids.len()
    }

    #[inline]
    fn get(&self, index: usize) -> Option<GetEntry<'w>> {
        let id = *self.ids.get(index)?;
        Some(GetEntry {
            key: self.space.key(id),
            expected: self.space.value(id),
            check: self.check,
            exptime: 0,
            set_at: None,
        })
    }

    #[inline]
    fn key(&self, index: usize) -> Option<Key<'w>> {
        self.ids.get(index).map(|&id| self.space.key(id))
    }

    #[inline]
    fn retrieve(&self) -> Retrieve {
        self.retrieve
    }
}

impl fmt::Debug for KeyspaceBatch<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.iter().map(|entry| (entry.key, entry.check)))
            .finish()
    }
}
