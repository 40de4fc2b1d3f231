//! From command-line options to what the engine runs: the workload
//! configuration, the engine configuration, the seed and the servers.

use crate::options::{ArrivalName, Options, ProtocolName, WakeName};
use crate::private_server::PrivateServer;
use memaslap_engine::{
    ArrivalKind, ConfigError, EngineConfig, Mode, OpenLoopConfig, Protocol, START_SLACK, Server,
    Stop, Wake, longest_value,
};
use memaslap_workload::{MAX_VALUE_LEN, TraceSummary, WorkloadConfig, random_seed};
use std::fmt;

/// Everything a run needs, checked.
#[derive(Debug)]
pub struct Setup {
    /// The engine's configuration.
    pub engine: EngineConfig,
    /// The workload's configuration.
    pub workload: WorkloadConfig,
    /// The master seed.
    pub seed: u64,
    /// Whether the seed was drawn rather than given.
    pub seed_drawn: bool,
    /// The memcached started for this run, when no server was given.
    pub private: Option<PrivateServer>,
    /// The percentiles the latency table shows.
    pub percentiles: Vec<f64>,
    /// `--prefill`: store every key of the keyspace before the run.
    pub prefill: bool,
    /// `--trace`: what the trace holds, read before the run.
    pub trace: Option<TraceSummary>,
}

/// Why the options cannot make a run.
#[derive(Debug)]
pub enum SetupError {
    /// The options or the configuration file are wrong (exit status 2).
    Usage(String),
    /// No server was given and none could be started (exit status 1).
    Server(String),
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SetupError::Usage(m) | SetupError::Server(m) => f.write_str(m),
        }
    }
}

/// Builds and checks a run from `options`; `env_servers` is
/// `$MEMCACHED_SERVERS`.
pub fn build(options: &Options, env_servers: Option<String>) -> Result<Setup, SetupError> {
    let mut workload = workload_config(options)?;
    let index_variable = std::env::var(crate::instance::INDEX_VARIABLE).ok();
    workload.instance = crate::instance::instance(options, index_variable)?;
    let (servers, private) = servers(options, env_servers)?;
    let mut engine = EngineConfig::new(servers);
    engine.threads = options.threads;
    engine.concurrency = options.concurrency;
    engine.sockets_per_connection = options.conn_sock;
    check_sockets(options, engine.servers.len())?;
    engine.protocol = protocol(options)?;
    engine.mode = match (options.facebook, options.udp) {
        (true, _) => Mode::Facebook,
        (false, true) => Mode::Udp,
        (false, false) => Mode::Tcp,
    };
    engine.stop = match options.execute_number {
        Some(n) => Stop::Operations(n),
        None => Stop::After(options.time),
    };
    check_instance_share(options, workload.instance)?;
    engine.report_interval = options.stat_freq;
    engine.reconnect = options.reconnect;
    engine.replicate_writes = options.rep_write;
    engine.rate = options.tps;
    engine.open_loop = open_loop(options)?;
    check_thread_rate(options, workload.instance.count)?;
    engine.udp_timeout = options.udp_timeout;
    engine.tcp_timeout = options.tcp_timeout;
    // A reply may carry any value memcached's item size allows, whatever
    // this run stores: the keys may hold values an earlier run (or another
    // client, or an append) left, longer than this run's.
    engine.max_value = longest_value(&workload).max(MAX_VALUE_LEN as usize);
    let trace = crate::replay::apply(options, &mut workload, &mut engine)?;
    check_windows(options, &workload, mem_total())?;
    engine.verbose = options.verbose;
    engine.depth = usize::from(options.depth);
    engine.start_at = options.start_at;
    engine.tls = crate::tls::client(&options.tls, engine.mode, &engine.servers)?;
    let password = std::env::var(crate::auth::PASSWORD_VARIABLE).ok();
    engine.login = crate::auth::login(&options.auth, (engine.protocol, engine.mode), password)?;
    // The JSON carries each interval's histograms, for `memaslap merge`.
    engine.save_intervals =
        options.json.is_some() || options.hdr_log.is_some() || options.report.is_some();
    check_start(options)?;
    crate::outputs::check_outputs(options)?;
    engine
        .validate()
        .map_err(|e| SetupError::Usage(e.to_string()))?;
    check_times(options)?;
    engine
        .check_workload(&workload)
        .map_err(|e| SetupError::Usage(e.to_string()))?;
    let (seed, seed_drawn) = match options.seed {
        Some(seed) => (seed, false),
        None => (random_seed(), true),
    };
    Ok(Setup {
        engine,
        workload,
        seed,
        seed_drawn,
        private,
        percentiles: options.percentiles.0.clone(),
        prefill: options.prefill,
        trace,
    })
}

