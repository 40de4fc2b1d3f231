//! memaslap's text report: the periodic `-S` tables, the final per-type
//! latency blocks with their log2 distribution, the counters and the closing
//! `Run time:` line, byte for byte in the original's layout, plus a block of
//! latency percentiles.

use memaslap_engine::Latency;
use memaslap_engine::{Counters, Stats};
use std::fmt::Write;
use std::time::Duration;

/// The header line of a periodic table.
pub fn table_header(out: &mut String) {
    let _ = writeln!(
        out,
        "{:<8} {:<8} {:<12} {:<12} {:<10} {:<10} {:<8} {:<10} {:<10} {:<10} {:<10}",
        "Type",
        "Time(s)",
        "Ops",
        "TPS(ops/s)",
        "Net(M/s)",
        "Get_miss",
        "Min(us)",
        "Max(us)",
        "Avg(us)",
        "Std_dev",
        "Geo_dist"
    );
}

/// One row of a periodic table (`Period` or `Global`).
pub struct Row<'a> {
    /// `Period` or `Global`.
    pub label: &'a str,
    /// Seconds the row covers, as memaslap prints them (whole seconds).
    pub secs: u64,
    /// Latencies of the operations the row covers.
    pub latency: &'a Latency,
    /// Misses in the row.
    pub misses: u64,
    /// Bytes written and read in the row.
    pub net_bytes: u64,
}

/// Writes one row of a periodic table.
pub fn table_row(out: &mut String, row: &Row<'_>) {
    let ops = row.latency.count();
    let secs = row.secs.max(1);
    let _ = writeln!(
        out,
        "{:<8} {:<8} {:<12} {:<12} {:<10.1} {:<10} {:<8} {:<10} {:<10} {:<10.2} {:.2}",
        row.label,
        row.secs,
        ops,
        ops / secs,
        row.net_bytes as f64 / f64::from(1u32 << 20) / secs as f64,
        row.misses,
        row.latency.min().as_micros(),
        row.latency.max().as_micros(),
        row.latency.mean_us() as u64,
        row.latency.std_dev_us(),
        row.latency.geo_mean_us()
    );
}

/// The final block of one operation kind: `<Title> Statistics (N events)`,
/// min/max/avg/geo/std and the log2 distribution.
pub fn latency_block(out: &mut String, title: &str, latency: &Latency) {
    let _ = writeln!(out, "{title} Statistics ({} events)", latency.count());
    let _ = writeln!(out, "   Min: {:>9}", latency.min().as_micros());
    let _ = writeln!(out, "   Max: {:>9}", latency.max().as_micros());
    let _ = writeln!(out, "   Avg: {:>9}", latency.mean_us() as u64);
    let _ = writeln!(out, "   Geo: {:>9.2}", latency.geo_mean_us());
    let _ = writeln!(out, "   Std: {:>9.2}", latency.std_dev_us());
    out.push_str("   Log2 Dist:");
    let buckets = latency.log2_buckets();
    let first = buckets.iter().position(|&n| n != 0);
    let last = buckets.iter().rposition(|&n| n != 0);
    if let (Some(first), Some(last)) = (first, last) {
        for (i, count) in buckets
            .iter()
            .enumerate()
            .take(last + 1)
            .skip(first - first % 4)
        {
            if i % 4 == 0 {
                let _ = write!(out, "\n{i:>8}:");
            }
            let _ = write!(out, "{count:>9}");
        }
    }
    out.push_str("\n\n");
}

/// Latency `percentiles` of one operation kind, in µs, and its maximum.
pub fn percentile_line(out: &mut String, title: &str, latency: &Latency, percentiles: &[f64]) {
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    let _ = write!(out, "{:<8} {:<12}", title, latency.count());
    for p in percentiles {
        let _ = write!(out, " {:<10.1}", us(latency.quantile(p / 100.0)));
    }
    let _ = writeln!(out, " {:.1}", us(latency.max()));
}

/// The header of the percentile block, one column per percentile.
pub fn percentile_header(out: &mut String, percentiles: &[f64]) {
    percentile_header_titled(out, "Latency percentiles (us)", percentiles);
}

/// As [`percentile_header`], under another title.
pub fn percentile_header_titled(out: &mut String, title: &str, percentiles: &[f64]) {
    let _ = writeln!(out, "{title}");
    let _ = write!(out, "{:<8} {:<12}", "Type", "Ops");
    for p in percentiles {
        let _ = write!(out, " {:<10}", format!("p{p}"));
    }
    let _ = writeln!(out, " max");
}

/// Which optional counter lines the final report shows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shown {
    /// `-v` was given: `verify_misses` and `verify_failed`.
    pub verify: bool,
    /// `-e` was given: `expired_get` and `unexpired_unget`.
    pub expire: bool,
    /// UDP was used: `packet_disorder`, `packet_drop`, `udp_timeout`, and
    /// this tool's `packet_duplicate` and `packet_foreign`.
    pub udp: bool,
}

