//! memaslap's command-line options, with the same short and long names and
//! units, plus this tool's own extensions. Values are checked here only for
//! their form; cross-option rules are checked when the options become an
//! engine configuration.

use crate::flags::{
    Percentiles, parse_key_dist, parse_key_prefix, parse_mix, parse_percentiles, parse_ratio,
    parse_size_range,
};
use crate::instance::{parse_instance, parse_start_at};
use crate::replay::{Speed, parse_speed};
use crate::scan::{Objective, Scan, parse_scan, parse_slo};
use crate::units::{parse_count, parse_proportion, parse_rate, parse_time};
use clap::{Parser, ValueEnum};
use memaslap_workload::{Instance, KeyDist, Mix, SizeDist};
use std::path::PathBuf;
use std::time::{Duration, SystemTime};

/// memaslap: generates load against memcached servers and reports
/// throughput, latency, misses and verification failures.
#[derive(Debug, Clone, Parser)]
#[command(name = "memaslap", version, about, long_about = None, args_override_self = true)]
#[command(after_help = AFTER_HELP)]
pub struct Options {
    /// Servers, host:port[,host:port...]. Defaults to $MEMCACHED_SERVERS,
    /// else a private memcached started for the run.
    #[arg(short = 's', long = "servers", value_name = "SERVERS")]
    pub servers: Option<String>,

    /// Worker threads, at most 1024.
    #[arg(short = 'T', long = "threads", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub threads: u32,

    /// Concurrencies (connections) in all, a multiple of --threads, at
    /// most 1000000.
    #[arg(short = 'c', long = "concurrency", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub concurrency: u32,

    /// TCP sockets per concurrency, used in turn, at most 1024.
    #[arg(short = 'n', long = "conn_sock", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub conn_sock: u32,

    /// Operations to execute, then stop (overrides --time).
    #[arg(short = 'x', long = "execute_number", value_parser = parse_count)]
    pub execute_number: Option<u64>,

    /// Run time: N with unit s, m, h or d (a bare number is seconds).
    #[arg(short = 't', long = "time", default_value = "600s", value_parser = parse_time)]
    pub time: Duration,

    /// Key, value and command distribution file in memaslap's format.
    #[arg(short = 'F', long = "cfg_cmd", value_name = "FILE")]
    pub cfg_cmd: Option<PathBuf>,

    /// Task window (items) per concurrency; k = 1024.
    #[arg(short = 'w', long = "win_size", default_value = "10k", value_parser = parse_count)]
    pub win_size: u64,

    /// Fixed value length in bytes, 1 to 1 MiB.
    #[arg(short = 'X', long = "fixed_size", value_parser = parse_count)]
    pub fixed_size: Option<u64>,

    /// Fraction of gets whose value is verified, in (0, 1].
    #[arg(short = 'v', long = "verify", value_parser = parse_proportion)]
    pub verify: Option<f64>,

    /// Keys per multi-get.
    #[arg(short = 'd', long = "division", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub division: u32,

    /// Interval of the periodic statistics, N with unit s, m, h or d.
    #[arg(short = 'S', long = "stat_freq", value_parser = parse_time)]
    pub stat_freq: Option<Duration>,

    /// Fraction of objects stored with a TTL and checked for expiry, in (0, 1].
    #[arg(short = 'e', long = "exp_verify", value_parser = parse_proportion)]
    pub exp_verify: Option<f64>,

    /// Fraction of sets that overwrite an existing object, in (0, 1].
    #[arg(short = 'o', long = "overwrite", value_parser = parse_proportion)]
    pub overwrite: Option<f64>,

    /// Reconnect closed sockets.
    #[arg(short = 'R', long = "reconnect")]
    pub reconnect: bool,

    /// UDP instead of TCP.
    #[arg(short = 'U', long = "udp")]
    pub udp: bool,

    /// Facebook mode: sets over TCP, multi-gets over UDP (needs --division >= 2).
    #[arg(short = 'a', long = "facebook")]
    pub facebook: bool,

