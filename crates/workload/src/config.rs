//! The workload configuration: memaslap's flags and `-F` distributions.

use crate::command::{Command, Mix};
use crate::error::{ConfigError, Problem, Section};
use crate::size_dist::SizeDist;
use crate::space::KeyspaceConfig;
use crate::trace::TracePlan;

/// Length of the unique key prefix; every key is this prefix plus a suffix.
pub const PREFIX_LEN: usize = 8;
/// Shortest key accepted (memaslap's limit: the prefix plus 8 suffix bytes).
pub const MIN_KEY_LEN: u32 = 16;
/// Longest key accepted (memcached's text protocol limit).
pub const MAX_KEY_LEN: u32 = 250;

/// The longest `--key-prefix`.
pub const MAX_KEY_PREFIX: usize = 64;
/// Longest value accepted: 1 MiB, memcached's default item size limit.
pub const MAX_VALUE_LEN: u32 = 1 << 20;
/// Largest window (`-w`) accepted, in items per connection.
pub const MAX_WINDOW: usize = 1 << 26;
/// Largest number of keys per multi-get (`-d`) accepted.
pub const MAX_DIVISION: usize = 1024;
/// memaslap's default window: 10k items per connection.
pub const DEFAULT_WINDOW: usize = 10 * 1024;
/// Tolerance on a sum of proportions.
pub const PROPORTION_TOLERANCE: f64 = 0.001;

/// One line of a `key` or `value` section: lengths `min..=max` make up
/// `proportion` of all items.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SizeRange {
    /// Shortest length, inclusive.
    pub min: u32,
    /// Longest length, inclusive.
    pub max: u32,
    /// Share of items in this range, 0..=1.
    pub proportion: f64,
}

impl SizeRange {
    /// A range with the given bounds and proportion.
    pub const fn new(min: u32, max: u32, proportion: f64) -> Self {
        Self {
            min,
            max,
            proportion,
        }
    }
}

/// Which of several client processes (machines) of one run this is
/// (`--instance I/N`): the run's connections are all instances'
/// connections together, instance `index` holding the `index`-th share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instance {
    /// This instance, below `count`.
    pub index: u32,
    /// Instances in the run, at least 1.
    pub count: u32,
}

impl Default for Instance {
    fn default() -> Self {
        Instance { index: 0, count: 1 }
    }
}

/// The `cmd` section: proportions of sets and gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommandMix {
    /// Share of sets (command type 0).
    pub set: f64,
    /// Share of gets (command type 1).
    pub get: f64,
}

impl CommandMix {
    /// Whether the mix has no sets, so the window is stored first (warm-up).
    ///
    /// Like memaslap, a set proportion below 0.001 counts as none.
    pub fn has_no_sets(&self) -> bool {
        self.set < PROPORTION_TOLERANCE
    }
}

impl Default for CommandMix {
    fn default() -> Self {
        Self { set: 0.1, get: 0.9 }
    }
}