/// The servers given (`-s`, else `$MEMCACHED_SERVERS`), or a memcached
/// started for the run when none is.
fn servers(
    options: &Options,
    env_servers: Option<String>,
) -> Result<(Vec<Server>, Option<PrivateServer>), SetupError> {
    let given = options
        .servers
        .clone()
        .or(env_servers.filter(|s| !s.trim().is_empty()));
    if let Some(list) = given {
        return Ok((parse_servers(&list)?, None));
    }
    let server = PrivateServer::start(options.threads, options.concurrency * options.conn_sock)
        .map_err(SetupError::Server)?;
    Ok((vec![Server::from(server.addr())], Some(server)))
}

/// The most sockets a run opens: every concurrency's `-n` sockets to
/// every server.
const MAX_SOCKETS: u64 = 1_000_000;

/// Refuses a run of more than [`MAX_SOCKETS`] sockets (each with its
/// buffers), before any is made.
fn check_sockets(options: &Options, servers: usize) -> Result<(), SetupError> {
    let sockets = u64::from(options.concurrency)
        .saturating_mul(u64::from(options.conn_sock))
        .saturating_mul(servers as u64);
    if sockets <= MAX_SOCKETS {
        return Ok(());
    }
    Err(SetupError::Usage(format!(
        "-c {} × -n {} × {servers} servers is {sockets} sockets; at most {MAX_SOCKETS}",
        options.concurrency, options.conn_sock
    )))
}

/// Refuses a window model whose windows (`-c` × `-w` items) would take
/// more than the machine's memory, `total` bytes when known, before any
/// is made: the allocation would fail, or the system would kill the run.
fn check_windows(
    options: &Options,
    workload: &WorkloadConfig,
    total: Option<u64>,
) -> Result<(), SetupError> {
    let Some(total) = total.filter(|_| workload.keyspace.is_none() && workload.trace.is_none())
    else {
        return Ok(());
    };
    let bytes = u64::from(options.concurrency)
        .saturating_mul(options.win_size)
        .saturating_mul(memaslap_workload::ITEM_BYTES as u64);
    if bytes <= total {
        return Ok(());
    }
    Err(SetupError::Usage(format!(
        "-c {} × -w {} window items take {:.1} GiB; this machine has {:.1} GiB",
        options.concurrency,
        options.win_size,
        bytes as f64 / f64::from(1u32 << 30),
        total as f64 / f64::from(1u32 << 30)
    )))
}

/// Refuses a `-x` that leaves this instance no request: `-x` is shared
/// over every instance's connections in order, so an instance whose first
/// connection comes at or past `-x` would run and complete nothing.
fn check_instance_share(
    options: &Options,
    instance: memaslap_workload::Instance,
) -> Result<(), SetupError> {
    let Some(n) = options.execute_number else {
        return Ok(());
    };
    let first = u64::from(instance.index) * u64::from(options.concurrency);
    // -x 0 is refused on its own (the engine's check names the flag).
    if n == 0 || n > first {
        return Ok(());
    }
    let least = u64::from(instance.count.saturating_sub(1)) * u64::from(options.concurrency) + 1;
    Err(SetupError::Usage(format!(
        "-x {n} over {} instances of -c {} leaves instance {}/{} no request; give -x at least {least}",
        instance.count, options.concurrency, instance.index, instance.count
    )))
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), when
/// it can be read.
fn mem_total() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib.saturating_mul(1024))
}

/// The protocol of `--protocol` and `-B`, which must agree.
fn protocol(options: &Options) -> Result<Protocol, SetupError> {
    Ok(match (options.protocol, options.binary) {
        (Some(ProtocolName::Ascii | ProtocolName::Meta), true) => {
            return Err(SetupError::Usage(
                "-B is --protocol binary; it cannot be combined with another --protocol".into(),
            ));
        }
        (Some(ProtocolName::Binary), _) | (None, true) => Protocol::Binary,
        (Some(ProtocolName::Meta), false) => Protocol::Meta,
        (Some(ProtocolName::Ascii), false) | (None, false) => Protocol::Ascii,
    })
}