    /// Binary protocol.
    #[arg(short = 'B', long = "binary")]
    pub binary: bool,

    /// The wire protocol: ascii (memaslap's default), binary (as -B) or
    /// meta (memcached's meta commands: mg, ms, mn).
    #[arg(long = "protocol", value_enum, value_name = "PROTOCOL")]
    pub protocol: Option<ProtocolName>,

    /// Target throughput in operations per second for the whole run; k = 1024.
    #[arg(short = 'P', long = "tps", value_parser = parse_count)]
    pub tps: Option<u64>,

    /// Open loop: R requests per second in all, due on a schedule whatever
    /// the replies do; latency counts from when each was due. k = 1,000 and
    /// m = 1,000,000 here (unlike -P). Not with -P.
    #[arg(long = "rate", value_name = "R", value_parser = parse_rate)]
    pub rate: Option<f64>,

    /// How the open loop's requests fall due: poisson (exponential gaps)
    /// or uniform (even gaps) [default: poisson].
    #[arg(long = "arrival", value_enum)]
    pub arrival: Option<ArrivalName>,

    /// How an open-loop thread waits for its next request: sleep (wake at
    /// its time: no polling, sent as late as the thread takes to wake),
    /// spin (sleep until a few µs before it is due, then poll: sent on
    /// time, for the CPU the polling takes) or slack (sleep with the
    /// system's timer slack, 50 µs on Linux: fewer wake-ups and less CPU a
    /// request at low rates, sent up to the slack late) [default: sleep].
    #[arg(long = "wake", value_enum)]
    pub wake: Option<WakeName>,

