//! The keys of a keyspace of `N` keys: key id `i` names the same printable
//! key in every run and on every client machine given the same `N`, key
//! sizes and key prefix, whatever the seed, so that runs and machines meet
//! the same items on the server.
//!
//! A key is the run's common prefix (`--key-prefix`), the 8 characters
//! naming `i` (distinct for distinct ids below 2^48), and a filler to the
//! key's length: a slice of a block of printable bytes drawn once from a
//! fixed seed, at an offset derived from `i`. The length (the common prefix
//! excluded) is a function of `i` too: the key-size distribution's quantile
//! at a point derived from `i`. Nothing is copied per key.

use crate::bytes::{PREFIX_SPACE, encode_prefix, printable_block};
use crate::config::{MAX_KEY_LEN, MIN_KEY_LEN, PREFIX_LEN};
use crate::seed::{derive_rng, mix64, unit};
use crate::size_dist::SizeDist;
use crate::task::Key;

/// The seed of the filler block: fixed, so that keys do not depend on the
/// run's seed.
const FILLER_SEED: u64 = 0x6b65_792d_6e61_6d65;
/// Fillers start below this offset into their block.
const FILLER_SPAN: usize = 4 << 10;
/// Mixed into an id to draw its key's length.
const LEN_SALT: u64 = 0x6c65_6e67_7468_0001;

