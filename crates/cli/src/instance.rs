//! One process of a run spread over several machines: `--instance I/N`
//! (or `--instances N` with the index from `JOB_COMPLETION_INDEX`, as a
//! Kubernetes Indexed Job sets it) and `--start-at T`, the wall-clock time
//! every instance starts its measured run at.

use crate::options::Options;
use crate::setup::SetupError;
use memaslap_workload::Instance;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The variable a Kubernetes Indexed Job sets to the pod's index.
pub const INDEX_VARIABLE: &str = "JOB_COMPLETION_INDEX";

/// `I/N`: instance I of N (I below N).
pub fn parse_instance(text: &str) -> Result<Instance, String> {
    let error = || format!("'{text}' is not an instance; use I/N with 0 <= I < N (e.g. 0/3)");
    let (index, count) = text.split_once('/').ok_or_else(error)?;
    let number = |s: &str| s.trim().parse::<u32>().ok();
    let (index, count) = (
        number(index).ok_or_else(error)?,
        number(count).ok_or_else(error)?,
    );
    if count == 0 || index >= count {
        return Err(error());
    }
    Ok(Instance { index, count })
}

/// The instance the options name: `--instance`, else `--instances` with
/// the index from `index_variable` (the value of `JOB_COMPLETION_INDEX`).
pub fn instance(options: &Options, index_variable: Option<String>) -> Result<Instance, SetupError> {
    if let Some(instance) = options.instance {
        return Ok(instance);
    }
    let Some(count) = options.instances else {
        return Ok(Instance::default());
    };
    let text = index_variable.ok_or_else(|| {
        SetupError::Usage(format!(
            "--instances {count} takes this instance's index from ${INDEX_VARIABLE}, which is not set; \
             give --instance I/{count} instead"
        ))
    })?;
    let index = text.trim().parse::<u32>().ok().filter(|&i| i < count);
    index.map(|index| Instance { index, count }).ok_or_else(|| {
        SetupError::Usage(format!(
            "${INDEX_VARIABLE} is '{text}'; with --instances {count} it must be 0 to {}",
            count.saturating_sub(1)
        ))
    })
}

/// Unix seconds of the first instant after 9999-12-31T23:59:59Z, the last
/// second RFC 3339's four-digit years can write.
pub(crate) const YEAR_10000: f64 = 253_402_300_800.0;

/// `--start-at`: RFC 3339 (`2026-12-04T10:00:00Z`, `…+01:00`, a fraction
/// of a second allowed) or Unix seconds (`1796378400.5`), from 1970 to the
/// end of the year 9999.
pub fn parse_start_at(text: &str) -> Result<SystemTime, String> {
    let error = || {
        format!(
            "'{text}' is not a time; use RFC 3339 (e.g. 2026-12-04T10:00:00Z) or Unix seconds, \
             from 1970 to the year 9999"
        )
    };
    if let Ok(secs) = text.trim().parse::<f64>() {
        return Some(secs)
            .filter(|s| (0.0..YEAR_10000).contains(s))
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .ok_or_else(error);
    }
    rfc3339(text.trim()).ok_or_else(error)
}

/// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`.
fn rfc3339(text: &str) -> Option<SystemTime> {
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut parts = date.split('-');
    let (year, month, day) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || year.len() != 4 {
        return None;
    }
    let (year, month, day): (i64, u32, u32) =
        (year.parse().ok()?, month.parse().ok()?, day.parse().ok()?);
    let zone_at = rest.find(['Z', 'z', '+', '-'])?;
    let (clock, zone) = rest.split_at(zone_at);
    let mut hms = clock.split(':');
    let (h, m, s) = (hms.next()?, hms.next()?, hms.next()?);
    if hms.next().is_some() {
        return None;
    }
    let (hour, minute): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
    let second: f64 = s.parse().ok().filter(|s: &f64| (0.0..61.0).contains(s))?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 {
        return None;
    }
    let offset = match zone {
        "Z" | "z" => 0,
        _ => {
            let sign = if zone.starts_with('-') { -1 } else { 1 };
            let (zh, zm) = zone.get(1..)?.split_once(':')?;
            let (zh, zm): (i64, i64) = (zh.parse().ok()?, zm.parse().ok()?);
            if zh > 23 || zm > 59 {
                return None;
            }
            sign * (zh * 3600 + zm * 60)
        }
    };
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 - offset;
    let whole = u64::try_from(secs).ok()?;
    UNIX_EPOCH
        .checked_add(Duration::from_secs(whole))?
        .checked_add(Duration::try_from_secs_f64(second).ok()?)
}

/// Days from 1970-01-01 to the given date (proleptic Gregorian).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provenance::rfc3339 as format;

    #[test]
    fn instances_parse() {
        assert_eq!(parse_instance("2/3"), Ok(Instance { index: 2, count: 3 }));
        for bad in ["3/3", "0/0", "1", "a/b", "-1/2", ""] {
            assert!(parse_instance(bad).unwrap_err().contains("I/N"), "{bad}");
        }
    }

    #[test]
    fn times_parse_as_rfc3339_or_unix_seconds() {
        let t = parse_start_at("2026-12-04T10:00:00Z").unwrap();
        assert_eq!(format(t), "2026-12-04T10:00:00.000Z");
        let same = parse_start_at("2026-12-04T11:30:00.250+01:30").unwrap();
        assert_eq!(format(same), "2026-12-04T10:00:00.250Z");
        let unix = t.duration_since(UNIX_EPOCH).unwrap().as_secs();
        assert_eq!(parse_start_at(&unix.to_string()).unwrap(), t);
        // The last second both forms can write.
        let last = parse_start_at("9999-12-31T23:59:59Z").unwrap();
        assert_eq!(parse_start_at("253402300799").unwrap(), last);
        assert_eq!(
            format(parse_start_at("1970-01-01T00:00:00Z").unwrap()),
            "1970-01-01T00:00:00.000Z"
        );
        assert_eq!(
            format(parse_start_at("2000-02-29T23:59:59Z").unwrap()),
            "2000-02-29T23:59:59.000Z"
        );
        for bad in [
            "",
            "soon",
            "2026-13-01T00:00:00Z",
            "2026-12-04",
            "2026-12-04T10:00Z",
            "-5",
            "1e300",
            "1e19",
            "18446744073709551616",
            "253402300800",
            "NaN",
            "2026-12-04T10:00:00+24:00",
            "2026-12-04T10:00:00+2562047788015216:00",
        ] {
            assert!(
                parse_start_at(bad).unwrap_err().contains("RFC 3339"),
                "{bad}"
            );
        }
    }
}

#[cfg(test)]
mod from_the_environment {
    use super::*;
    use clap::Parser;

    fn options(args: &[&str]) -> Options {
        Options::try_parse_from(std::iter::once("memaslap").chain(args.iter().copied())).unwrap()
    }

    #[test]
    fn instances_take_their_index_from_the_job() {
        let o = options(&["--instances", "4"]);
        assert_eq!(
            instance(&o, Some("2".into())).unwrap(),
            Instance { index: 2, count: 4 }
        );
        for bad in [None, Some("4".to_owned()), Some("x".to_owned())] {
            assert!(matches!(instance(&o, bad), Err(SetupError::Usage(_))));
        }
        let given = options(&["--instance", "1/2"]);
        assert_eq!(
            instance(&given, Some("0".into())).unwrap(),
            Instance { index: 1, count: 2 }
        );
        assert_eq!(instance(&options(&[]), None).unwrap(), Instance::default());
    }
}
