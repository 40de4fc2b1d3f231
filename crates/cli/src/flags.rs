//! The formats of this tool's everyday flags beyond memaslap's own:
//! `--ratio SET:GET`, sizes `N` or `A-B`, percentile lists and key
//! prefixes. Each parser names what it accepts in its error.

use crate::units::parse_count;
use memaslap_workload::{KeyDist, Mix, SizeDist};

/// `SET:GET`, two non-negative numbers not both 0, as proportions of sets
/// and gets that add up to 1 (`1:9` is 10 % sets).
pub fn parse_ratio(text: &str) -> Result<(f64, f64), String> {
    let error = || {
        format!(
            "'{text}' is not a ratio; use SET:GET with numbers not both 0 (e.g. 1:9 for 10 % sets)"
        )
    };
    let (set, get) = text.split_once(':').ok_or_else(error)?;
    let parse = |s: &str| {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0)
    };
    let (set, get) = (parse(set).ok_or_else(error)?, parse(get).ok_or_else(error)?);
    // Two numbers near f64::MAX would sum to infinity; their halves do not.
    let (set, get) = if (set + get).is_finite() {
        (set, get)
    } else {
        (set / 2.0, get / 2.0)
    };
    let sum = set + get;
    if sum <= 0.0 {
        return Err(error());
    }
    Ok((set / sum, get / sum))
}

/// A length `N` or a range `A-B` (A ≤ B), each with an optional `k`/`m`
/// suffix as memaslap's counts, or a named distribution
/// (`gev:LOC,SCALE,SHAPE`, `gpareto:LOC,SCALE,SHAPE`).
pub fn parse_size_range(text: &str) -> Result<SizeDist, String> {
    if text.contains(':') {
        return text.parse::<SizeDist>().map_err(|e| e.to_string());
    }
    let error = || {
        format!(
            "'{text}' is not a size; use N, A-B with A <= B (e.g. 64 or 100-2k), \
             gev:LOC,SCALE,SHAPE or gpareto:LOC,SCALE,SHAPE"
        )
    };
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let size = |s: &str| parse_count(s).ok().and_then(|n| u32::try_from(n).ok());
    let (min, max) = (size(low).ok_or_else(error)?, size(high).ok_or_else(error)?);
    match min.cmp(&max) {
        std::cmp::Ordering::Greater => Err(error()),
        std::cmp::Ordering::Equal => Ok(SizeDist::Fixed(min)),
        std::cmp::Ordering::Less => Ok(SizeDist::Uniform { min, max }),
    }
}

/// A command mix, as `--mix` names it.
pub fn parse_mix(text: &str) -> Result<Mix, String> {
    text.parse::<Mix>().map_err(|e| e.to_string())
}

/// A key distribution, as `--key-dist` names it.
pub fn parse_key_dist(text: &str) -> Result<KeyDist, String> {
    text.parse::<KeyDist>().map_err(|e| e.to_string())
}

/// Percentiles to show, in increasing order, each above 0 and below 100.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles(pub Vec<f64>);

/// A comma-separated list of percentiles, each above 0 and below 100
/// (`50,99,99.9`).
pub fn parse_percentiles(text: &str) -> Result<Percentiles, String> {
    let error = || {
        format!(
            "'{text}' is not a list of percentiles; use numbers between 0 and 100, comma-separated (e.g. 50,99,99.9)"
        )
    };
    let mut list = text
        .split(',')
        .map(|p| {
            p.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| *v > 0.0 && *v < 100.0)
                .ok_or_else(error)
        })
        .collect::<Result<Vec<f64>, String>>()?;
    list.sort_by(f64::total_cmp);
    list.dedup();
    Ok(Percentiles(list))
}

/// A key prefix: printable ASCII without spaces, as memcached's text
/// protocol accepts in a key, at most 64 bytes.
pub fn parse_key_prefix(text: &str) -> Result<String, String> {
    if text.is_empty() || text.len() > 64 || !text.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "'{text}' is not a key prefix; use 1 to 64 printable characters without spaces"
        ));
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios() {
        assert_eq!(parse_ratio("1:9"), Ok((0.1, 0.9)));
        assert_eq!(parse_ratio("1:0"), Ok((1.0, 0.0)));
        assert_eq!(parse_ratio(" 3 : 1 "), Ok((0.75, 0.25)));
        assert_eq!(parse_ratio("1e308:1e308"), Ok((0.5, 0.5)));
        for bad in ["0:0", "1", "a:b", "-1:2", "1:inf"] {
            assert!(parse_ratio(bad).unwrap_err().contains("SET:GET"), "{bad}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size_range("64"), Ok(SizeDist::Fixed(64)));
        assert_eq!(
            parse_size_range("100-2k"),
            Ok(SizeDist::Uniform {
                min: 100,
                max: 2048
            })
        );
        assert_eq!(
            parse_size_range("gpareto:0,214.476,0.348238"),
            Ok(SizeDist::ETC_VALUES)
        );
        for bad in ["", "5-3", "a", "1-", "-2", "gev:1,2", "pareto:1,2,3"] {
            assert!(parse_size_range(bad).unwrap_err().contains("A-B"), "{bad}");
        }
        assert!(parse_key_dist("zipf:0").unwrap_err().contains("zipf:S"));
        assert_eq!(
            parse_key_dist("zipf:0.99"),
            Ok(KeyDist::Zipf { exponent: 0.99 })
        );
    }

    #[test]
    fn percentiles() {
        assert_eq!(
            parse_percentiles("99.9,50,99,50"),
            Ok(Percentiles(vec![50.0, 99.0, 99.9]))
        );
        for bad in ["", "0", "100", "50,x"] {
            assert!(parse_percentiles(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn key_prefixes() {
        assert_eq!(parse_key_prefix("app:"), Ok("app:".into()));
        for bad in ["", "a b", "é", &"x".repeat(65)] {
            assert!(parse_key_prefix(bad).is_err(), "{bad}");
        }
    }
}
