//! The memcached commands a workload issues, and `--mix`: their
//! proportions.
//!
//! Retrievals (`get`, `gets`, `gat`, `gats`) are [`crate::Task::Get`]s,
//! storage commands (`set`, `add`, `replace`, `append`, `prepend`, `cas`)
//! [`crate::Task::Set`]s, and the single-key rest (`delete`, `incr`,
//! `decr`, `touch`) [`crate::Task::Key`]s.

use std::fmt;
use std::str::FromStr;

/// A memcached command.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Command {
    /// `get`.
    Get,
    /// `gets`: a get returning each item's cas unique.
    Gets,
    /// `gat`: get and touch.
    Gat,
    /// `gats`: get and touch, returning the cas unique.
    Gats,
    /// `set`.
    Set,
    /// `add`: store only if absent.
    Add,
    /// `replace`: store only if present.
    Replace,
    /// `append`: add data after the stored value.
    Append,
    /// `prepend`: add data before the stored value.
    Prepend,
    /// `cas`: store only if unchanged since a `gets`.
    Cas,
    /// `delete`.
    Delete,
    /// `incr`.
    Incr,
    /// `decr`.
    Decr,
    /// `touch`: a new expiry.
    Touch,
}

/// How many commands there are.
pub const COMMANDS: usize = 14;

impl Command {
    /// Every command, in [`Command::index`] order.
    pub const ALL: [Command; COMMANDS] = [
        Command::Get,
        Command::Gets,
        Command::Gat,
        Command::Gats,
        Command::Set,
        Command::Add,
        Command::Replace,
        Command::Append,
        Command::Prepend,
        Command::Cas,
        Command::Delete,
        Command::Incr,
        Command::Decr,
        Command::Touch,
    ];

    /// The command's name as memcached's text protocol spells it.
    pub const fn name(self) -> &'static str {
        match self {
            Command::Get => "get",
            Command::Gets => "gets",
            Command::Gat => "gat",
            Command::Gats => "gats",
            Command::Set => "set",
            Command::Add => "add",
            Command::Replace => "replace",
            Command::Append => "append",
            Command::Prepend => "prepend",
            Command::Cas => "cas",
            Command::Delete => "delete",
            Command::Incr => "incr",
            Command::Decr => "decr",
            Command::Touch => "touch",
        }
    }

    /// The command named `name` (exactly as [`Command::name`] spells it),
    /// matched on bytes: a trace line's operation is read without a UTF-8
    /// check or a search of every name.
    pub fn from_name(name: &[u8]) -> Option<Command> {
        Some(match name {
            b"get" => Command::Get,
            b"gets" => Command::Gets,
            b"gat" => Command::Gat,
            b"gats" => Command::Gats,
            b"set" => Command::Set,
            b"add" => Command::Add,
            b"replace" => Command::Replace,
            b"append" => Command::Append,
            b"prepend" => Command::Prepend,
            b"cas" => Command::Cas,
            b"delete" => Command::Delete,
            b"incr" => Command::Incr,
            b"decr" => Command::Decr,
            b"touch" => Command::Touch,
            _ => return None,
        })
    }

    /// The command's place in [`Command::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Whether the command reads items (`get`, `gets`, `gat`, `gats`).
    pub const fn is_retrieval(self) -> bool {
        matches!(
            self,
            Command::Get | Command::Gets | Command::Gat | Command::Gats
        )
    }

    /// Whether the command stores an item (`set`, `add`, `replace`,
    /// `append`, `prepend`, `cas`).
    pub const fn is_storage(self) -> bool {
        matches!(
            self,
            Command::Set
                | Command::Add
                | Command::Replace
                | Command::Append
                | Command::Prepend
                | Command::Cas
        )
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Command {
    type Err = MixError;

    fn from_str(name: &str) -> Result<Command, MixError> {
        Command::from_name(name.as_bytes())
            .ok_or_else(|| MixError(format!("'{name}' is not a command")))
    }
}

/// Why a `--mix` text is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MixError(String);

impl fmt::Display for MixError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Command::ALL.iter().map(|c| c.name()).collect();
        write!(
            f,
            "{}; use COMMAND=WEIGHT,... with weights >= 0, not all 0, each command once, \
             among {}",
            self.0,
            names.join(" ")
        )
    }
}

impl std::error::Error for MixError {}

/// `--mix`: each command's share of the requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mix {
    /// Cumulative shares in [`Command::index`] order; the last is 1.
    cumulative: [f64; COMMANDS],
}

