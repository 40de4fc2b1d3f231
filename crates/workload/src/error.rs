//! Typed errors for workload configuration: flags, distributions and `-F` files.

use std::fmt;

/// A section of a memaslap `-F` configuration file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// `key`: key length ranges and their proportions.
    Key,
    /// `value`: value length ranges and their proportions.
    Value,
    /// `cmd`: command types (0 = set, 1 = get) and their proportions.
    Cmd,
}

impl Section {
    /// The section's name as written in a configuration file.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Key => "key",
            Self::Value => "value",
            Self::Cmd => "cmd",
        }
    }

    /// The section named `word`, if there is one.
    pub fn from_name(word: &str) -> Option<Self> {
        match word {
            "key" => Some(Self::Key),
            "value" => Some(Self::Value),
            "cmd" => Some(Self::Cmd),
            _ => None,
        }
    }
}

impl fmt::Display for Section {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What is wrong with a distribution, a configuration file line or section.
///
/// Inside a file it is reported with the file name and line by
/// [`ConfigError::File`]; in a configuration built in code by
/// [`ConfigError::Distribution`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Problem {
    /// A data line came before any section name.
    #[error("expected a section name (\"key\", \"value\" or \"cmd\") before \"{found}\"")]
    ExpectedSection {
        /// The line's first field.
        found: String,
    },
    /// A word that names no section.
    #[error("unknown section \"{found}\", expected \"key\", \"value\" or \"cmd\"")]
    UnknownSection {
        /// The word found.
        found: String,
    },
    /// A section name followed by more text on its line.
    #[error("expected nothing after section name \"{section}\", found \"{found}\"")]
    TrailingText {
        /// The section named on the line.
        section: Section,
        /// The first extra field.
        found: String,
    },
    /// A section that appears a second time.
    #[error("section \"{section}\" appears twice (first on line {first_line})")]
    DuplicateSection {
        /// The repeated section.
        section: Section,
        /// The line where it first appeared.
        first_line: usize,
    },
    /// A data line with the wrong number of fields.
    #[error("expected \"{expected}\" in section \"{section}\", found {found} fields")]
    FieldCount {
        /// The section the line belongs to.
        section: Section,
        /// The expected shape of a line.
        expected: &'static str,
        /// How many fields the line has.
        found: usize,
    },
    /// A field that must be a whole number but is not one.
    #[error("expected a whole number for {field} in section \"{section}\", found \"{found}\"")]
    NotAWholeNumber {
        /// The section the line belongs to.
        section: Section,
        /// Which field, e.g. `<min>`.
        field: &'static str,
        /// The text found.
        found: String,
    },
    /// A proportion that is not a number.
    #[error("expected a number for <proportion> in section \"{section}\", found \"{found}\"")]
    NotANumber {
        /// The section the line belongs to.
        section: Section,
        /// The text found.
        found: String,
    },
    /// A length range whose minimum exceeds its maximum.
    #[error("<min> {min} is greater than <max> {max} in section \"{section}\"")]
    MinAboveMax {
        /// `key` or `value`.
        section: Section,
        /// The minimum length.
        min: u64,
        /// The maximum length.
        max: u64,
    },
    /// A key length outside 16..=250.
    #[error("key length {len} outside 16..=250")]
    KeyLength {
        /// The offending length.
        len: u64,
    },
    /// A value length outside 1..=1 MiB.
    #[error("value length {len} outside 1..=1048576")]
    ValueLength {
        /// The offending length.
        len: u64,
    },
    /// A proportion that is negative, above 1 or not finite.
    #[error("proportion {} outside 0..=1 in section \"{section}\"", Short(*value))]
    Proportion {
        /// The section the line belongs to.
        section: Section,
        /// The offending proportion.
        value: f64,
    },
    /// A command type other than 0 (set) or 1 (get).
    #[error("unknown command type {found} in section \"cmd\", expected 0 (set) or 1 (get)")]
    UnknownCommand {
        /// The type found.
        found: u64,
    },
    /// A command type listed twice.
    #[error("command type {kind} listed twice in section \"cmd\"")]
    DuplicateCommand {
        /// The repeated type.
        kind: u64,
    },
    /// A section with no entries.
    #[error("section \"{section}\" has no entries")]
    EmptySection {
        /// The empty section.
        section: Section,
    },
    /// Proportions that do not sum to 1 within 0.001.
    #[error("proportions in section \"{section}\" sum to {}, expected 1 (±0.001)", Short(*sum))]
    ProportionSum {
        /// The section whose proportions are wrong.
        section: Section,
        /// Their sum, rounded to six decimals.
        sum: f64,
    },
}

