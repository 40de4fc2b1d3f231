//! Key and value sizes as `--key-size` and `--value-size` name them: a
//! fixed size, a uniform range, or a named distribution fitted to a
//! production cache.
//!
//! - `N`: every item `N` bytes.
//! - `A-B`: uniform over `A..=B`.
//! - `gev:LOC,SCALE,SHAPE`: the generalized extreme value distribution,
//!   `F(x) = exp(-(1 + SHAPE·z)^(-1/SHAPE))` with `z = (x - LOC) / SCALE`.
//! - `gpareto:LOC,SCALE,SHAPE`: the generalized Pareto distribution,
//!   `F(x) = 1 - (1 + SHAPE·z)^(-1/SHAPE)` for `x ≥ LOC`.
//!
//! Facebook's ETC pool (Atikoglu et al., "Workload Analysis of a
//! Large-Scale Key-Value Store", SIGMETRICS 2012) fits its key sizes with
//! `gev:30.7984,8.20449,0.078688` and its value sizes with
//! `gpareto:0,214.476,0.348238`; [`SizeDist::ETC_KEYS`] and
//! [`SizeDist::ETC_VALUES`] are those fits.
//!
//! A size is the distribution's quantile at a point `u` of `(0, 1)`,
//! rounded to whole bytes and clamped to the bounds a caller gives
//! (memcached's limits); [`SizeDist::clamped_share`] says how much of the
//! distribution the clamp moves.

use std::fmt;
use std::str::FromStr;

use crate::config::{PROPORTION_TOLERANCE, SizeRange};

/// A distribution of sizes in bytes.
#[derive(Debug, Clone, PartialEq)]
pub enum SizeDist {
    /// Every size the same.
    Fixed(u32),
    /// Uniform over `min..=max`.
    Uniform {
        /// The smallest size.
        min: u32,
        /// The largest size.
        max: u32,
    },
    /// Uniform ranges, each taking its proportion (a `-F` file's section).
    Ranges(Box<[SizeRange]>),
    /// The generalized extreme value distribution.
    Gev(Shape),
    /// The generalized Pareto distribution.
    GPareto(Shape),
}

/// The parameters of a named distribution.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Shape {
    /// Location.
    pub loc: f64,
    /// Scale, above 0.
    pub scale: f64,
    /// Shape (ξ).
    pub shape: f64,
}

/// Why a size text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SizeDistError(String);

impl fmt::Display for SizeDistError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "'{}' is not a size; use N, A-B (A <= B), gev:LOC,SCALE,SHAPE or \
             gpareto:LOC,SCALE,SHAPE (SCALE > 0)",
            self.0
        )
    }
}

impl std::error::Error for SizeDistError {}

impl SizeDist {
    /// Key sizes of Facebook's ETC pool (SIGMETRICS 2012).
    pub const ETC_KEYS: SizeDist = SizeDist::Gev(Shape {
        loc: 30.7984,
        scale: 8.20449,
        shape: 0.078688,
    });

    /// Value sizes of Facebook's ETC pool (SIGMETRICS 2012).
    pub const ETC_VALUES: SizeDist = SizeDist::GPareto(Shape {
        loc: 0.0,
        scale: 214.476,
        shape: 0.348238,
    });

    /// Ranges in their proportions; a single range of one size is
    /// [`SizeDist::Fixed`].
    pub fn from_ranges(ranges: &[SizeRange]) -> SizeDist {
        match ranges {
            [one] if one.min == one.max => SizeDist::Fixed(one.min),
            [one] => SizeDist::Uniform {
                min: one.min,
                max: one.max,
            },
            _ => SizeDist::Ranges(ranges.into()),
        }
    }

    /// The size at quantile `u` (in `[0, 1)`), rounded and clamped to
    /// `min..=max`.
    pub fn size(&self, u: f64, min: u32, max: u32) -> u32 {
        let x = self.quantile(u.clamp(0.0, 1.0 - f64::EPSILON));
        let x = if x.is_nan() {
            f64::from(min)
        } else {
            x.round()
        };
        x.clamp(f64::from(min), f64::from(max)) as u32
    }

    /// The real-valued quantile at `u`, before rounding and clamping.
    pub fn quantile(&self, u: f64) -> f64 {
        match self {
            SizeDist::Fixed(n) => f64::from(*n),
            SizeDist::Uniform { min, max } => uniform(*min, *max, u),
            SizeDist::Ranges(ranges) => ranges_quantile(ranges, u),
            SizeDist::Gev(p) => {
                let y = -u.ln();
                if p.shape.abs() < 1e-12 {
                    p.loc - p.scale * y.ln()
                } else {
                    p.loc + p.scale * (y.powf(-p.shape) - 1.0) / p.shape
                }
            }
            SizeDist::GPareto(p) => {
                if p.shape.abs() < 1e-12 {
                    p.loc - p.scale * (1.0 - u).ln()
                } else {
                    p.loc + p.scale * ((1.0 - u).powf(-p.shape) - 1.0) / p.shape
                }
            }
        }
    }

