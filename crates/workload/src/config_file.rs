//! memaslap's `-F` configuration file format.
//!
//! ```text
//! # comment
//! key
//! <min_len> <max_len> <proportion>     # one or more lines
//! value
//! <min_len> <max_len> <proportion>
//! cmd
//! <cmd> <proportion>                   # 0 = set, 1 = get
//! ```
//!
//! Sections may come in any order; a section left out keeps the built-in
//! default. `#` starts a comment anywhere on a line. Unlike memaslap, every
//! malformed line, empty section, repeated section or set of proportions that
//! does not sum to 1 (±0.001) is an error naming the file and line.

use std::path::Path;

use crate::config::{
    CommandMix, SizeRange, WorkloadConfig, check_proportion, check_range, check_sum,
};
use crate::error::{ConfigError, Problem, Section};

const SIZE_LINE: &str = "<min> <max> <proportion>";
const CMD_LINE: &str = "<cmd> <proportion>";

impl WorkloadConfig {
    /// Reads a memaslap `-F` file; sections it leaves out keep their defaults,
    /// and the flags keep theirs.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the file cannot be read, otherwise as
    /// [`WorkloadConfig::parse_config`].
    pub fn from_config_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        match read_config(path) {
            Ok(text) => Self::parse_config(&text, &name),
            Err(source) => Err(ConfigError::Read { file: name, source }),
        }
    }

    /// Parses the text of a `-F` file; `source` names it in errors.
    ///
    /// # Errors
    /// [`ConfigError::File`] naming `source`, the line and what was expected,
    /// or [`ConfigError::NoSections`] when the text has no section at all.
    ///
    /// ```
    /// use memaslap_workload::WorkloadConfig;
    /// let text = "cmd\n0 0.3\n1 0.7\nkey\n16 32 1\n";
    /// let config = WorkloadConfig::parse_config(text, "mix.cnf").unwrap();
    /// assert_eq!(config.mix.set, 0.3);
    /// assert_eq!(config.keys[0].max, 32);
    ///
    /// let err = WorkloadConfig::parse_config("value\n1 2\n", "bad.cnf").unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "bad.cnf:2: expected \"<min> <max> <proportion>\" in section \"value\", found 2 fields"
    /// );
    /// ```
    pub fn parse_config(text: &str, source: &str) -> Result<Self, ConfigError> {
        let mut parser = Parser::default();
        for (index, line) in text.lines().enumerate() {
            let number = index + 1;
            parser
                .line(line, number)
                .map_err(|(line, problem)| ConfigError::File {
                    file: source.to_owned(),
                    line,
                    problem,
                })?;
        }
        parser.finish(source)
    }
}

/// The largest `-F` file read (memaslap's are a few lines).
const MAX_CONFIG: u64 = 16 << 20;

