//! What says which run a saved result was: when it started (wall clock,
//! RFC 3339 in UTC), on which host, and with which command line.

use std::time::{SystemTime, UNIX_EPOCH};

/// Where and when a run happened, and how it was asked for.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// When the run started, as RFC 3339 in UTC with milliseconds.
    pub start_time: String,
    /// The host's name (empty when it cannot be read).
    pub host: String,
    /// The command line, one element per argument.
    pub command_line: Vec<String>,
}

impl Provenance {
    /// The provenance of a run starting now, asked for by this process's
    /// arguments.
    pub fn now() -> Provenance {
        Provenance {
            start_time: rfc3339(SystemTime::now()),
            host: host_name(),
            command_line: std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect(),
        }
    }
}

/// The host name the kernel reports, else `/etc/hostname`.
fn host_name() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|path| std::fs::read_to_string(path).ok())
        .map(|name| name.trim().to_owned())
        .unwrap_or_default()
}

/// `time` as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub fn rfc3339(time: SystemTime) -> String {
    let since = time.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        since.subsec_millis()
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for days on or after the epoch).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn formats_known_instants() {
        let at = |secs: u64, ms: u64| UNIX_EPOCH + Duration::from_millis(secs * 1000 + ms);
        assert_eq!(rfc3339(at(0, 0)), "1970-01-01T00:00:00.000Z");
        assert_eq!(rfc3339(at(951_782_400, 5)), "2000-02-29T00:00:00.005Z");
        assert_eq!(rfc3339(at(1_796_343_047, 123)), "2026-12-04T00:10:47.123Z");
        assert_eq!(rfc3339(at(4_102_444_799, 999)), "2099-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_host_and_command_line_are_read() {
        let p = Provenance::now();
        assert!(!p.command_line.is_empty());
        assert_eq!(p.start_time.len(), "1970-01-01T00:00:00.000Z".len());
    }
}
