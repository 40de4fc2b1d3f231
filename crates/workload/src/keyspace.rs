//! A connection's range of keys: how a compact window [`Item`] expands into
//! its key, its value and the time of its last set.
//!
//! Everything an item does not store is derived from its number `n` (the
//! `n`-th fresh key the connection drew):
//! - its prefix names `first + n`, `first` being the start of the
//!   connection's share of the prefix space;
//! - its key and value lengths are entry `(start + n) % 1024` of the size
//!   tables, `start` drawn once from the connection's stream, so items take
//!   the tables' entries in turn as before;
//! - its key suffix offset, and the offset its value starts at, are bits of
//!   a hash of the connection's stream and `n`: reproducible from the seed
//!   and independent between keys. Values start anywhere in the block's
//!   first [`OFFSET_SPAN`] bytes; key suffixes in its first
//!   [`KEY_SUFFIX_SPAN`] bytes, which stay in the processor's cache (the
//!   prefix alone makes a key unique; the suffix only gives it its length).
//!
//! Set times are kept to the millisecond from the epoch of the connection,
//! the completion time of its first successful set (an earlier time counts
//! as the epoch, and times past 49 days as 49 days).

use std::time::{Duration, Instant};

use crate::bytes::{OFFSET_SPAN, encode_prefix};
use crate::config::PREFIX_LEN;
use crate::item::{Item, NUMBER_BITS};
use crate::seed::mix64;
use crate::sizes::TABLE_LEN;
use crate::task::Key;
use crate::workload::Workload;

/// Key suffixes start below this offset into the block.
pub(crate) const KEY_SUFFIX_SPAN: u32 = 8 << 10;

/// Mixed into the connection's stream for key offsets, so they are not the
/// draws of its random generator.
const OFFSETS_TAG: u64 = 0x6b65_7973_7061_6365;

/// What an item's key is made of besides the run's common prefix: its
/// printed prefix and where its suffix lies in the block. A get keeps them
/// from when it is planned, so neither encoding it nor checking its reply
/// derives the key again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(test, derive(Default))]
pub(crate) struct KeyParts {
    prefix: [u8; PREFIX_LEN],
    /// Below [`KEY_SUFFIX_SPAN`].
    suffix_offset: u16,
    /// At most [`crate::config::MAX_KEY_LEN`].
    suffix_len: u16,
}

/// Key suffix offsets and lengths fit the parts' 16 bits, which keep a
/// get's one key in its record.
const _: () = assert!(KEY_SUFFIX_SPAN <= 1 << 16 && crate::config::MAX_KEY_LEN < 1 << 16);

/// A connection's keys and the clock its set times count from.
#[derive(Debug, Clone, Copy)]
pub(crate) struct KeySpace<'w> {
    workload: &'w Workload,
    first_prefix: u64,
    numbers: u64,
    size_start: usize,
    stream: u64,
    epoch: Option<Instant>,
}

impl<'w> KeySpace<'w> {
    /// The keys of connection `connection`, whose first item takes size
    /// table entry `size_start`.
    pub fn new(workload: &'w Workload, connection: u32, size_start: usize) -> Self {
        let per = workload.prefixes_per_connection();
        KeySpace {
            workload,
            first_prefix: u64::from(connection) * per,
            numbers: per.min(1 << NUMBER_BITS),
            size_start: size_start % TABLE_LEN,
            stream: mix64(workload.seed() ^ mix64(u64::from(connection)) ^ OFFSETS_TAG),
            epoch: None,
        }
    }

    /// How many fresh keys the connection may draw: its share of the prefix
    /// space, at most `2^40`.
    pub fn numbers(&self) -> u64 {
        self.numbers
    }

    /// Item number `number`, not stored yet, with the fixed TTL when `ttl`.
    pub fn fresh(&self, number: u64, ttl: bool) -> Item {
        let (_, value_offset) = self.offsets(number);
        Item::fresh(number, value_offset, ttl)
    }