/// Why a keyspace's keys cannot be named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NamesError {
    /// More keys than 8 characters name (2^48), or none.
    Keys(u64),
    /// A common prefix that leaves no room for a key of 16 bytes.
    Prefix {
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
            NamesError::Prefix { common } => write!(
                f,
                "a {common}-byte key prefix; keys are {MIN_KEY_LEN} to {MAX_KEY_LEN} bytes \
                 after the prefix, and the prefix and key together at most {MAX_KEY_LEN}"
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
    lens: SizeDist,
    /// The shortest and longest key after the common prefix.
    min: u32,
    max: u32,
    filler: Box<[u8]>,
}

impl KeyNames {
    /// Names for ids `0..keys`, each key `common` followed by a part of a
    /// length drawn from `lens`, clamped to 16..=250 bytes and to 250 bytes
    /// with `common`.
    pub fn new(keys: u64, lens: SizeDist, common: &[u8]) -> Result<KeyNames, NamesError> {
        if keys == 0 || keys > PREFIX_SPACE {
            return Err(NamesError::Keys(keys));
        }
        let max = (MAX_KEY_LEN as usize).saturating_sub(common.len());
        if max < MIN_KEY_LEN as usize {
            return Err(NamesError::Prefix {
                common: common.len(),
            });
        }
        let (min, max) = (MIN_KEY_LEN, max as u32);
        let longest = lens.largest(min, max) as usize;
        let mut rng = derive_rng(FILLER_SEED, 0);
        Ok(KeyNames {
            common: common.into(),
            keys,
            lens,
            min,
            max,
            filler: printable_block(&mut rng, FILLER_SPAN + longest - PREFIX_LEN),
        })
    }

    /// Names for a trace's objects: any id below 2^48, keys of 8 to 250
    /// bytes after `common` (their 8 naming characters, then filler).
    pub fn for_trace(common: &[u8]) -> KeyNames {
        let max = (MAX_KEY_LEN as usize)
            .saturating_sub(common.len())
            .max(PREFIX_LEN);
        let mut rng = derive_rng(FILLER_SEED, 0);
        KeyNames {
            common: common.into(),
            keys: PREFIX_SPACE,
            lens: SizeDist::Fixed(max as u32),
            min: PREFIX_LEN as u32,
            max: max as u32,
            filler: printable_block(&mut rng, FILLER_SPAN + max - PREFIX_LEN),
        }
    }

    /// How many keys there are.
    pub fn keys(&self) -> u64 {
        self.keys
    }

    /// The key sizes, before clamping.
    pub fn lens(&self) -> &SizeDist {
        &self.lens
    }

    /// The shortest and longest key the clamp allows (the common prefix
    /// excluded).
    pub fn bounds(&self) -> (u32, u32) {
        (self.min, self.max)
    }

    /// The length of key `id` after the common prefix.
    pub fn len_of(&self, id: u64) -> usize {
        let u = unit(mix64(id ^ LEN_SALT));
        self.lens.size(u, self.min, self.max) as usize
    }

    /// The key of id `id` (taken modulo the number of keys).
    pub fn key(&self, id: u64) -> Key<'_> {
        let id = id % self.keys;
        self.key_of_len(id, self.len_of(id))
    }

    /// A key naming `id` (below 2^48) with `len` bytes after the common
    /// prefix (clamped to the bounds).
    pub fn key_of_len(&self, id: u64, len: usize) -> Key<'_> {
        let len = len.clamp(self.min as usize, self.max as usize);
        let offset = (mix64(id) % FILLER_SPAN as u64) as usize;
        let filler = self
            .filler
            .get(offset..offset + len - PREFIX_LEN)
            .unwrap_or_default();
        Key::new(&self.common, encode_prefix(id), filler)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use memaslap_proto::WriteKey;
    use std::collections::HashSet;

    fn bytes(key: Key<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        key.append_to(&mut out);
        out
    }

    #[test]
    fn every_id_names_its_own_printable_key_of_the_length_asked() {
        let names = KeyNames::new(50_000, SizeDist::Fixed(36), b"app:").unwrap();
        let mut seen = HashSet::new();
        for id in 0..50_000 {
            let key = bytes(names.key(id));
            assert_eq!(key.len(), 40);
            assert!(key.starts_with(b"app:"));
            assert!(key.iter().all(u8::is_ascii_graphic), "{key:?}");
            assert!(names.key(id).is_printable(), "the claim holds: {key:?}");
            assert!(seen.insert(key), "id {id} names a key twice");
        }
        assert_eq!(bytes(names.key(50_003)), bytes(names.key(3)));
    }

    /// A key claims to be printable only when its common prefix is: a
    /// prefix nobody validated has its bytes checked by the encoder.
    #[test]
    fn a_key_under_an_unprintable_common_prefix_does_not_claim_to_be_printable() {
        // The text protocol refuses the first three; it takes bytes above
        // ASCII, which are not printable ASCII all the same.
        for (common, refused) in [
            (&b"a b:"[..], true),
            (b"\r", true),
            (b"\x7f", true),
            (b"\x80", false),
        ] {
            let names = KeyNames::new(10, SizeDist::Fixed(16), common).unwrap();
            assert!(!names.key(1).is_printable(), "{common:?}");
            let mut out = Vec::new();
            let encoded = memaslap_proto::ascii::encode_get(&mut out, [names.key(1)]);
            assert_eq!(encoded.is_err(), refused, "{common:?}");
            assert_eq!(out.is_empty(), refused);
        }
    }

    #[test]
    fn the_same_keyspace_names_the_same_keys() {
        let a = KeyNames::new(1000, SizeDist::ETC_KEYS, b"").unwrap();
        let b = KeyNames::new(1000, SizeDist::ETC_KEYS, b"").unwrap();
        for id in [0, 1, 999] {
            assert_eq!(bytes(a.key(id)), bytes(b.key(id)));
        }
        // The shortest key: 16 bytes after the prefix.
        let short = KeyNames::new(10, SizeDist::Fixed(3), b"12345678").unwrap();
        assert_eq!(bytes(short.key(0)).len(), 24);
        // Lengths follow the distribution, within the clamp.
        let lens: Vec<usize> = (0..1000).map(|id| bytes(a.key(id)).len()).collect();
        assert!(lens.iter().all(|l| (16..=250).contains(l)));
        let mut sorted = lens.clone();
        sorted.sort_unstable();
        let median = SizeDist::ETC_KEYS.quantile(0.5);
        assert!(
            (sorted[500] as f64 - median).abs() <= 2.0,
            "{} vs {median}",
            sorted[500]
        );
    }

    #[test]
    fn sizes_out_of_range_are_refused_with_what_is_accepted() {
        let long = [b'p'; 240];
        for (keys, common) in [(0u64, &b""[..]), (PREFIX_SPACE + 1, b""), (10, &long[..])] {
            let e = KeyNames::new(keys, SizeDist::Fixed(32), common)
                .unwrap_err()
                .to_string();
            assert!(e.contains(" to "), "{keys}: {e}");
        }
    }
}
