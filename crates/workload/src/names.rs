//! The keys of a keyspace of `N` keys: key id `i` names the same printable
//! key in every run and on every client machine given the same `N`, key
//! length and key prefix, whatever the seed, so that runs and machines meet
//! the same items on the server.
//!
//! A key is the run's common prefix (`--key-prefix`), the 8 characters
//! naming `i` (distinct for distinct ids below 2^48), and a filler to the
//! key's length: a slice of a block of printable bytes drawn once from a
//! fixed seed, at an offset derived from `i`. Nothing is copied per key.

use crate::bytes::{PREFIX_SPACE, encode_prefix, printable_block};
use crate::config::{MAX_KEY_LEN, MIN_KEY_LEN, PREFIX_LEN};
use crate::seed::{derive_rng, mix64};
use crate::task::Key;

/// The seed of the filler block: fixed, so that keys do not depend on the
/// run's seed.
const FILLER_SEED: u64 = 0x6b65_792d_6e61_6d65;
/// Fillers start below this offset into their block.
const FILLER_SPAN: usize = 4 << 10;

/// Why a keyspace's keys cannot be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamesError {
    /// More keys than 8 characters name (2^48), or none.
    Keys(u64),
    /// A key length outside 16..=250 with the common prefix.
    Length {
        /// The key length asked for, prefix included.
        len: usize,
        /// The common prefix's length.
        common: usize,
    },
}

impl std::fmt::Display for NamesError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NamesError::Keys(n) => write!(
                f,
                "a keyspace of {n} keys; it takes 1 to {PREFIX_SPACE} keys"
            ),
            NamesError::Length { len, common } => write!(
                f,
                "keys of {len} bytes with a {common}-byte prefix; a key takes \
                 {MIN_KEY_LEN} to {MAX_KEY_LEN} bytes, its prefix included, and \
                 {PREFIX_LEN} more than its prefix"
            ),
        }
    }
}

impl std::error::Error for NamesError {}

/// Names the keys of a keyspace.
#[derive(Debug, Clone)]
pub struct KeyNames {
    common: Box<[u8]>,
    keys: u64,
    /// Filler bytes per key.
    filler_len: usize,
    filler: Box<[u8]>,
}

impl KeyNames {
    /// Names for ids `0..keys`, each key `len` bytes long including
    /// `common`, the prefix every key starts with.
    pub fn new(keys: u64, len: usize, common: &[u8]) -> Result<KeyNames, NamesError> {
        if keys == 0 || keys > PREFIX_SPACE {
            return Err(NamesError::Keys(keys));
        }
        let own = len.saturating_sub(common.len());
        if !(MIN_KEY_LEN as usize..=MAX_KEY_LEN as usize).contains(&len) || own < PREFIX_LEN {
            return Err(NamesError::Length {
                len,
                common: common.len(),
            });
        }
        let filler_len = own - PREFIX_LEN;
        let mut rng = derive_rng(FILLER_SEED, 0);
        Ok(KeyNames {
            common: common.into(),
            keys,
            filler_len,
            filler: printable_block(&mut rng, FILLER_SPAN + filler_len),
        })
    }

    /// How many keys there are.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// The key of id `id` (taken modulo the number of keys).
    pub fn key(&self, id: u64) -> Key<'_> {
        let id = id % self.keys;
        let offset = (mix64(id) % FILLER_SPAN as u64) as usize;
        let filler = self
            .filler
            .get(offset..offset + self.filler_len)
            .unwrap_or_default();
        Key::new(&self.common, encode_prefix(id), filler)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    fn bytes(key: Key<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        key.append_to(&mut out);
        out
    }

    #[test]
    fn every_id_names_its_own_printable_key_of_the_length_asked() {
        let names = KeyNames::new(50_000, 40, b"app:").unwrap();
        let mut seen = HashSet::new();
        for id in 0..50_000 {
            let key = bytes(names.key(id));
            assert_eq!(key.len(), 40);
            assert!(key.starts_with(b"app:"));
            assert!(key.iter().all(u8::is_ascii_graphic), "{key:?}");
            assert!(seen.insert(key), "id {id} names a key twice");
        }
        assert_eq!(bytes(names.key(50_003)), bytes(names.key(3)));
    }

    #[test]
    fn the_same_keyspace_names_the_same_keys() {
        let a = KeyNames::new(1000, 64, b"").unwrap();
        let b = KeyNames::new(1000, 64, b"").unwrap();
        for id in [0, 1, 999] {
            assert_eq!(bytes(a.key(id)), bytes(b.key(id)));
        }
        // The shortest key: its 8 naming characters, no filler.
        let short = KeyNames::new(10, 16, b"12345678").unwrap();
        assert_eq!(bytes(short.key(0)).len(), 16);
    }

    #[test]
    fn sizes_out_of_range_are_refused_with_what_is_accepted() {
        for (keys, len, common) in [
            (0u64, 32usize, &b""[..]),
            (PREFIX_SPACE + 1, 32, b""),
            (10, 15, b""),
            (10, 251, b""),
            (10, 20, b"0123456789ab0"),
        ] {
            let e = KeyNames::new(keys, len, common).unwrap_err().to_string();
            assert!(e.contains(" to "), "{keys} {len}: {e}");
        }
    }
}