    /// The share of the distribution that clamping to `min..=max` moves:
    /// sizes that would round below `min` or above `max`.
    pub fn clamped_share(&self, min: u32, max: u32) -> f64 {
        let below = self.cdf(f64::from(min) - 0.5);
        let above = 1.0 - self.cdf(f64::from(max) + 0.5);
        (below + above).clamp(0.0, 1.0)
    }

    /// The probability of a size below `x` (real-valued, before rounding).
    pub fn cdf(&self, x: f64) -> f64 {
        match self {
            SizeDist::Fixed(n) => f64::from(u8::from(f64::from(*n) < x)),
            SizeDist::Uniform { min, max } => uniform_cdf(*min, *max, x),
            SizeDist::Ranges(ranges) => {
                let total: f64 = ranges.iter().map(|r| r.proportion).sum();
                ranges
                    .iter()
                    .map(|r| r.proportion * uniform_cdf(r.min, r.max, x))
                    .sum::<f64>()
                    / total.max(f64::MIN_POSITIVE)
            }
            SizeDist::Gev(p) => {
                let z = (x - p.loc) / p.scale;
                if p.shape.abs() < 1e-12 {
                    return (-(-z).exp()).exp();
                }
                let t = 1.0 + p.shape * z;
                if t <= 0.0 {
                    return if p.shape > 0.0 { 0.0 } else { 1.0 };
                }
                (-t.powf(-1.0 / p.shape)).exp()
            }
            SizeDist::GPareto(p) => {
                let z = (x - p.loc) / p.scale;
                if z <= 0.0 {
                    return 0.0;
                }
                if p.shape.abs() < 1e-12 {
                    return 1.0 - (-z).exp();
                }
                let t = 1.0 + p.shape * z;
                if t <= 0.0 {
                    return 1.0;
                }
                1.0 - t.powf(-1.0 / p.shape)
            }
        }
    }

    /// The largest size the distribution gives within `min..=max`.
    pub fn largest(&self, min: u32, max: u32) -> u32 {
        match self {
            SizeDist::Fixed(n) => (*n).clamp(min, max),
            SizeDist::Uniform { max: top, .. } => (*top).clamp(min, max),
            SizeDist::Ranges(ranges) => ranges
                .iter()
                .filter(|r| r.proportion > 0.0)
                .map(|r| r.max)
                .max()
                .unwrap_or(min)
                .clamp(min, max),
            SizeDist::Gev(_) | SizeDist::GPareto(_) => self.size(1.0, min, max),
        }
    }
}

/// `u` of the way through `min..=max`, each size taking an equal share.
fn uniform(min: u32, max: u32, u: f64) -> f64 {
    let width = f64::from(max.saturating_sub(min)) + 1.0;
    (f64::from(min) + (u * width).floor()).min(f64::from(max))
}

fn uniform_cdf(min: u32, max: u32, x: f64) -> f64 {
    let width = f64::from(max.saturating_sub(min)) + 1.0;
    ((x - f64::from(min) + 0.5) / width).clamp(0.0, 1.0)
}

fn ranges_quantile(ranges: &[SizeRange], u: f64) -> f64 {
    let total: f64 = ranges.iter().map(|r| r.proportion).sum();
    let mut at = u * total;
    for range in ranges.iter().filter(|r| r.proportion > 0.0) {
        if at < range.proportion {
            return uniform(range.min, range.max, at / range.proportion);
        }
        at -= range.proportion;
    }
    ranges
        .iter()
        .rev()
        .find(|r| r.proportion > PROPORTION_TOLERANCE)
        .map_or(0.0, |r| f64::from(r.max))
}

impl FromStr for SizeDist {
    type Err = SizeDistError;

