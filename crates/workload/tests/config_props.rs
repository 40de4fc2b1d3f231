#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]
//! Property tests of the `-F` parser: it never panics, and a well-formed file
//! reads back exactly what was written, in any section order.

use memaslap_workload::{ConfigError, SizeRange, WorkloadConfig};
use proptest::prelude::*;

fn ranges(min_len: u32, max_len: u32) -> impl Strategy<Value = Vec<(u32, u32, u32)>> {
    // (min, max, weight): proportions are weights / 1000 summing to 1000.
    prop::collection::vec((min_len..=max_len, min_len..=max_len), 1..6).prop_map(|pairs| {
        let n = pairs.len() as u32;
        pairs
            .into_iter()
            .enumerate()
            .map(|(i, (a, b))| {
                let weight = if i as u32 == n - 1 {
                    1000 - 1000 / n * (n - 1)
                } else {
                    1000 / n
                };
                (a.min(b), a.max(b), weight)
            })
            .collect()
    })
}

fn section(name: &str, lines: &[(u32, u32, u32)]) -> String {
    let mut text = format!("# the {name} section\n{name}\n");
    for (min, max, weight) in lines {
        text.push_str(&format!("{min} {max} {}\n", f64::from(*weight) / 1000.0));
    }
    text
}

fn as_ranges(lines: &[(u32, u32, u32)]) -> Vec<SizeRange> {
    lines
        .iter()
        .map(|&(min, max, weight)| SizeRange::new(min, max, f64::from(weight) / 1000.0))
        .collect()
}

proptest! {
    #[test]
    fn never_panics_on_any_text(text in "(?s).{0,400}") {
        let _ = WorkloadConfig::parse_config(&text, "p.cnf");
    }

    #[test]
    fn never_panics_on_config_like_lines(
        lines in prop::collection::vec(
            prop_oneof![
                Just("key".to_owned()),
                Just("value".to_owned()),
                Just("cmd".to_owned()),
                "[0-9 .#x-]{0,20}",
            ],
            0..12,
        )
    ) {
        let text = lines.join("\n");
        match WorkloadConfig::parse_config(&text, "p.cnf") {
            Ok(config) => prop_assert!(config.validate().is_ok()),
            Err(ConfigError::File { file, line, .. }) => {
                prop_assert_eq!(file, "p.cnf");
                prop_assert!(line >= 1 && line <= lines.len());
            }
            Err(ConfigError::NoSections { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn well_formed_files_read_back(
        keys in ranges(16, 250),
        values in ranges(1, 1 << 20),
        set_weight in 0u32..=1000,
        order in 0usize..6,
    ) {
        let cmd = format!("cmd\n0 {}\n1 {}\n", f64::from(set_weight) / 1000.0,
            f64::from(1000 - set_weight) / 1000.0);
        let parts = [section("key", &keys), section("value", &values), cmd];
        let orders = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        let text: String = orders[order].iter().map(|&i| parts[i].as_str()).collect();
        let config = WorkloadConfig::parse_config(&text, "p.cnf").unwrap();
        prop_assert_eq!(&config.keys, &as_ranges(&keys));
        prop_assert_eq!(&config.values, &as_ranges(&values));
        prop_assert!((config.mix.set - f64::from(set_weight) / 1000.0).abs() < 1e-12);
        prop_assert!(config.validate().is_ok());
    }
}