/// Everything that decides what memaslap sends: built from its flags and an
/// optional `-F` file, checked by [`WorkloadConfig::validate`].
///
/// [`Default`] gives memaslap's defaults: window 10k, no verification, no
/// expiry, no overwrite, single gets, keys of 64 bytes, values of 1024 bytes,
/// 10 % sets and 90 % gets.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkloadConfig {
    /// `-w`: items in each connection's window.
    pub window: usize,
    /// `-X`: every value this long, overriding the value distribution.
    pub fixed_value_len: Option<u32>,
    /// `-v`: fraction of gets whose value is verified (0 = off).
    pub verify: f64,
    /// `-e`: fraction of items stored with a TTL and checked for expiry (0 = off).
    pub exp_verify: f64,
    /// `-o`: fraction of sets that overwrite an existing item (0 = off).
    pub overwrite: f64,
    /// `-d`: keys per multi-get (1 = single gets).
    pub division: usize,
    /// `-a`: facebook mode (sets over TCP, multi-gets over UDP); needs `-d` ≥ 2.
    pub facebook: bool,
    /// Key length distribution (`key` section).
    pub keys: Vec<SizeRange>,
    /// Value length distribution (`value` section).
    pub values: Vec<SizeRange>,
    /// Command mix (`cmd` section).
    pub mix: CommandMix,
    /// `--key-prefix`: bytes every key starts with, before its own length
    /// (printable, without spaces; empty for none).
    pub key_prefix: Vec<u8>,
    /// `--key-size` as a named distribution, instead of the `key` ranges.
    pub key_sizes: Option<SizeDist>,
    /// `--value-size` as a named distribution, instead of the `value`
    /// ranges (`-X` overrides it).
    pub value_sizes: Option<SizeDist>,
    /// `--keys`: a keyspace source instead of memaslap's windows.
    pub keyspace: Option<KeyspaceConfig>,
    /// `--mix`: every command's share, instead of `mix` (needs a
    /// keyspace).
    pub commands: Option<Mix>,
    /// `--trace`: a trace replayed instead of any other source.
    pub trace: Option<TracePlan>,
    /// `--instance`: this process's share of a run of several.
    pub instance: Instance,
}

impl Default for WorkloadConfig {
    fn default() -> Self {
        Self {
            window: DEFAULT_WINDOW,
            fixed_value_len: None,
            verify: 0.0,
            exp_verify: 0.0,
            overwrite: 0.0,
            division: 1,
            facebook: false,
            keys: vec![SizeRange::new(64, 64, 1.0)],
            values: vec![SizeRange::new(1024, 1024, 1.0)],
            mix: CommandMix::default(),
            key_prefix: Vec::new(),
            key_sizes: None,
            value_sizes: None,
            keyspace: None,
            commands: None,
            trace: None,
            instance: Instance::default(),
        }
    }
}

impl WorkloadConfig {
    /// Checks every flag and distribution; the first problem found is returned.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the flag or distribution and what is accepted.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.window == 0 || self.window > MAX_WINDOW {
            return Err(ConfigError::Window {
                got: self.window,
                max: MAX_WINDOW,
            });
        }
        if self.division == 0 || self.division > MAX_DIVISION {
            return Err(ConfigError::Division {
                got: self.division,
                max: MAX_DIVISION,
            });
        }
        if let Some(len) = self.fixed_value_len
            && !(1..=MAX_VALUE_LEN).contains(&len)
        {
            return Err(ConfigError::FixedSize { got: len });
        }
        check_fraction(self.verify, "verify proportion", "-v")?;
        check_fraction(self.exp_verify, "expire verify proportion", "-e")?;
        check_fraction(self.overwrite, "overwrite proportion", "-o")?;
        if self.facebook && self.division < 2 {
            return Err(ConfigError::FacebookDivision {
                division: self.division,
            });
        }
        check_sizes(Section::Key, &self.keys).map_err(ConfigError::Distribution)?;
        let longest = self.longest_key_part();
        if self.key_prefix.len() > MAX_KEY_PREFIX
            || !self.key_prefix.iter().all(u8::is_ascii_graphic)
            || self.key_prefix.len() + longest > MAX_KEY_LEN as usize
        {
            return Err(ConfigError::KeyPrefix {
                len: self.key_prefix.len(),
                longest,
                max: MAX_KEY_PREFIX,
                max_key: MAX_KEY_LEN as usize,
            });
        }
        check_sizes(Section::Value, &self.values).map_err(ConfigError::Distribution)?;
        check_mix(&self.mix).map_err(ConfigError::Distribution)?;
        if self.keyspace.is_some() {
            for (value, flag) in [(self.exp_verify, "-e"), (self.overwrite, "-o")] {
                if value > 0.0 {
                    return Err(ConfigError::NotWithKeyspace { flag });
                }
            }
        }
        if self.instance.count == 0 || self.instance.index >= self.instance.count {
            return Err(ConfigError::Instance {
                index: self.instance.index,
                count: self.instance.count,
            });
        }
        if let Some(mix) = &self.commands {
            if self.keyspace.is_none() {
                return Err(ConfigError::MixWithoutKeyspace);
            }
            let changes = [Command::Append, Command::Prepend];
            if self.verify > 0.0 && changes.iter().any(|&c| mix.has(c)) {
                return Err(ConfigError::MixUnverifiable);
            }
        }
        Ok(())
    }

    /// The longest key part after `--key-prefix` the sizes give (or the
    /// trace holds).
    pub fn longest_key_part(&self) -> usize {
        if let Some(trace) = &self.trace {
            return trace.longest_key;
        }
        let room = (MAX_KEY_LEN as usize).saturating_sub(self.key_prefix.len()) as u32;
        match &self.key_sizes {
            Some(dist) => dist.largest(MIN_KEY_LEN, room.max(MIN_KEY_LEN)) as usize,
            None => self.keys.iter().map(|r| r.max).max().unwrap_or(0) as usize,
        }
    }

    /// The commands the workload issues, in their shares, when it is not
    /// memaslap's get and set: `--mix`, or a trace's.
    pub fn command_mix(&self) -> Option<&Mix> {
        self.trace
            .as_ref()
            .map(|trace| &trace.commands)
            .or(self.commands.as_ref())
    }

    /// The longest expiry a request sets.
    pub fn longest_exptime(&self) -> u32 {
        match &self.trace {
            Some(trace) => trace.longest_ttl,
            None if self.exp_verify > 0.0 => crate::EXPIRE_TTL,
            None => 0,
        }
    }

    /// The longest key, `--key-prefix` included.
    pub fn longest_key(&self) -> usize {
        self.key_prefix.len() + self.longest_key_part()
    }

    /// The longest value the sizes give (or the trace holds).
    pub fn longest_value(&self) -> usize {
        if let Some(trace) = &self.trace {
            return trace.longest_value;
        }
        crate::space::value_sizes(self).largest(1, MAX_VALUE_LEN) as usize
    }
}