    /// Open loop: the most due requests waiting per thread for a
    /// connection with room, at most 16777216; past it they are dropped
    /// and counted [default: one second of the thread's rate, at most
    /// the same].
    #[arg(long = "max-backlog", value_name = "N",
        value_parser = clap::value_parser!(u64).range(1..=memaslap_engine::MAX_BACKLOG))]
    pub max_backlog: Option<u64>,

    /// The latency–throughput curve: open-loop steps from FROM to TO
    /// requests per second by STEP, --time each (the first 10 % of each
    /// not recorded), one row per step. Rates as --rate.
    #[arg(long = "scan", value_name = "FROM:TO:STEP", value_parser = parse_scan, conflicts_with_all = ["rate", "tps", "execute_number"])]
    pub scan: Option<Scan>,

    /// With --scan: latency objectives, pNN=TIME comma-separated (p50,
    /// p90, p99 or p99.9; TIME in us, ms or s), e.g. p99=1ms; the highest
    /// step meeting them all is named.
    #[arg(long = "slo", value_name = "LIST", value_parser = parse_slo_arg, requires = "scan")]
    pub slo: Option<Slo>,

    /// Replication test: the first N servers are writable.
    #[arg(short = 'p', long = "rep_write", value_parser = clap::value_parser!(u32).range(1..))]
    pub rep_write: Option<u32>,

    /// Details of verification failures on stderr.
    #[arg(short = 'b', long = "verbose")]
    pub verbose: bool,

    /// Master seed of every random choice (a random one is drawn and printed
    /// when omitted).
    #[arg(long = "seed")]
    pub seed: Option<u64>,

    /// Also write the whole result as JSON to FILE.
    #[arg(long = "json", value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// How long a UDP request may wait for its reply.
    #[arg(long = "udp-timeout", default_value = "1s", value_parser = parse_time)]
    pub udp_timeout: Duration,

    /// How long a TCP request may wait for its reply; a late reply makes the
    /// connection close (reconnect with --reconnect).
    #[arg(long = "tcp-timeout", default_value = "30s", value_parser = parse_time)]
    pub tcp_timeout: Duration,

    /// Requests in flight per connection (an extension): 1 is memaslap's
    /// closed loop; more are written together and answered in order. TCP
    /// with one socket per connection only.
    #[arg(long = "depth", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub depth: u16,

    /// Sets to gets, as SET:GET (e.g. 1:9), instead of a -F file's `cmd`
    /// section.
    #[arg(long = "ratio", value_name = "SET:GET", value_parser = parse_ratio)]
    pub ratio: Option<(f64, f64)>,

    /// Key length in bytes (prefix excluded): N, A-B drawn uniformly, or
    /// gev:LOC,SCALE,SHAPE or gpareto:LOC,SCALE,SHAPE (clamped to 16..250).
    #[arg(long = "key-size", value_name = "SIZE", value_parser = parse_size_range)]
    pub key_size: Option<SizeDist>,

    /// Value length in bytes: N, A-B drawn uniformly, or
    /// gev:LOC,SCALE,SHAPE or gpareto:LOC,SCALE,SHAPE (clamped to 1..1m).
    #[arg(long = "value-size", value_name = "SIZE", value_parser = parse_size_range)]
    pub value_size: Option<SizeDist>,

    /// A keyspace of N keys instead of memaslap's windows: key id i names
    /// the same key on every run and machine, and its value's size and
    /// bytes are functions of i. k = 1024.
    #[arg(long = "keys", value_name = "N", value_parser = parse_count)]
    pub keys: Option<u64>,

    /// How requests pick keys of --keys: uniform, zipf:S, gaussian:MEAN,STDDEV
    /// (in keys), sequential or hotspot:KEYS,TRAFFIC (fractions)
    /// [default: uniform].
    #[arg(long = "key-dist", value_name = "DIST", value_parser = parse_key_dist, requires = "keys")]
    pub key_dist: Option<KeyDist>,

    /// Every command's share with --keys, COMMAND=WEIGHT comma-separated,
    /// e.g. get=90,set=5,delete=2,incr=1,decr=1,touch=1; commands: get gets
    /// gat gats set add replace append prepend cas delete incr decr touch.
    /// Instead of --ratio.
    #[arg(long = "mix", value_name = "MIX", value_parser = parse_mix, requires = "keys", conflicts_with = "ratio")]
    pub mix: Option<Mix>,

    /// Replay the requests of a trace FILE (plain, or zstd-compressed when
    /// its name ends in .zst): each client's requests on one connection, in
    /// order, at the trace's times (--trace-speed). The run lasts the trace;
    /// keys, sizes and commands are the trace's, so the flags that shape
    /// memaslap's own workload are refused beside it.
    #[arg(long = "trace", value_name = "FILE", conflicts_with_all = ["keys", "mix", "rate", "scan", "tps", "execute_number", "time", "verify", "exp_verify", "overwrite", "ratio", "cfg_cmd", "prefill", "fixed_size", "key_size", "value_size", "preset", "win_size", "division"])]
    pub trace: Option<PathBuf>,

    /// The layout of --trace: csv (the open Twitter cache trace format:
    /// timestamp,key,key size,value size,client id,operation,TTL) or
    /// oracle-general (libCacheSim's 24-byte records; gets, with a demand
    /// fill after each miss).
    #[arg(
        long = "trace-format",
        value_enum,
        default_value = "csv",
        requires = "trace"
    )]
    pub trace_format: TraceFormatName,

    /// How fast to replay --trace: a factor on the trace's clock (2 = twice
    /// as fast), or max (as fast as the connections and --depth allow).
    #[arg(long = "trace-speed", value_name = "X|max", default_value = "1", value_parser = parse_speed, requires = "trace")]
    pub trace_speed: Speed,

    /// Skip malformed lines of --trace, counting them, instead of refusing
    /// the trace.
    #[arg(long = "trace-skip-bad", requires = "trace")]
    pub trace_skip_bad: bool,

    /// This process is instance I of N of one run over several machines:
    /// its connections, seeds and key prefixes are its share of N times
    /// -c, and --rate and -x are the whole run's.
    #[arg(long = "instance", value_name = "I/N", value_parser = parse_instance, conflicts_with = "instances")]
    pub instance: Option<Instance>,

    /// As --instance, the index I read from $JOB_COMPLETION_INDEX (a
    /// Kubernetes Indexed Job sets it).
    #[arg(long = "instances", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub instances: Option<u32>,

    /// Connect, then wait until this wall-clock time (RFC 3339 or Unix
    /// seconds) to start, so that instances' intervals line up; a time
    /// more than 1 s past is refused.
    #[arg(long = "start-at", value_name = "TIME", value_parser = parse_start_at)]
    pub start_at: Option<SystemTime>,

    /// Write the result as one self-contained HTML page with charts (no
    /// script, nothing loaded from anywhere).
    #[arg(long = "report", value_name = "FILE.html")]
    pub report: Option<PathBuf>,

    /// Write every interval's latency histograms (per kind, and per
    /// command of --mix) to FILE in HdrHistogram's interval log format.
    #[arg(long = "hdr-log", value_name = "FILE")]
    pub hdr_log: Option<PathBuf>,

    /// No live progress line (shown on a terminal without -S).
    #[arg(long = "quiet")]
    pub quiet: bool,

    /// TLS (--tls and its files).
    #[command(flatten)]
    pub tls: crate::tls::TlsFlags,

    /// Authentication (--user and its password).
    #[command(flatten)]
    pub auth: crate::auth::AuthFlags,

    /// Store every key of --keys once before the measured run (all
    /// connections, pipelined), reported apart, so that hit ratios mean
    /// something.
    #[arg(long = "prefill", requires = "keys")]
    pub prefill: bool,

    /// Key sizes, value sizes and get:set mix of a published workload:
    /// etc (Facebook's ETC pool, SIGMETRICS 2012). --key-size,
    /// --value-size and --ratio override its parts.
    #[arg(long = "preset", value_enum)]
    pub preset: Option<Preset>,

    /// Text every key starts with, before its own length (--key-size).
    #[arg(long = "key-prefix", value_name = "STR", value_parser = parse_key_prefix)]
    pub key_prefix: Option<String>,

    /// Repeat the run this many times against the same servers, then print
    /// each run's figures and their best, worst and median.
    #[arg(long = "runs", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub runs: u32,

    /// The percentiles the latency table shows, comma-separated.
    #[arg(long = "percentiles", value_name = "LIST", default_value = "50,90,99,99.9,99.99", value_parser = parse_percentiles)]
    pub percentiles: Percentiles,
}

