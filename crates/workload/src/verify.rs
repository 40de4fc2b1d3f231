//! memaslap's verification rules for a get's answer.

use std::time::{Duration, Instant};

use crate::task::{Check, Verdict};

/// TTL in seconds of items checked for expiry (`-e`), memaslap's fixed value.
pub const EXPIRE_TTL: u32 = 60;

/// Slack allowed around the TTL before an expiry error is counted.
pub const EXPIRE_MARGIN: Duration = Duration::from_secs(5);

/// Judges `answer` (the value returned, or `None` for a miss) to a get of an
/// item whose expected value is `expected`, stored at `set_at` with `exptime`.
pub(crate) fn judge(
    check: Check,
    expected: &[u8],
    exptime: u32,
    set_at: Option<Instant>,
    answer: Option<&[u8]>,
    now: Instant,
) -> Verdict {
    match (check, answer) {
        (Check::None, _) => Verdict::Unchecked,
        (Check::Data, Some(value)) if value == expected => Verdict::Ok,
        (Check::Data, Some(_)) => Verdict::VerifyFailed,
        (Check::Data, None) => Verdict::VerifyMiss,
        (Check::Expiry, answer) => {
            let Some(set_at) = set_at else {
                return Verdict::Unchecked;
            };
            let age = now.saturating_duration_since(set_at);
            let ttl = Duration::from_secs(u64::from(exptime));
            match answer {
                Some(_) if age > ttl + EXPIRE_MARGIN => Verdict::ExpiredGet,
                None if age < ttl.saturating_sub(EXPIRE_MARGIN) => Verdict::UnexpiredUnget,
                _ => Verdict::Ok,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_checks() {
        let t = Instant::now();
        let j = |check, answer| judge(check, b"abc", 0, Some(t), answer, t);
        assert_eq!(j(Check::Data, Some(&b"abc"[..])), Verdict::Ok);
        assert_eq!(j(Check::Data, Some(&b"abd"[..])), Verdict::VerifyFailed);
        assert_eq!(j(Check::Data, Some(&b"abcd"[..])), Verdict::VerifyFailed);
        assert_eq!(j(Check::Data, Some(&b""[..])), Verdict::VerifyFailed);
        assert_eq!(j(Check::Data, None), Verdict::VerifyMiss);
        assert_eq!(j(Check::None, None), Verdict::Unchecked);
        assert_eq!(j(Check::None, Some(&b"zzz"[..])), Verdict::Unchecked);
    }

    #[test]
    fn expiry_checks_at_the_margins() {
        let t = Instant::now();
        let at =
            |secs: u64, millis: u64| t + Duration::from_secs(secs) + Duration::from_millis(millis);
        let hit = |now| judge(Check::Expiry, b"v", EXPIRE_TTL, Some(t), Some(b"v"), now);
        let miss = |now| judge(Check::Expiry, b"v", EXPIRE_TTL, Some(t), None, now);
        assert_eq!(hit(at(0, 0)), Verdict::Ok);
        assert_eq!(hit(at(65, 0)), Verdict::Ok);
        assert_eq!(hit(at(65, 1)), Verdict::ExpiredGet);
        assert_eq!(miss(at(54, 999)), Verdict::UnexpiredUnget);
        assert_eq!(miss(at(55, 0)), Verdict::Ok);
        assert_eq!(miss(at(100, 0)), Verdict::Ok);
        // A clock that went backwards counts as no time passed.
        assert_eq!(
            judge(Check::Expiry, b"v", 60, Some(at(10, 0)), None, t),
            Verdict::UnexpiredUnget
        );
        assert_eq!(
            judge(Check::Expiry, b"v", 60, None, None, t),
            Verdict::Unchecked
        );
    }
}