impl Mix {
    /// A mix of `weights` (any non-negative numbers, not all 0), by command.
    pub fn new(weights: &[(Command, f64)]) -> Result<Mix, MixError> {
        let mut shares = [0.0; COMMANDS];
        for &(command, weight) in weights {
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(MixError(format!("{command}={weight}")));
            }
            if let Some(share) = shares.get_mut(command.index()) {
                *share += weight;
            }
        }
        let total: f64 = shares.iter().sum();
        if total <= 0.0 {
            return Err(MixError("every weight is 0".into()));
        }
        let mut cumulative = [0.0; COMMANDS];
        let mut sum = 0.0;
        for (c, share) in cumulative.iter_mut().zip(shares) {
            sum += share / total;
            *c = sum;
        }
        if let Some(last) = cumulative.iter_mut().rev().find(|_| true) {
            *last = 1.0;
        }
        Ok(Mix { cumulative })
    }

    /// `command`'s share of the requests, in [0, 1].
    pub fn share(&self, command: Command) -> f64 {
        let i = command.index();
        let below = i
            .checked_sub(1)
            .and_then(|j| self.cumulative.get(j))
            .copied()
            .unwrap_or(0.0);
        self.cumulative.get(i).copied().unwrap_or(0.0) - below
    }

    /// Whether `command` is ever drawn.
    pub fn has(&self, command: Command) -> bool {
        self.share(command) > 0.0
    }

    /// The commands drawn, in [`Command::ALL`] order.
    pub fn commands(&self) -> impl Iterator<Item = Command> + '_ {
        Command::ALL.into_iter().filter(|&c| self.has(c))
    }

    /// The command at point `u` of `[0, 1)`.
    #[inline]
    pub fn pick(&self, u: f64) -> Command {
        let at = self.cumulative.iter().position(|&c| u < c);
        at.and_then(|i| Command::ALL.get(i))
            .copied()
            .unwrap_or(Command::Get)
    }
}

impl FromStr for Mix {
    type Err = MixError;

    fn from_str(text: &str) -> Result<Mix, MixError> {
        let mut weights = Vec::new();
        for part in text.split(',').map(str::trim) {
            let (name, weight) = part
                .split_once('=')
                .ok_or_else(|| MixError(format!("'{part}' is not COMMAND=WEIGHT")))?;
            let command: Command = name.trim().parse()?;
            if weights.iter().any(|&(c, _)| c == command) {
                return Err(MixError(format!("{command} appears twice")));
            }
            let weight = weight
                .trim()
                .parse::<f64>()
                .map_err(|_| MixError(format!("'{part}' has no number for a weight")))?;
            weights.push((command, weight));
        }
        Mix::new(&weights)
    }
}

impl fmt::Display for Mix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .commands()
            .map(|c| format!("{c}={}", (self.share(c) * 1e4).round() / 100.0))
            .collect();
        f.write_str(&parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mixes_parse_normalise_and_print() {
        let mix: Mix = "get=90,set=5,delete=2,incr=1,decr=1,touch=1"
            .parse()
            .unwrap();
        assert!((mix.share(Command::Get) - 0.9).abs() < 1e-12);
        assert!((mix.share(Command::Touch) - 0.01).abs() < 1e-12);
        assert!(!mix.has(Command::Cas));
        assert_eq!(
            mix.to_string(),
            "get=90,set=5,delete=2,incr=1,decr=1,touch=1"
        );
        let halves: Mix = "gets=1, cas=1".parse().unwrap();
        assert_eq!(halves.pick(0.0), Command::Gets);
        assert_eq!(halves.pick(0.49), Command::Gets);
        assert_eq!(halves.pick(0.5), Command::Cas);
        assert_eq!(halves.pick(0.999_999), Command::Cas);
        for command in Command::ALL {
            assert_eq!(command.name().parse::<Command>(), Ok(command));
            assert_eq!(Command::from_name(command.name().as_bytes()), Some(command));
            assert_eq!(Command::ALL[command.index()], command);
        }
    }

    #[test]
    fn bad_mixes_name_the_problem_and_the_commands() {
        for bad in [
            "",
            "get",
            "get=x",
            "get=-1",
            "fetch=1",
            "get=1,get=2",
            "get=0,set=0",
            "get=inf",
        ] {
            let e = bad.parse::<Mix>().unwrap_err().to_string();
            assert!(
                e.contains("COMMAND=WEIGHT") && e.contains("prepend"),
                "{bad}: {e}"
            );
        }
    }

    #[test]
    fn draws_follow_the_shares() {
        let mix: Mix = "get=50,delete=30,incr=20".parse().unwrap();
        let mut counts = [0u32; COMMANDS];
        for i in 0..10_000 {
            counts[mix.pick((f64::from(i) + 0.5) / 10_000.0).index()] += 1;
        }
        assert_eq!(counts[Command::Get.index()], 5000);
        assert_eq!(counts[Command::Delete.index()], 3000);
        assert_eq!(counts[Command::Incr.index()], 2000);
    }
}