/// The most due requests a second one thread's open loop draws: past
/// it, drawing them takes the thread from sending (a run of 100m on one
/// thread sent a handful and overran `-t` several times).
const MAX_THREAD_RATE: f64 = 1e7;

/// Refuses an open loop (`--rate`, or `--scan`'s highest rate) whose share
/// of one thread of one of `instances` instances is above
/// [`MAX_THREAD_RATE`].
fn check_thread_rate(options: &Options, instances: u32) -> Result<(), SetupError> {
    let Some(rate) = options
        .rate
        .or(options.scan.map(|scan| scan.to.max(scan.from)))
    else {
        return Ok(());
    };
    let threads = f64::from(options.threads.max(1)) * f64::from(instances.max(1));
    if rate / threads <= MAX_THREAD_RATE {
        return Ok(());
    }
    let needed = (rate / MAX_THREAD_RATE).ceil();
    Err(SetupError::Usage(format!(
        "a rate of {rate} requests a second is {:.0} a thread; a thread draws at most \
         {MAX_THREAD_RATE:.0}: use at least {needed:.0} threads (-T) over all instances",
        rate / threads
    )))
}

/// The open loop of `--rate` (or `--scan`'s first rate) and the flags that
/// shape it, which mean nothing without one.
fn open_loop(options: &Options) -> Result<Option<OpenLoopConfig>, SetupError> {
    let rate = options.rate.or(options.scan.map(|scan| scan.from));
    if rate.is_none()
        && (options.arrival.is_some() || options.max_backlog.is_some() || options.wake.is_some())
    {
        return Err(SetupError::Usage(
            "--arrival, --max-backlog and --wake shape the open loop: give --rate or --scan too"
                .into(),
        ));
    }
    Ok(rate.map(|rate| OpenLoopConfig {
        rate,
        arrival: match options.arrival {
            Some(ArrivalName::Poisson) | None => ArrivalKind::Poisson,
            Some(ArrivalName::Uniform) => ArrivalKind::Uniform,
        },
        max_backlog: options.max_backlog,
        wake: match options.wake {
            Some(WakeName::Sleep) | None => Wake::Sleep,
            Some(WakeName::Spin) => Wake::Spin,
            Some(WakeName::Slack) => Wake::Slack,
        },
    }))
}

/// `--start-at` may not be further in the past than [`START_SLACK`].
fn check_start(options: &Options) -> Result<(), SetupError> {
    if let Some(at) = options.start_at
        && let Err(past) = at.duration_since(std::time::SystemTime::now())
        && past.duration() > START_SLACK
    {
        return Err(SetupError::Usage(
            ConfigError::StartPast {
                by: past.duration(),
            }
            .to_string(),
        ));
    }
    Ok(())
}

/// The workload from `-F` (or the built-in default) and the flags.
fn workload_config(options: &Options) -> Result<WorkloadConfig, SetupError> {
    let mut config = match &options.cfg_cmd {
        Some(path) => {
            WorkloadConfig::from_config_file(path).map_err(|e| SetupError::Usage(e.to_string()))?
        }
        None => WorkloadConfig::default(),
    };
    config.window = usize::try_from(options.win_size).unwrap_or(usize::MAX);
    if let Some(len) = options.fixed_size {
        // Past u32 the workload's check would name u32::MAX, not the
        // number given: say it here.
        let len = u32::try_from(len).map_err(|_| {
            SetupError::Usage(format!(
                "fixed value size (-X) must be 1..={MAX_VALUE_LEN} bytes, got {len}"
            ))
        })?;
        config.fixed_value_len = Some(len);
    }
    config.verify = options.verify.unwrap_or(0.0);
    config.exp_verify = options.exp_verify.unwrap_or(0.0);
    config.overwrite = options.overwrite.unwrap_or(0.0);
    config.division = options.division as usize;
    config.facebook = options.facebook;
    if let Some(prefix) = &options.key_prefix {
        config.key_prefix = prefix.as_bytes().to_vec();
    }
    crate::workload_flags::apply(options, &mut config)?;
    config
        .validate()
        .map_err(|e| SetupError::Usage(e.to_string()))?;
    Ok(config)
}