    /// The key of `item`, borrowing its suffix from the block.
    pub fn key(&self, item: Item) -> Key<'w> {
        self.key_of(&self.key_parts(item))
    }

    /// What the key of `item` is made of, for [`KeySpace::key_of`].
    pub fn key_parts(&self, item: Item) -> KeyParts {
        let number = item.number();
        let (key_len, _) = self.lens(number);
        let (suffix_offset, _) = self.offsets(number);
        // Both fit (see the assertion above); lengths are bounded by the
        // configuration.
        let suffix_len = key_len.saturating_sub(PREFIX_LEN as u32);
        KeyParts {
            prefix: encode_prefix(self.first_prefix + number),
            suffix_offset: suffix_offset as u16,
            suffix_len: suffix_len.min(u32::from(u16::MAX)) as u16,
        }
    }

    /// The key made of `parts`.
    #[inline]
    pub fn key_of(&self, parts: &KeyParts) -> Key<'w> {
        Key::new(
            &self.workload.config().key_prefix,
            parts.prefix,
            slice(
                self.workload.block(),
                u32::from(parts.suffix_offset),
                usize::from(parts.suffix_len),
            ),
        )
    }

    /// The value of `item`, borrowed from the block.
    pub fn value(&self, item: Item) -> &'w [u8] {
        let (_, value_len) = self.lens(item.number());
        slice(
            self.workload.block(),
            item.value_offset(),
            value_len as usize,
        )
    }

    /// When `item` was last stored; `None` when it is not.
    pub fn set_at(&self, item: Item) -> Option<Instant> {
        let epoch = self.epoch.filter(|_| item.is_stored())?;
        Some(epoch + Duration::from_millis(u64::from(item.set_ms())))
    }

    /// `now` as a set time: milliseconds since the epoch, which the first
    /// call fixes.
    pub fn set_ms(&mut self, now: Instant) -> u32 {
        let epoch = *self.epoch.get_or_insert(now);
        let ms = now.saturating_duration_since(epoch).as_millis();
        u32::try_from(ms).unwrap_or(u32::MAX)
    }

    /// Key and value lengths of item number `number`.
    fn lens(&self, number: u64) -> (u32, u32) {
        let turn = (number % TABLE_LEN as u64) as usize;
        self.workload.lens(self.size_start + turn)
    }

    /// Key suffix and first value offsets of item number `number`.
    fn offsets(&self, number: u64) -> (u32, u32) {
        let hash = mix64(self.stream ^ number);
        let suffix = hash % u64::from(KEY_SUFFIX_SPAN);
        let value = (hash >> 32) % u64::from(OFFSET_SPAN);
        (suffix as u32, value as u32)
    }
}