fn check_fraction(value: f64, what: &'static str, flag: &'static str) -> Result<(), ConfigError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(ConfigError::Fraction {
            what,
            flag,
            got: value,
        })
    }
}

/// Checks one length range of `section` (`key` or `value`).
pub(crate) fn check_range(section: Section, range: &SizeRange) -> Result<(), Problem> {
    let (min, max) = (u64::from(range.min), u64::from(range.max));
    if min > max {
        return Err(Problem::MinAboveMax { section, min, max });
    }
    check_length(section, min)?;
    check_length(section, max)?;
    check_proportion(section, range.proportion)
}

fn check_length(section: Section, len: u64) -> Result<(), Problem> {
    match section {
        Section::Key if !(u64::from(MIN_KEY_LEN)..=u64::from(MAX_KEY_LEN)).contains(&len) => {
            Err(Problem::KeyLength { len })
        }
        Section::Value if !(1..=u64::from(MAX_VALUE_LEN)).contains(&len) => {
            Err(Problem::ValueLength { len })
        }
        _ => Ok(()),
    }
}

/// Checks that a proportion is a number in 0..=1.
pub(crate) fn check_proportion(section: Section, value: f64) -> Result<(), Problem> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(Problem::Proportion { section, value })
    }
}

/// Checks that a section's proportions sum to 1 within the tolerance.
pub(crate) fn check_sum(section: Section, sum: f64) -> Result<(), Problem> {
    if (sum - 1.0).abs() <= PROPORTION_TOLERANCE {
        Ok(())
    } else {
        Err(Problem::ProportionSum {
            section,
            sum: (sum * 1e6).round() / 1e6,
        })
    }
}

fn check_sizes(section: Section, ranges: &[SizeRange]) -> Result<(), Problem> {
    if ranges.is_empty() {
        return Err(Problem::EmptySection { section });
    }
    for range in ranges {
        check_range(section, range)?;
    }
    check_sum(section, ranges.iter().map(|r| r.proportion).sum())
}