/// Why a workload configuration was rejected.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// A malformed `-F` file: names the file, the line and what was expected.
    #[error("{file}:{line}: {problem}")]
    File {
        /// The file's name as given.
        file: String,
        /// The 1-based line number.
        line: usize,
        /// What is wrong there.
        problem: Problem,
    },
    /// A `-F` file without any section.
    #[error("{file}: no section found, expected \"key\", \"value\" or \"cmd\"")]
    NoSections {
        /// The file's name as given.
        file: String,
    },
    /// A `-F` file that could not be read.
    #[error("cannot read configuration file {file}: {source}")]
    Read {
        /// The file's name as given.
        file: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A distribution built in code that is invalid.
    #[error("{0}")]
    Distribution(Problem),
    /// `--key-prefix` not printable, too long, or too long for the keys.
    #[error(
        "key prefix (--key-prefix) must be at most {max} printable characters without spaces, and with the longest key ({longest} bytes) at most {max_key} bytes; got {len} bytes"
    )]
    KeyPrefix {
        /// Its length.
        len: usize,
        /// The longest key length configured.
        longest: usize,
        /// The longest prefix accepted.
        max: usize,
        /// The longest key memcached accepts.
        max_key: usize,
    },
    /// `-w` out of range.
    #[error("window size (-w) must be 1..={max} items, got {got}")]
    Window {
        /// The value given.
        got: usize,
        /// The largest accepted window.
        max: usize,
    },
    /// `-d` out of range.
    #[error("keys per multi-get (-d) must be 1..={max}, got {got}")]
    Division {
        /// The value given.
        got: usize,
        /// The largest accepted division.
        max: usize,
    },
    /// `-X` out of range.
    #[error("fixed value size (-X) must be 1..=1048576 bytes, got {got}")]
    FixedSize {
        /// The value given.
        got: u32,
    },
    /// `-v`, `-e` or `-o` outside (0, 1].
    #[error("{what} ({flag}) must be in (0, 1], or 0 for off, got {got}")]
    Fraction {
        /// What the flag sets.
        what: &'static str,
        /// The flag, e.g. `-v`.
        flag: &'static str,
        /// The value given.
        got: f64,
    },
    /// Facebook mode (`-a`) without multi-get.
    #[error("facebook mode (-a) needs multi-get: -d must be at least 2, got {division}")]
    FacebookDivision {
        /// The `-d` given.
        division: usize,
    },
    /// No connections.
    #[error("a workload needs at least one connection")]
    NoConnections,
    /// More prefixes needed than 8 printable bytes can name.
    #[error(
        "{connections} connections × window {window} need more distinct key prefixes than 8 bytes hold"
    )]
    PrefixSpace {
        /// Connections asked for.
        connections: u32,
        /// Window size per connection.
        window: usize,
    },
    /// A generator asked for a connection the workload was not built for.
    #[error("connection index {index} out of range: the workload has {connections} connections")]
    ConnectionIndex {
        /// The index asked for.
        index: u32,
        /// Connections the workload was built for.
        connections: u32,
    },
    /// A keyspace (`--keys`, `--key-dist`) that cannot be built.
    #[error("--keys/--key-dist: {0}")]
    Keyspace(String),
    /// A window-model flag given with a keyspace.
    #[error("{flag} belongs to the window model and does not apply with --keys")]
    NotWithKeyspace {
        /// The flag, e.g. `-e`.
        flag: &'static str,
    },
    /// `--mix` with memaslap's window model.
    #[error("--mix needs a keyspace: give --keys N")]
    MixWithoutKeyspace,
    /// `-v` with commands that change values.
    #[error("append and prepend change the values -v checks; give -v or those commands, not both")]
    MixUnverifiable,
    /// `--instance I/N` with I not below N, or N of 0.
    #[error(
        "--instance {index}/{count}: the instance must be below the count, which is at least 1"
    )]
    Instance {
        /// The instance given.
        index: u32,
        /// The count given.
        count: u32,
    },
    /// More connections over all instances than a run can name.
    #[error("{count} instances of {connections} connections: too many connections for one run")]
    TooManyConnections {
        /// Instances.
        count: u32,
        /// Connections per instance.
        connections: u32,
    },
}

/// A number as a message shows it: plainly between 1e-4 and 1e6, in
/// exponent form outside (where plain digits would run to hundreds).
struct Short(f64);

impl fmt::Display for Short {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.0;
        if v == 0.0 || !v.is_finite() || (1e-4..1e6).contains(&v.abs()) {
            write!(f, "{v}")
        } else {
            write!(f, "{v:e}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Short;

    #[test]
    fn numbers_far_from_one_are_shown_with_an_exponent() {
        assert_eq!(Short(0.25).to_string(), "0.25");
        assert_eq!(Short(1e300).to_string(), "1e300");
        assert_eq!(Short(-2.5e-7).to_string(), "-2.5e-7");
        assert_eq!(Short(f64::NAN).to_string(), "NaN");
    }
}