const AFTER_HELP: &str = "\
Times take a unit s, m, h or d (a bare number is seconds); counts take k, m
or g (powers of 1024). Exit status: 0 success, 1 the run failed or
verification failed, 2 bad options or configuration.";

/// Latency objectives as `--slo` gave them.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    /// As given.
    pub text: String,
    /// As parsed.
    pub objectives: Vec<Objective>,
}

fn parse_slo_arg(text: &str) -> Result<Slo, String> {
    Ok(Slo {
        text: text.to_owned(),
        objectives: parse_slo(text)?,
    })
}

/// A trace's layout, as `--trace-format` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TraceFormatName {
    /// The open Twitter cache trace format (CSV).
    Csv,
    /// libCacheSim's oracleGeneral binary records.
    OracleGeneral,
}

/// A published workload, as `--preset` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Preset {
    /// Facebook's ETC pool: key sizes GEV(30.7984, 8.20449, 0.078688),
    /// value sizes GPareto(0, 214.476, 0.348238), 30 gets to 1 set.
    Etc,
}

/// An arrival process, as `--arrival` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ArrivalName {
    /// Exponential gaps (a Poisson process).
    Poisson,
    /// Even gaps.
    Uniform,
}

/// How an open-loop thread waits, as `--wake` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WakeName {
    /// Sleep, then poll from a few µs before the due time.
    Spin,
    /// Sleep until the due time.
    Sleep,
    /// Sleep until the due time with the system's timer slack.
    Slack,
}

