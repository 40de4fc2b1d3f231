//! A get of several keys (`-d`): its keys joined in one list, with where
//! each ends, for the codecs that write them all.

use super::codec::Codec;
use super::{Exchange, Unencodable, tag};
use memaslap_workload::{GetKeys, Retrieve, TaskId};

impl<'w> Exchange<'w> {
    /// Encodes get `id` of the keys of `batch`, several or none, through
    /// the key list; returns how many keys it asked for.
    #[inline(never)]
    pub(super) fn encode_multi_get(
        &mut self,
        id: TaskId,
        batch: &impl GetKeys<'w>,
        retrieve: Retrieve,
    ) -> (Result<(), Unencodable>, usize) {
        self.keys.clear();
        self.key_ends.clear();
        for key in batch.keys() {
            key.append_to(&mut self.keys);
            self.key_ends.push(self.keys.len());
        }
        let keys = KeyList {
            bytes: &self.keys,
            ends: &self.key_ends,
        };
        let out = self.batch.bytes_mut();
        let encoded = self.codec.encode_get(out, keys, retrieve, tag(id));
        (encoded, self.key_ends.len())
    }
}

/// Keys stored one after another, with where each ends.
#[derive(Clone, Copy)]
pub(super) struct KeyList<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) ends: &'a [usize],
}

impl<'a> KeyList<'a> {
    pub(super) fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(move |(start, end)| self.bytes.get(start..end).unwrap_or_default())
    }
}
