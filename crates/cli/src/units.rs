//! memaslap's number formats: times with `s`/`m`/`h`/`d` suffixes (a bare
//! number is seconds), counts with `k`/`m`/`g` suffixes (powers of 1024, as
//! memaslap reads them), and proportions in (0, 1].

use std::time::Duration;

/// The longest time any flag takes (`-t`, `-S`, the timeouts): 100 years
/// of 365 days. Longer ones would overflow the clock they are added to.
pub const MAX_TIME: Duration = Duration::from_secs(100 * 365 * 86_400);

/// Parses a time such as `10s`, `2m`, `1h`, `1d`, `1.5s`, `250ms` or a bare
/// number of seconds, at most [`MAX_TIME`].
pub fn parse_time(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = split_suffix(text);
    let scale = match unit {
        "" | "s" => 1.0,
        "ms" => 0.001,
        "m" => 60.0,
        "h" => 3600.0,
        "d" => 86400.0,
        _ => return Err(time_error(text)),
    };
    let value: f64 = number.parse().map_err(|_| time_error(text))?;
    if !value.is_finite() || value < 0.0 {
        return Err(time_error(text));
    }
    Duration::try_from_secs_f64(value * scale)
        .ok()
        .filter(|d| *d <= MAX_TIME)
        .ok_or_else(|| time_error(text))
}

fn time_error(text: &str) -> String {
    format!(
        "'{text}' is not a time; use a number with an optional unit s, ms, m, h or d (e.g. 10s, 2m), \
         at most 36500d"
    )
}

/// Parses a count such as `10k` (10 × 1024), `2m` (2 × 1024²), `1g` or a
/// bare number.
pub fn parse_count(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let (number, unit) = split_suffix(text);
    let scale: u64 = match unit {
        "" => 1,
        "k" | "K" => 1 << 10,
        "m" | "M" => 1 << 20,
        "g" | "G" => 1 << 30,
        _ => return Err(count_error(text)),
    };
    let value: u64 = number.parse().map_err(|_| count_error(text))?;
    value.checked_mul(scale).ok_or_else(|| count_error(text))
}

fn count_error(text: &str) -> String {
    format!(
        "'{text}' is not a count; use a whole number with an optional suffix k, m or g (powers of 1024, e.g. 10k)"
    )
}

/// The highest `--rate` (and `--scan` rate): a billion requests a second
/// over the whole run, all threads and instances together.
pub const MAX_RATE: f64 = 1e9;

/// Parses a rate in requests per second such as `2500`, `1.5k` (1,500) or
/// `2m` (2,000,000): decimal suffixes, unlike counts; at most [`MAX_RATE`].
pub fn parse_rate(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, unit) = split_suffix(text);
    let scale = match unit {
        "" => 1.0,
        "k" | "K" => 1e3,
        "m" | "M" => 1e6,
        _ => return Err(rate_error(text)),
    };
    match number.parse::<f64>() {
        Ok(value) if (1.0..=MAX_RATE).contains(&(value * scale)) => Ok(value * scale),
        _ => Err(rate_error(text)),
    }
}

fn rate_error(text: &str) -> String {
    format!(
        "'{text}' is not a rate; use requests per second, from 1 to 1000m, with an optional suffix k (1,000) or m (1,000,000), e.g. 2500 or 50k"
    )
}

/// Parses a proportion in (0, 1].
pub fn parse_proportion(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!(
            "'{text}' is not a proportion; use a number in (0, 1], e.g. 0.1"
        )),
    }
}

/// Splits `10ms` into `("10", "ms")`.
fn split_suffix(text: &str) -> (&str, &str) {
    let at = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    text.split_at(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        assert_eq!(parse_time("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_time("10"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_time("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_time("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_time("1d"), Ok(Duration::from_secs(86400)));
        assert_eq!(parse_time("1.5s"), Ok(Duration::from_millis(1500)));
        assert_eq!(parse_time("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_time("36500d"), Ok(MAX_TIME));
        for bad in [
            "",
            "s",
            "10x",
            "-1s",
            "1e999",
            "ten",
            "36501d",
            "9223372036854775807",
            "106751991167301d",
            "153722867280912930m",
        ] {
            assert!(parse_time(bad).unwrap_err().contains("36500d"), "{bad}");
        }
    }

    #[test]
    fn counts() {
        assert_eq!(parse_count("10k"), Ok(10 * 1024));
        assert_eq!(parse_count("3000"), Ok(3000));
        assert_eq!(parse_count("2m"), Ok(2 << 20));
        assert_eq!(parse_count("1g"), Ok(1 << 30));
        for bad in ["", "k", "1.5k", "-1", "99999999999999999999g", "10x"] {
            assert!(parse_count(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn rates_take_decimal_suffixes() {
        assert_eq!(parse_rate("2500"), Ok(2500.0));
        assert_eq!(parse_rate("1.5k"), Ok(1500.0));
        assert_eq!(parse_rate("2m"), Ok(2e6));
        assert_eq!(parse_rate("1"), Ok(1.0));
        assert_eq!(parse_rate("1000m"), Ok(MAX_RATE));
        for bad in [
            "",
            "k",
            "0",
            "0.5",
            "-1",
            "10x",
            "1g",
            "1e999",
            "1000.001m",
            "18446744073709551615",
        ] {
            let error = parse_rate(bad).unwrap_err();
            assert!(error.contains("k (1,000)"), "{bad}: {error}");
        }
    }

    #[test]
    fn proportions() {
        assert_eq!(parse_proportion("0.1"), Ok(0.1));
        assert_eq!(parse_proportion("1"), Ok(1.0));
        for bad in ["0", "1.01", "-0.5", "x", "NaN"] {
            assert!(parse_proportion(bad).is_err(), "{bad}");
        }
    }
}