/// A wire protocol, as `--protocol` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProtocolName {
    /// memcached's text protocol.
    Ascii,
    /// memcached's binary protocol.
    Binary,
    /// memcached's meta commands.
    Meta,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    fn parse(args: &[&str]) -> Result<Options, clap::Error> {
        Options::try_parse_from(std::iter::once("memaslap").chain(args.iter().copied()))
    }

    #[test]
    fn definition_is_consistent() {
        Options::command().debug_assert();
    }

    #[test]
    fn defaults_are_memaslaps() {
        let o = parse(&[]).unwrap();
        assert_eq!(o.threads, 1);
        assert_eq!(o.concurrency, 16);
        assert_eq!(o.conn_sock, 1);
        assert_eq!(o.time, Duration::from_secs(600));
        assert_eq!(o.win_size, 10 * 1024);
        assert_eq!(o.division, 1);
        assert_eq!(o.execute_number, None);
        assert!(!o.udp && !o.binary && !o.facebook && !o.reconnect);
    }

    #[test]
    fn short_and_long_names() {
        let o = parse(&[
            "-s", "a:1,b:2", "-T", "2", "-c", "8", "-n", "2", "-x", "10k", "-t", "2m", "-w", "1k",
            "-X", "100", "-v", "0.5", "-d", "10", "-S", "1s", "-e", "0.1", "-o", "0.2", "-R", "-U",
            "-B", "-P", "2000", "-p", "1", "-b",
        ])
        .unwrap();
        assert_eq!(o.servers.as_deref(), Some("a:1,b:2"));
        assert_eq!((o.threads, o.concurrency, o.conn_sock), (2, 8, 2));
        assert_eq!(o.execute_number, Some(10240));
        assert_eq!(o.time, Duration::from_secs(120));
        assert_eq!((o.win_size, o.fixed_size), (1024, Some(100)));
        assert_eq!(
            (o.verify, o.exp_verify, o.overwrite),
            (Some(0.5), Some(0.1), Some(0.2))
        );
        assert_eq!(o.stat_freq, Some(Duration::from_secs(1)));
        assert_eq!((o.tps, o.rep_write), (Some(2000), Some(1)));
        assert!(o.reconnect && o.udp && o.binary && o.verbose);

        let o = parse(&[
            "--servers=h:1",
            "--threads=3",
            "--concurrency=9",
            "--conn_sock=1",
            "--execute_number=5",
            "--time=10",
            "--cfg_cmd=x.cfg",
            "--win_size=10k",
            "--division=2",
            "--stat_freq=2s",
            "--facebook",
            "--rep_write=2",
            "--seed=7",
            "--json=out.json",
            "--udp-timeout=200ms",
            "--tcp-timeout=1.5s",
        ])
        .unwrap();
        assert_eq!(o.cfg_cmd, Some(PathBuf::from("x.cfg")));
        assert_eq!(o.time, Duration::from_secs(10));
        assert_eq!(o.seed, Some(7));
        assert_eq!(o.udp_timeout, Duration::from_millis(200));
        assert_eq!(o.tcp_timeout, Duration::from_millis(1500));
        assert!(o.facebook);
    }

    #[test]
    fn a_repeated_option_takes_its_last_value() {
        let o = parse(&["-t", "10s", "-t", "3s", "-c", "8", "--concurrency", "4"]).unwrap();
        assert_eq!(o.time, Duration::from_secs(3));
        assert_eq!(o.concurrency, 4);
    }

    #[test]
    fn bad_values_name_the_option() {
        for (args, needle) in [
            (&["-t", "10x"][..], "--time"),
            (&["-v", "1.5"][..], "--verify"),
            (&["-T", "0"][..], "--threads"),
            (&["-w", "k"][..], "--win_size"),
            (&["-P", "fast"][..], "--tps"),
        ] {
            let err = parse(args).unwrap_err().to_string();
            assert!(err.contains(needle), "{args:?}: {err}");
        }
    }

    #[test]
    fn help_shows_real_defaults() {
        let help = Options::command().render_help().to_string();
        assert!(help.contains("[default: 1]"), "{help}");
        assert!(help.contains("[default: 16]"), "{help}");
        assert!(help.contains("[default: 600s]"), "{help}");
        assert!(help.contains("[default: 10k]"), "{help}");
    }
}
