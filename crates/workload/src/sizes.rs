//! memaslap's size table: 1,024 lengths in the configured proportions.

use rand_xoshiro::Xoshiro256PlusPlus;

use crate::config::SizeRange;
use crate::seed::below;
use crate::size_dist::SizeDist;

/// Entries in a size table; each range contributes its proportion of them.
pub const TABLE_LEN: usize = 1024;

/// How many of the [`TABLE_LEN`] entries each range gets: its proportion of
/// the table (proportions normalised by their sum), rounded so the counts
/// add up to exactly [`TABLE_LEN`].
pub(crate) fn range_counts(ranges: &[SizeRange]) -> impl Iterator<Item = usize> + '_ {
    let total: f64 = ranges.iter().map(|r| r.proportion).sum();
    let scale = if total > 0.0 {
        TABLE_LEN as f64 / total
    } else {
        0.0
    };
    let mut cumulative = 0.0;
    let mut placed = 0usize;
    ranges.iter().map(move |range| {
        cumulative += range.proportion;
        let end = ((cumulative * scale).round() as usize).min(TABLE_LEN);
        let count = end.saturating_sub(placed);
        placed = placed.max(end);
        count
    })
}

/// A shuffled table of lengths: each range's share of entries, each length
/// drawn uniformly within its range.
pub(crate) fn size_table(rng: &mut Xoshiro256PlusPlus, ranges: &[SizeRange]) -> Box<[u32]> {
    let mut table = Vec::with_capacity(TABLE_LEN);
    for (range, count) in ranges.iter().zip(range_counts(ranges)) {
        let width = u64::from(range.max.saturating_sub(range.min)) + 1;
        for _ in 0..count {
            let offset = u32::try_from(below(rng, width)).unwrap_or(0);
            table.push(range.min.saturating_add(offset));
        }
    }
    // Proportions are validated to sum to 1, so the table is already full;
    // pad defensively with the last length should rounding ever fall short.
    let last = table.last().copied().unwrap_or(1);
    table.resize(TABLE_LEN, last);
    shuffle(rng, &mut table);
    table.into_boxed_slice()
}

/// A shuffled table of lengths from a named distribution: entry `i` is
/// its quantile at `(i + 0.5) / TABLE_LEN`, clamped to `min..=max`.
pub(crate) fn dist_table(
    rng: &mut Xoshiro256PlusPlus,
    dist: &SizeDist,
    min: u32,
    max: u32,
) -> Box<[u32]> {
    let mut table: Vec<u32> = (0..TABLE_LEN)
        .map(|i| dist.size((i as f64 + 0.5) / TABLE_LEN as f64, min, max))
        .collect();
    shuffle(rng, &mut table);
    table.into_boxed_slice()
}

/// Fisher–Yates shuffle driven by the seeded generator.
fn shuffle(rng: &mut Xoshiro256PlusPlus, table: &mut [u32]) {
    for i in (1..table.len()).rev() {
        let j = below(rng, i as u64 + 1) as usize;
        table.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::derive_rng;

    fn counts(ranges: &[SizeRange]) -> Vec<usize> {
        range_counts(ranges).collect()
    }

    #[test]
    fn counts_follow_proportions_and_fill_the_table() {
        let r = |p| SizeRange::new(16, 16, p);
        assert_eq!(counts(&[r(1.0)]), [1024]);
        assert_eq!(counts(&[r(0.5), r(0.5)]), [512, 512]);
        assert_eq!(counts(&[r(0.1), r(0.9)]), [102, 922]);
        let thirds = counts(&[r(0.3333), r(0.3333), r(0.3334)]);
        assert_eq!(thirds.iter().sum::<usize>(), 1024);
        assert!(
            thirds.iter().all(|&c| (341..=342).contains(&c)),
            "{thirds:?}"
        );
        // Sums within the tolerance are normalised.
        assert_eq!(counts(&[r(0.4995), r(0.5)]).iter().sum::<usize>(), 1024);
        assert_eq!(counts(&[r(0.0), r(1.0)]), [0, 1024]);
    }

    #[test]
    fn table_is_shuffled_within_ranges() {
        let ranges = [
            SizeRange::new(1, 10, 0.25),
            SizeRange::new(1000, 2000, 0.75),
        ];
        let table = size_table(&mut derive_rng(9, 0), &ranges);
        assert_eq!(table.len(), TABLE_LEN);
        let small = table.iter().filter(|&&l| (1..=10).contains(&l)).count();
        let large = table
            .iter()
            .filter(|&&l| (1000..=2000).contains(&l))
            .count();
        assert_eq!((small, large), (256, 768));
        // Shuffled: the small entries are not all at the front.
        assert!(table[..256].iter().any(|&l| l >= 1000));
        // Every length of a narrow range is drawn.
        for len in 1..=10 {
            assert!(table.contains(&len), "length {len} never drawn");
        }
        assert_eq!(table, size_table(&mut derive_rng(9, 0), &ranges));
        assert_ne!(table, size_table(&mut derive_rng(10, 0), &ranges));
    }
}
