//! Details of a failed verification, for memaslap's `-b` output.

use memaslap_workload::{GetEntry, Verdict};
use std::fmt;

/// How many bytes of a value a report keeps.
const SHOWN: usize = 64;

/// One get whose answer failed its check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyFailure {
    /// What was wrong.
    pub verdict: Verdict,
    /// The key.
    pub key: Vec<u8>,
    /// The value's expected length.
    pub expected_len: usize,
    /// The start of the expected value.
    pub expected: Vec<u8>,
    /// The received value's length and start, `None` for a miss.
    pub received: Option<(usize, Vec<u8>)>,
}

impl VerifyFailure {
    /// The failure of `entry`'s check on `answer`.
    pub fn new(verdict: Verdict, entry: &GetEntry<'_>, answer: Option<&[u8]>) -> VerifyFailure {
        let mut key = Vec::with_capacity(entry.key.len());
        entry.key.append_to(&mut key);
        let start = |v: &[u8]| v.get(..SHOWN.min(v.len())).unwrap_or_default().to_vec();
        VerifyFailure {
            verdict,
            key,
            expected_len: entry.expected.len(),
            expected: start(entry.expected),
            received: answer.map(|a| (a.len(), start(a))),
        }
    }
}

impl fmt::Display for VerifyFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let what = match self.verdict {
            Verdict::VerifyFailed => "verify_failed",
            Verdict::VerifyMiss => "verify_misses",
            Verdict::ExpiredGet => "expired_get",
            Verdict::UnexpiredUnget => "unexpired_unget",
            Verdict::Ok | Verdict::Unchecked => "ok",
        };
        write!(
            f,
            "{what}: key {} expected {} bytes \"{}\"",
            self.key.escape_ascii(),
            self.expected_len,
            self.expected.escape_ascii()
        )?;
        match &self.received {
            Some((len, start)) => write!(f, " received {len} bytes \"{}\"", start.escape_ascii()),
            None => f.write_str(" received nothing"),
        }
    }
}
