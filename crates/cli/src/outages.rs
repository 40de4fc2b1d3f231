//! The outage lines of the final report: one per outage of a server, with
//! what the requests looked like while the connections that used it were
//! without it.

use memaslap_engine::Outage;
use std::fmt::Write;
use std::time::Duration;

/// Writes one line per outage, nothing when there was none.
///
/// ```
/// use memaslap_cli::outages::outages;
/// let mut out = String::new();
/// outages(&mut out, &[], 0);
/// assert!(out.is_empty());
/// ```
pub fn outages(out: &mut String, outages: &[Outage], more: u64) {
    for o in outages {
        let ended = if o.back {
            "back"
        } else {
            "not back by the end"
        };
        let _ = write!(
            out,
            "outage: server {} at {:.3}s for {:.3}s ({ended}, {} sockets lost)",
            o.server,
            o.start.as_secs_f64(),
            o.length.as_secs_f64(),
            o.sockets
        );
        if let Some(d) = o.noticed_within {
            let _ = write!(
                out,
                ", all back within {:.3}s of its return",
                d.as_secs_f64()
            );
        }
        let c = &o.during.counters;
        let _ = writeln!(
            out,
            "; during it: completed {} failed {} timed_out {} disconnects {} p99 {} max {}",
            c.requests_completed,
            c.requests_failed,
            c.requests_timed_out,
            c.errors.disconnect,
            micros(o.during.p99),
            micros(o.during.max),
        );
    }
    if more > 0 {
        let _ = writeln!(out, "outage: {more} more outages, not listed");
    }
}

fn micros(d: Duration) -> String {
    format!("{}us", d.as_micros())
}

#[cfg(test)]
mod tests {
    use super::*;
    use memaslap_engine::During;

    #[test]
    fn one_line_per_outage() {
        let mut during = During {
            p99: Duration::from_micros(1500),
            max: Duration::from_micros(2000),
            ..During::default()
        };
        during.counters.requests_completed = 10;
        during.counters.requests_failed = 3;
        let outage = Outage {
            server: "127.0.0.1:11211".parse().unwrap(),
            start: Duration::from_millis(1020),
            length: Duration::from_millis(640),
            back: true,
            sockets: 4,
            noticed_within: Some(Duration::from_millis(120)),
            during,
        };
        let gone = Outage {
            back: false,
            noticed_within: None,
            ..outage.clone()
        };
        let mut out = String::new();
        outages(&mut out, &[outage, gone], 7);
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "{out}");
        assert!(
            lines[0].starts_with(
                "outage: server 127.0.0.1:11211 at 1.020s for 0.640s (back, 4 sockets lost), \
                 all back within 0.120s of its return; during it: completed 10 failed 3 \
                 timed_out 0 disconnects 0 p99 1500us max 2000us"
            ),
            "{out}"
        );
        assert!(
            lines[1].contains("(not back by the end, 4 sockets lost)"),
            "{out}"
        );
    }
}