fn check_mix(mix: &CommandMix) -> Result<(), Problem> {
    check_proportion(Section::Cmd, mix.set)?;
    check_proportion(Section::Cmd, mix.get)?;
    check_sum(Section::Cmd, mix.set + mix.get)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(config: &WorkloadConfig) -> String {
        config.validate().unwrap_err().to_string()
    }

    #[test]
    fn default_is_memaslaps() {
        let c = WorkloadConfig::default();
        c.validate().unwrap();
        assert_eq!(c.window, 10240);
        assert_eq!(c.keys, [SizeRange::new(64, 64, 1.0)]);
        assert_eq!(c.values, [SizeRange::new(1024, 1024, 1.0)]);
        assert_eq!(c.mix, CommandMix { set: 0.1, get: 0.9 });
        assert_eq!((c.verify, c.exp_verify, c.overwrite), (0.0, 0.0, 0.0));
        assert_eq!(
            (c.division, c.facebook, c.fixed_value_len),
            (1, false, None)
        );
    }

    #[test]
    fn flag_errors() {
        let base = WorkloadConfig::default();
        let cases: Vec<(WorkloadConfig, &str)> = vec![
            (
                WorkloadConfig {
                    verify: 1.5,
                    ..base.clone()
                },
                "verify proportion (-v) must be in (0, 1], or 0 for off, got 1.5",
            ),
            (
                WorkloadConfig {
                    exp_verify: -0.1,
                    ..base.clone()
                },
                "expire verify proportion (-e) must be in (0, 1], or 0 for off, got -0.1",
            ),
            (
                WorkloadConfig {
                    overwrite: f64::NAN,
                    ..base.clone()
                },
                "overwrite proportion (-o) must be in (0, 1], or 0 for off, got NaN",
            ),
            (
                WorkloadConfig {
                    division: 0,
                    ..base.clone()
                },
                "keys per multi-get (-d) must be 1..=1024, got 0",
            ),
            (
                WorkloadConfig {
                    window: 0,
                    ..base.clone()
                },
                "window size (-w) must be 1..=67108864 items, got 0",
            ),
            (
                WorkloadConfig {
                    fixed_value_len: Some(0),
                    ..base.clone()
                },
                "fixed value size (-X) must be 1..=1048576 bytes, got 0",
            ),
            (
                WorkloadConfig {
                    fixed_value_len: Some(MAX_VALUE_LEN + 1),
                    ..base.clone()
                },
                "fixed value size (-X) must be 1..=1048576 bytes, got 1048577",
            ),
            (
                WorkloadConfig {
                    facebook: true,
                    ..base.clone()
                },
                "facebook mode (-a) needs multi-get: -d must be at least 2, got 1",
            ),
            (
                WorkloadConfig {
                    keys: vec![],
                    ..base.clone()
                },
                "section \"key\" has no entries",
            ),
            (
                WorkloadConfig {
                    values: vec![SizeRange::new(10, 5, 1.0)],
                    ..base.clone()
                },
                "<min> 10 is greater than <max> 5 in section \"value\"",
            ),
            (
                WorkloadConfig {
                    keys: vec![SizeRange::new(8, 20, 1.0)],
                    ..base.clone()
                },
                "key length 8 outside 16..=250",
            ),
            (
                WorkloadConfig {
                    mix: CommandMix { set: 0.5, get: 0.4 },
                    ..base.clone()
                },
                "proportions in section \"cmd\" sum to 0.9, expected 1 (±0.001)",
            ),
        ];
        for (config, expected) in cases {
            assert_eq!(err(&config), expected);
        }
    }

    #[test]
    fn accepted_edges() {
        let c = WorkloadConfig {
            verify: 1.0,
            exp_verify: 1.0,
            overwrite: 1.0,
            division: MAX_DIVISION,
            window: 1,
            fixed_value_len: Some(MAX_VALUE_LEN),
            facebook: true,
            keys: vec![SizeRange::new(16, 250, 0.9995)],
            mix: CommandMix { set: 0.0, get: 1.0 },
            ..WorkloadConfig::default()
        };
        c.validate().unwrap();
        assert!(c.mix.has_no_sets());
    }
}