fn slice(block: &[u8], offset: u32, len: usize) -> &[u8] {
    let start = offset as usize;
    block
        .get(start..start.saturating_add(len))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::WorkloadConfig;
    use crate::bytes::PREFIX_SPACE;
    use crate::config::SizeRange;
    use memaslap_proto::WriteKey;

    fn workload(connections: u32) -> Workload {
        let config = WorkloadConfig {
            keys: vec![SizeRange::new(16, 250, 1.0)],
            values: vec![SizeRange::new(1, 3000, 1.0)],
            ..WorkloadConfig::default()
        };
        Workload::new(&config, 5, connections).unwrap()
    }

    #[test]
    fn keys_and_values_are_block_slices_derived_from_the_number() {
        let w = workload(4);
        let space = KeySpace::new(&w, 2, 1000);
        assert_eq!(space.first_prefix, 2 * (PREFIX_SPACE / 4));
        assert_eq!(space.numbers(), 1 << NUMBER_BITS);
        let block = w.block();
        for number in [0u64, 1, 23, 1023, 1024, 99_999] {
            let item = space.fresh(number, false);
            let key = space.key(item);
            assert_eq!(key.prefix(), &encode_prefix(space.first_prefix + number));
            let (key_len, value_len) = w.lens(1000 + (number % 1024) as usize);
            assert_eq!(key.len(), key_len as usize);
            assert_eq!(space.value(item).len(), value_len as usize);
            let (suffix, value) = space.offsets(number);
            assert_eq!(item.value_offset(), value);
            let at = |s: &[u8]| s.as_ptr() as usize - block.as_ptr() as usize;
            assert_eq!(at(key.suffix()), suffix as usize);
            assert_eq!(at(space.value(item)), value as usize);
            assert_eq!(space.key(item.overwritten()), key);
            assert_eq!(at(space.value(item.overwritten())), value as usize + 1);
        }
    }

    /// Every key claims to be printable (so the text encoder checks only
    /// its length), and every byte it writes is.
    #[test]
    fn keys_are_printable_as_they_claim() {
        let w = workload(4);
        for conn in 0..4 {
            let space = KeySpace::new(&w, conn, 0);
            for number in 0..20_000 {
                let key = space.key(space.fresh(number, false));
                assert!(key.is_printable());
                let mut out = Vec::new();
                key.append_to(&mut out);
                assert!(out.iter().all(u8::is_ascii_graphic), "{key:?}");
            }
        }
    }

    #[test]
    fn offsets_are_reproducible_spread_and_differ_by_connection() {
        let w = workload(4);
        let a = KeySpace::new(&w, 0, 0);
        let b = KeySpace::new(&w, 1, 0);
        let w2 = workload(4);
        let again = KeySpace::new(&w2, 0, 0);
        let n = 80_000u64;
        let mut values = [0u32; 16];
        let mut suffixes = [0u32; 16];
        let mut same = 0;
        for number in 0..n {
            let (suffix, value) = a.offsets(number);
            assert_eq!(again.offsets(number), (suffix, value));
            same += u32::from(b.offsets(number) == (suffix, value));
            assert!(suffix < KEY_SUFFIX_SPAN && value < OFFSET_SPAN);
            values[(value / (OFFSET_SPAN / 16)) as usize] += 1;
            suffixes[(suffix / (KEY_SUFFIX_SPAN / 16)) as usize] += 1;
        }
        assert_eq!(same, 0);
        let mean = (n / 16) as u32;
        for buckets in [values, suffixes] {
            assert!(
                buckets.iter().all(|&c| c.abs_diff(mean) < mean / 10),
                "{buckets:?}"
            );
        }
    }

    #[test]
    fn few_connections_are_capped_at_two_to_the_forty_keys() {
        let w = workload(1);
        assert_eq!(KeySpace::new(&w, 0, 0).numbers(), 1 << NUMBER_BITS);
        let config = WorkloadConfig {
            window: 10,
            ..WorkloadConfig::default()
        };
        let many = Workload::new(&config, 1, 1 << 20).unwrap();
        assert_eq!(KeySpace::new(&many, 7, 0).numbers(), PREFIX_SPACE >> 20);
    }

    #[test]
    fn set_times_count_milliseconds_from_the_first() {
        let w = workload(1);
        let mut space = KeySpace::new(&w, 0, 0);
        let item = space.fresh(3, true);
        assert_eq!(space.set_at(item), None);
        let t = Instant::now();
        assert_eq!(space.set_ms(t), 0);
        let later = t + Duration::from_millis(61_234) + Duration::from_micros(900);
        let ms = space.set_ms(later);
        assert_eq!(ms, 61_234);
        let stored = item.stored_at(ms);
        assert_eq!(
            space.set_at(stored),
            Some(t + Duration::from_millis(61_234))
        );
        assert_eq!(space.set_at(item), None, "not stored");
        if let Some(before) = t.checked_sub(Duration::from_secs(1)) {
            assert_eq!(space.set_ms(before), 0, "before the epoch");
        }
        let far = t + Duration::from_secs(60 * 86_400);
        assert_eq!(space.set_ms(far), u32::MAX);
    }
}