/// The text of the `-F` file at `path`, at most [`MAX_CONFIG`] bytes: a
/// file that never ends (`/dev/zero`) is an error, not read whole.
fn read_config(path: &Path) -> std::io::Result<String> {
    let bytes = crate::files::read_capped(path, MAX_CONFIG)?;
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// The section being read: which, where its name was, what it holds so far.
#[derive(Clone, Copy)]
struct Open {
    section: Section,
    line: usize,
    entries: usize,
    sum: f64,
}

#[derive(Default)]
struct Parser {
    open: Option<Open>,
    first_lines: [Option<usize>; 3],
    keys: Vec<SizeRange>,
    values: Vec<SizeRange>,
    set: Option<f64>,
    get: Option<f64>,
}

const fn slot(section: Section) -> usize {
    match section {
        Section::Key => 0,
        Section::Value => 1,
        Section::Cmd => 2,
    }
}

impl Parser {
    /// Reads one line; an error comes with the line it belongs to, which is
    /// the section's name line for a problem of the whole section.
    fn line(&mut self, line: &str, number: usize) -> Result<(), (usize, Problem)> {
        self.close_before(line)?;
        self.read(line, number).map_err(|problem| (number, problem))
    }

    /// Closes the open section when `line` names a new one.
    fn close_before(&mut self, line: &str) -> Result<(), (usize, Problem)> {
        let content = line.split_once('#').map_or(line, |(before, _)| before);
        let first = content.split_whitespace().next().unwrap_or("");
        let starts_section = Section::from_name(first).is_some();
        match self.open {
            Some(open) if starts_section => self.close().map_err(|problem| (open.line, problem)),
            _ => Ok(()),
        }
    }

    fn read(&mut self, line: &str, number: usize) -> Result<(), Problem> {
        let content = line.split_once('#').map_or(line, |(before, _)| before);
        let mut fields = content.split_whitespace();
        let Some(first) = fields.next() else {
            return Ok(());
        };
        if first.starts_with(|c: char| c.is_ascii_alphabetic()) {
            let Some(section) = Section::from_name(first) else {
                return Err(Problem::UnknownSection {
                    found: first.to_owned(),
                });
            };
            if let Some(extra) = fields.next() {
                return Err(Problem::TrailingText {
                    section,
                    found: extra.to_owned(),
                });
            }
            return self.open(section, number);
        }
        let Some(section) = self.open.map(|open| open.section) else {
            return Err(Problem::ExpectedSection {
                found: first.to_owned(),
            });
        };
        let all = Fields::collect(content);
        let proportion = match section {
            Section::Key | Section::Value => {
                let range = size_line(section, &all)?;
                match section {
                    Section::Key => self.keys.push(range),
                    _ => self.values.push(range),
                }
                range.proportion
            }
            Section::Cmd => cmd_line(&all, &mut self.set, &mut self.get)?,
        };
        if let Some(open) = self.open.as_mut() {
            open.entries += 1;
            open.sum += proportion;
        }
        Ok(())
    }

    fn open(&mut self, section: Section, number: usize) -> Result<(), Problem> {
        if let Some(first_line) = self.first_lines.get(slot(section)).copied().flatten() {
            return Err(Problem::DuplicateSection {
                section,
                first_line,
            });
        }
        if let Some(first) = self.first_lines.get_mut(slot(section)) {
            *first = Some(number);
        }
        self.open = Some(Open {
            section,
            line: number,
            entries: 0,
            sum: 0.0,
        });
        Ok(())
    }

    /// Checks the open section once all its lines are read.
    fn close(&mut self) -> Result<(), Problem> {
        let Some(open) = self.open.take() else {
            return Ok(());
        };
        if open.entries == 0 {
            return Err(Problem::EmptySection {
                section: open.section,
            });
        }
        check_sum(open.section, open.sum)
    }

    fn finish(mut self, source: &str) -> Result<WorkloadConfig, ConfigError> {
        let last = self.open.map(|open| open.line);
        if let Some(line) = last {
            self.close().map_err(|problem| ConfigError::File {
                file: source.to_owned(),
                line,
                problem,
            })?;
        }
        if self.first_lines.iter().all(Option::is_none) {
            return Err(ConfigError::NoSections {
                file: source.to_owned(),
            });
        }
        let mut config = WorkloadConfig::default();
        if !self.keys.is_empty() {
            config.keys = self.keys;
        }
        if !self.values.is_empty() {
            config.values = self.values;
        }
        if self.set.is_some() || self.get.is_some() {
            config.mix = CommandMix {
                set: self.set.unwrap_or(0.0),
                get: self.get.unwrap_or(0.0),
            };
        }
        Ok(config)
    }
}

/// Up to three fields of a data line and how many there were.
struct Fields<'a> {
    fields: [&'a str; 3],
    count: usize,
}

impl<'a> Fields<'a> {
    fn collect(content: &'a str) -> Self {
        let mut fields = [""; 3];
        let mut count = 0;
        for (i, field) in content.split_whitespace().enumerate() {
            if let Some(slot) = fields.get_mut(i) {
                *slot = field;
            }
            count += 1;
        }
        Self { fields, count }
    }
}

fn size_line(section: Section, line: &Fields<'_>) -> Result<SizeRange, Problem> {
    let [min, max, proportion] = line.fields;
    if line.count != 3 {
        return Err(Problem::FieldCount {
            section,
            expected: SIZE_LINE,
            found: line.count,
        });
    }
    let min = whole(section, "<min>", min)?;
    let max = whole(section, "<max>", max)?;
    let proportion = number(section, proportion)?;
    if min > max {
        return Err(Problem::MinAboveMax { section, min, max });
    }
    let bad_len = |len: u64| match section {
        Section::Key => Problem::KeyLength { len },
        _ => Problem::ValueLength { len },
    };
    let min = u32::try_from(min).map_err(|_| bad_len(min))?;
    let max = u32::try_from(max).map_err(|_| bad_len(max))?;
    let range = SizeRange::new(min, max, proportion);
    check_range(section, &range)?;
    Ok(range)
}

fn cmd_line(
    line: &Fields<'_>,
    set: &mut Option<f64>,
    get: &mut Option<f64>,
) -> Result<f64, Problem> {
    let [kind, proportion, _] = line.fields;
    if line.count != 2 {
        return Err(Problem::FieldCount {
            section: Section::Cmd,
            expected: CMD_LINE,
            found: line.count,
        });
    }
    let kind = whole(Section::Cmd, "<cmd>", kind)?;
    let proportion = number(Section::Cmd, proportion)?;
    let target = match kind {
        0 => set,
        1 => get,
        found => return Err(Problem::UnknownCommand { found }),
    };
    if target.is_some() {
        return Err(Problem::DuplicateCommand { kind });
    }
    check_proportion(Section::Cmd, proportion)?;
    *target = Some(proportion);
    Ok(proportion)
}

fn whole(section: Section, field: &'static str, text: &str) -> Result<u64, Problem> {
    text.parse().map_err(|_| Problem::NotAWholeNumber {
        section,
        field,
        found: text.to_owned(),
    })
}

fn number(section: Section, text: &str) -> Result<f64, Problem> {
    text.parse().map_err(|_| Problem::NotANumber {
        section,
        found: text.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_all_sections_in_any_order() {
        let text = "# a comment\n\ncmd\n0 0.25   # sets\n1 0.75\n\nvalue\n1 100 0.5\n\
                    200 300 0.5\nkey\n  16 16 1\n";
        let c = WorkloadConfig::parse_config(text, "t.cnf").unwrap();
        assert_eq!(
            c.mix,
            CommandMix {
                set: 0.25,
                get: 0.75
            }
        );
        assert_eq!(
            c.values,
            [SizeRange::new(1, 100, 0.5), SizeRange::new(200, 300, 0.5)]
        );
        assert_eq!(c.keys, [SizeRange::new(16, 16, 1.0)]);
        c.validate().unwrap();
    }

    #[test]
    fn absent_sections_keep_defaults() {
        let c = WorkloadConfig::parse_config("cmd\n1 1\n", "t.cnf").unwrap();
        assert_eq!(c.mix, CommandMix { set: 0.0, get: 1.0 });
        assert_eq!(c.keys, WorkloadConfig::default().keys);
        assert_eq!(c.values, WorkloadConfig::default().values);
    }

    #[test]
    fn crlf_lines_and_trailing_comments() {
        let text = "key\r\n20 30 1 # twenty to thirty\r\n";
        let c = WorkloadConfig::parse_config(text, "t.cnf").unwrap();
        assert_eq!(c.keys, [SizeRange::new(20, 30, 1.0)]);
    }

    #[test]
    fn missing_file_is_an_error() {
        let err = WorkloadConfig::from_config_file("/nonexistent/dir/x.cnf").unwrap_err();
        assert!(matches!(err, ConfigError::Read { .. }));
        assert!(
            err.to_string()
                .starts_with("cannot read configuration file /nonexistent/dir/x.cnf: ")
        );
    }
}