/// The final counters, in memaslap's order.
pub fn counters(out: &mut String, c: &Counters, shown: Shown) {
    let _ = writeln!(out, "cmd_get: {}", c.cmd_get);
    let _ = writeln!(out, "cmd_set: {}", c.cmd_set);
    let _ = writeln!(out, "get_misses: {}", c.get_misses);
    if shown.verify {
        let _ = writeln!(out, "verify_misses: {}", c.verify_misses);
        let _ = writeln!(out, "verify_failed: {}", c.verify_failed);
    }
    if shown.expire {
        let _ = writeln!(out, "expired_get: {}", c.expired_get);
        let _ = writeln!(out, "unexpired_unget: {}", c.unexpired_unget);
    }
    let _ = writeln!(out, "written_bytes: {}", c.written_bytes);
    let _ = writeln!(out, "read_bytes: {}", c.read_bytes);
    let _ = writeln!(out, "object_bytes: {}", c.object_bytes);
    if shown.udp {
        let _ = writeln!(out, "packet_disorder: {}", c.packet_disorder);
        let _ = writeln!(out, "packet_drop: {}", c.packet_drop);
        let _ = writeln!(out, "udp_timeout: {}", c.udp_timeout);
        let _ = writeln!(out, "packet_duplicate: {}", c.packet_duplicate);
        let _ = writeln!(out, "packet_foreign: {}", c.packet_foreign);
    }
}

/// The closing line: `Run time: 3.0s Ops: N TPS: N Net_rate: N.NM/s`.
pub fn run_line(out: &mut String, elapsed: Duration, ops: u64, net_bytes: u64) {
    let secs = elapsed.as_secs_f64();
    let (tps, rate) = if secs > 0.0 {
        (
            (ops as f64 / secs) as u64,
            net_bytes as f64 / f64::from(1u32 << 20) / secs,
        )
    } else {
        (0, 0.0)
    };
    let _ = writeln!(
        out,
        "\nRun time: {secs:.1}s Ops: {ops} TPS: {tps} Net_rate: {rate:.1}M/s"
    );
}

/// The three blocks of a periodic dump (`-S`): Get, Set and Total, each
/// with a `Period` and a `Global` row.
pub fn periodic(
    out: &mut String,
    period: &Stats,
    period_secs: u64,
    global: &Stats,
    global_secs: u64,
) {
    let (period_total, global_total) = (period.total(), global.total());
    let blocks: [(&str, &Latency, &Latency, u64, u64, u64, u64); 3] = [
        (
            "Get",
            &period.get,
            &global.get,
            period.counters.get_misses,
            global.counters.get_misses,
            period.counters.get_net_bytes,
            global.counters.get_net_bytes,
        ),
        (
            "Set",
            &period.set,
            &global.set,
            0,
            0,
            period.counters.set_net_bytes,
            global.counters.set_net_bytes,
        ),
        (
            "Total",
            &period_total,
            &global_total,
            period.counters.get_misses,
            global.counters.get_misses,
            period.counters.written_bytes + period.counters.read_bytes,
            global.counters.written_bytes + global.counters.read_bytes,
        ),
    ];
    for (title, p, g, p_miss, g_miss, p_net, g_net) in &blocks {
        let _ = writeln!(out, "{title} Statistics");
        table_header(out);
        table_row(
            out,
            &Row {
                label: "Period",
                secs: period_secs,
                latency: p,
                misses: *p_miss,
                net_bytes: *p_net,
            },
        );
        table_row(
            out,
            &Row {
                label: "Global",
                secs: global_secs,
                latency: g,
                misses: *g_miss,
                net_bytes: *g_net,
            },
        );
        out.push('\n');
    }
}

/// The banner memaslap prints before a run.
pub struct Banner<'a> {
    /// The servers as given (`host:port,host:port`).
    pub servers: &'a str,
    /// `-T`.
    pub threads: u32,
    /// `-c`.
    pub concurrency: u32,
    /// `-t`, when the run is timed.
    pub run_time: Option<Duration>,
    /// `-x`, when the run counts operations.
    pub execute_number: Option<u64>,
    /// `-w` in items.
    pub window: usize,
    /// The set proportion.
    pub set_prop: f64,
    /// The get proportion.
    pub get_prop: f64,
}

/// Writes memaslap's banner.
pub fn banner(out: &mut String, b: &Banner<'_>) {
    let _ = writeln!(out, "servers: {}", b.servers);
    let _ = writeln!(out, "threads count: {}", b.threads);
    let _ = writeln!(out, "concurrency: {}", b.concurrency);
    match (b.execute_number, b.run_time) {
        (Some(n), _) => {
            let _ = writeln!(out, "execute number: {n}");
        }
        (None, Some(t)) => {
            let _ = writeln!(out, "run time: {}", seconds(t));
        }
        (None, None) => {}
    }
    if b.window % 1024 == 0 {
        let _ = writeln!(out, "windows size: {}k", b.window / 1024);
    } else {
        let _ = writeln!(out, "windows size: {}", b.window);
    }
    let _ = writeln!(out, "set proportion: set_prop={:.2}", b.set_prop);
    let _ = writeln!(out, "get proportion: get_prop={:.2}", b.get_prop);
}