fn check_times(options: &Options) -> Result<(), SetupError> {
    if options.execute_number.is_none() && options.time.is_zero() {
        return Err(SetupError::Usage("--time must be longer than 0".into()));
    }
    if options.stat_freq.is_some_and(|d| d.is_zero()) {
        return Err(SetupError::Usage(
            "--stat_freq must be longer than 0".into(),
        ));
    }
    if options.tps == Some(0) {
        return Err(SetupError::Usage("--tps must be at least 1".into()));
    }
    Ok(())
}

/// Parses `host:port[,host:port…]`.
pub fn parse_servers(list: &str) -> Result<Vec<Server>, SetupError> {
    let servers = list
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<Server>()
                .map_err(|e| SetupError::Usage(format!("--servers: {e}")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    if servers.is_empty() {
        return Err(SetupError::Usage(format!(
            "--servers: '{list}' names no server; expected host:port[,host:port...]"
        )));
    }
    Ok(servers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn setup(args: &[&str]) -> Result<Setup, SetupError> {
        let options =
            Options::try_parse_from(std::iter::once("memaslap").chain(args.iter().copied()))
                .unwrap();
        build(&options, None)
    }

    #[test]
    fn windows_larger_than_the_machine_are_refused() {
        let options = |args: &[&str]| {
            Options::try_parse_from(std::iter::once("memaslap").chain(args.iter().copied()))
                .unwrap()
        };
        let windows = options(&["-s", "h:1", "-c", "16", "-w", "1k"]);
        let workload = WorkloadConfig::default();
        // 16 × 1024 items of ITEM_BYTES each.
        let bytes = 16 * 1024 * memaslap_workload::ITEM_BYTES as u64;
        assert!(check_windows(&windows, &workload, Some(bytes)).is_ok());
        assert!(check_windows(&windows, &workload, None).is_ok());
        let Err(SetupError::Usage(m)) = check_windows(&windows, &workload, Some(bytes - 1)) else {
            panic!("windows one byte past the machine are refused");
        };
        assert!(m.contains("-c 16 × -w 1024"), "{m}");
        assert!(mem_total().is_some_and(|t| t > 0));
    }

    fn usage(args: &[&str]) -> String {
        match setup(args) {
            Err(SetupError::Usage(m)) => m,
            other => panic!("{args:?}: expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn servers_are_parsed() {
        let s = setup(&["-s", "127.0.0.1:11211,localhost:11212", "--seed", "5"]).unwrap();
        assert_eq!(s.engine.servers.len(), 2);
        assert_eq!((s.seed, s.seed_drawn), (5, false));
        assert!(s.private.is_none());
        assert!(usage(&["-s", "localhost"]).contains("no port"));
        assert!(usage(&["-s", ","]).contains("names no server"));
    }

    #[test]
    fn cross_option_rules() {
        assert!(usage(&["-s", "h:1", "-T", "2", "-c", "3"]).contains("not a multiple"));
        assert!(usage(&["-s", "h:1", "-p", "2"]).contains("--rep_write 2"));
        assert!(usage(&["-s", "h:1", "-U", "-X", "4096"]).contains("one datagram"));
        assert!(usage(&["-s", "h:1", "-F", "/nonexistent.cfg"]).contains("/nonexistent.cfg"));
        assert!(usage(&["-s", "h:1", "-t", "0"]).contains("--time"));
        assert!(usage(&["-s", "h:1", "-x", "0"]).starts_with("-x/--execute_number "));
        assert!(usage(&["-s", "h:1", "-a", "-d", "1"]).contains("2"));
    }

    #[test]
    fn flags_reach_the_configs() {
        let s = setup(&[
            "-s", "h:1", "-x", "500", "-B", "-U", "-w", "1k", "-v", "0.5", "-d", "2",
        ])
        .unwrap();
        assert_eq!(s.engine.stop, Stop::Operations(500));
        assert_eq!(s.engine.protocol, Protocol::Binary);
        assert_eq!(s.engine.mode, Mode::Udp);
        assert_eq!((s.workload.window, s.workload.division), (1024, 2));
        assert_eq!(s.workload.verify, 0.5);
        assert!(s.seed_drawn);
    }
}