    fn from_str(text: &str) -> Result<SizeDist, SizeDistError> {
        let bad = || SizeDistError(text.to_owned());
        let text = text.trim();
        if let Some((name, args)) = text.split_once(':') {
            let numbers = args
                .split(',')
                .map(|a| a.trim().parse::<f64>().ok().filter(|v| v.is_finite()))
                .collect::<Option<Vec<f64>>>()
                .ok_or_else(bad)?;
            let [loc, scale, shape] = numbers.as_slice() else {
                return Err(bad());
            };
            if *scale <= 0.0 {
                return Err(bad());
            }
            let p = Shape {
                loc: *loc,
                scale: *scale,
                shape: *shape,
            };
            return match name {
                "gev" => Ok(SizeDist::Gev(p)),
                "gpareto" => Ok(SizeDist::GPareto(p)),
                _ => Err(bad()),
            };
        }
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        match text.split_once('-') {
            Some((a, b)) => {
                let (min, max) = (number(a)?, number(b)?);
                if min > max {
                    return Err(bad());
                }
                Ok(if min == max {
                    SizeDist::Fixed(min)
                } else {
                    SizeDist::Uniform { min, max }
                })
            }
            None => Ok(SizeDist::Fixed(number(text)?)),
        }
    }
}

impl fmt::Display for SizeDist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SizeDist::Fixed(n) => write!(f, "{n}"),
            SizeDist::Uniform { min, max } => write!(f, "{min}-{max}"),
            SizeDist::Ranges(ranges) => {
                let parts: Vec<String> = ranges
                    .iter()
                    .map(|r| format!("{}-{}:{}", r.min, r.max, r.proportion))
                    .collect();
                f.write_str(&parts.join(","))
            }
            SizeDist::Gev(p) => write!(f, "gev:{},{},{}", p.loc, p.scale, p.shape),
            SizeDist::GPareto(p) => write!(f, "gpareto:{},{},{}", p.loc, p.scale, p.shape),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> SizeDist {
        text.parse().unwrap()
    }

    #[test]
    fn texts_parse_and_print_back() {
        for text in [
            "100",
            "16-64",
            "gev:30.7984,8.20449,0.078688",
            "gpareto:0,214.476,0.348238",
        ] {
            assert_eq!(parse(text).to_string(), text);
        }
        assert_eq!(parse("7-7"), SizeDist::Fixed(7));
        assert_eq!(parse("gev:30.7984,8.20449,0.078688"), SizeDist::ETC_KEYS);
        for bad in [
            "",
            "x",
            "9-3",
            "gev:1,2",
            "gev:1,0,1",
            "gev:1,-2,1",
            "normal:1,2,3",
            "gev:a,b,c",
            "1-",
        ] {
            let e = bad.parse::<SizeDist>().unwrap_err().to_string();
            assert!(e.contains("gpareto:LOC,SCALE,SHAPE"), "{bad}: {e}");
        }
    }

    #[test]
    fn quantiles_invert_the_cdf() {
        for dist in [
            SizeDist::ETC_KEYS,
            SizeDist::ETC_VALUES,
            parse("gev:100,10,-0.2"),
            parse("gpareto:5,3,0"),
        ] {
            for u in [0.01, 0.25, 0.5, 0.9, 0.99, 0.999] {
                let x = dist.quantile(u);
                assert!((dist.cdf(x) - u).abs() < 1e-9, "{dist} at {u}: {x}");
            }
        }
    }

    #[test]
    fn sizes_are_rounded_and_clamped() {
        let values = SizeDist::ETC_VALUES;
        assert_eq!(values.size(0.0, 1, 1 << 20), 1);
        assert_eq!(values.size(1.0, 1, 1 << 20), 1 << 20);
        let median = values.quantile(0.5);
        assert_eq!(f64::from(values.size(0.5, 1, 1 << 20)), median.round());
        let share = values.clamped_share(1, 1 << 20);
        assert!(share > 0.0 && share < 0.01, "{share}");
        assert_eq!(parse("10").clamped_share(1, 100), 0.0);
        assert_eq!(parse("10-20").clamped_share(15, 100), 5.0 / 11.0);
        assert_eq!(parse("10-20").largest(1, 15), 15);
    }

    #[test]
    fn uniform_and_ranges_take_every_size_in_proportion() {
        let dist = parse("1-4");
        let sizes: Vec<u32> = (0..8).map(|i| dist.size(i as f64 / 8.0, 1, 10)).collect();
        assert_eq!(sizes, [1, 1, 2, 2, 3, 3, 4, 4]);
        let ranges =
            SizeDist::from_ranges(&[SizeRange::new(1, 1, 0.25), SizeRange::new(100, 100, 0.75)]);
        assert_eq!(ranges.size(0.2, 1, 1000), 1);
        assert_eq!(ranges.size(0.3, 1, 1000), 100);
        assert!((ranges.cdf(50.0) - 0.25).abs() < 1e-12);
        assert_eq!(ranges.largest(1, 1000), 100);
    }
}