/// `5s`, or `0.5s` for a time that is not a whole number of seconds.
fn seconds(t: Duration) -> String {
    if t.subsec_nanos() == 0 {
        format!("{}s", t.as_secs())
    } else {
        format!("{}s", t.as_secs_f64())
    }
}

/// Error and accounting lines: every request sent ended in one of
/// completed, failed or timed out, and every fault has its counter.
pub fn accounting(out: &mut String, c: &Counters) {
    let _ = writeln!(
        out,
        "requests: sent {} completed {} failed {} timed_out {}",
        c.requests_sent, c.requests_completed, c.requests_failed, c.requests_timed_out
    );
    let e = &c.errors;
    let _ = writeln!(
        out,
        "errors: server_error {} client_error {} protocol_error {} timeout {} disconnect {}",
        e.server_error, e.client_error, e.protocol_error, e.timeout, e.disconnect
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latency(values_us: &[(u64, u64)]) -> Latency {
        let mut l = Latency::new();
        for &(us, times) in values_us {
            for _ in 0..times {
                l.record(Duration::from_micros(us));
            }
        }
        l
    }

    #[test]
    fn header_matches_the_original() {
        let mut out = String::new();
        table_header(&mut out);
        assert_eq!(
            out,
            "Type     Time(s)  Ops          TPS(ops/s)   Net(M/s)   Get_miss   Min(us)  Max(us)    Avg(us)    Std_dev    Geo_dist  \n"
        );
    }

    #[test]
    fn row_layout_matches_the_original() {
        let l = latency(&[(100, 3), (200, 1)]);
        let mut out = String::new();
        table_row(
            &mut out,
            &Row {
                label: "Period",
                secs: 1,
                latency: &l,
                misses: 0,
                net_bytes: 3 << 20,
            },
        );
        assert_eq!(
            out,
            "Period   1        4            4            3.0        0          100      200        125        43.30      118.92\n"
        );
    }

    #[test]
    fn latency_block_matches_the_original() {
        let l = latency(&[(18, 1), (40, 2), (5500, 1)]);
        let mut out = String::new();
        latency_block(&mut out, "Get", &l);
        let want = "Get Statistics (4 events)\n   Min:        18\n   Max:      5500\n   Avg:      1399\n   Geo:    112.19\n   Std:   2367.44\n   Log2 Dist:\n       4:        0        1        2        0\n       8:        0        0        0        0\n      12:        0        1\n\n";
        assert_eq!(out, want);
    }

    #[test]
    fn empty_latency_block_has_no_rows() {
        let mut out = String::new();
        latency_block(&mut out, "Set", &Latency::new());
        assert!(out.ends_with("   Log2 Dist:\n\n"), "{out}");
    }

    #[test]
    fn counters_follow_flags() {
        let c = Counters {
            cmd_get: 9,
            cmd_set: 1,
            ..Counters::default()
        };
        let mut out = String::new();
        counters(&mut out, &c, Shown::default());
        assert_eq!(
            out,
            "cmd_get: 9\ncmd_set: 1\nget_misses: 0\nwritten_bytes: 0\nread_bytes: 0\nobject_bytes: 0\n"
        );
        let mut out = String::new();
        counters(
            &mut out,
            &c,
            Shown {
                verify: true,
                expire: true,
                udp: true,
            },
        );
        assert_eq!(out.lines().count(), 15);
    }

    #[test]
    fn banner_matches_the_original() {
        let mut out = String::new();
        banner(
            &mut out,
            &Banner {
                servers: "127.0.0.1:21611",
                threads: 1,
                concurrency: 32,
                run_time: Some(Duration::from_secs(5)),
                execute_number: None,
                window: 10240,
                set_prop: 0.1,
                get_prop: 0.9,
            },
        );
        assert_eq!(
            out,
            "servers: 127.0.0.1:21611\nthreads count: 1\nconcurrency: 32\nrun time: 5s\nwindows size: 10k\nset proportion: set_prop=0.10\nget proportion: get_prop=0.90\n"
        );
    }

    #[test]
    fn periodic_blocks_have_three_tables() {
        let mut period = Stats::default();
        period.get.record(Duration::from_micros(100));
        period.set.record(Duration::from_micros(300));
        period.counters.get_misses = 1;
        let mut out = String::new();
        periodic(&mut out, &period, 1, &period, 2);
        let titles: Vec<&str> = out.lines().filter(|l| l.ends_with("Statistics")).collect();
        assert_eq!(
            titles,
            ["Get Statistics", "Set Statistics", "Total Statistics"]
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("Period   1 ")).count(),
            3
        );
        assert_eq!(
            out.lines().filter(|l| l.starts_with("Global   2 ")).count(),
            3
        );
        assert!(out.contains("Total Statistics\n"));
    }

    #[test]
    fn run_line_matches_the_original() {
        let mut out = String::new();
        run_line(&mut out, Duration::from_millis(3000), 581_562, 682_308_077);
        assert_eq!(
            out,
            "\nRun time: 3.0s Ops: 581562 TPS: 193854 Net_rate: 216.9M/s\n"
        );
    }
}
