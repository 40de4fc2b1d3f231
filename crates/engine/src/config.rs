//! What the engine runs: servers, threads, connections, protocol, transport
//! mode, when to stop and how fast to go. Built by the command line from
//! memaslap's flags and checked by [`EngineConfig::validate`].

use crate::exchange::Protocol;
use crate::exchange::largest_requests;
use crate::schedule::{ArrivalKind, Wake};
use memaslap_transport::MAX_REQUEST;
use memaslap_transport::Server;
use memaslap_workload::{MAX_DEPTH, WorkloadConfig};
use std::fmt;
use std::time::{Duration, SystemTime};

/// How requests travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// TCP (`-n` sockets per connection).
    Tcp,
    /// UDP datagrams (`-U`).
    Udp,
    /// Sets over TCP, gets over UDP (`-a`, memaslap's facebook mode).
    Facebook,
}

/// When the run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    /// After this long (`-t`).
    After(Duration),
    /// After this many operations in all (`-x`); a get counts its keys.
    Operations(u64),
}

/// Everything the engine needs besides the workload.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// The servers; thread `i` uses server `i % servers.len()` unless
    /// replication spreads every connection over all of them.
    pub servers: Vec<Server>,
    /// Worker threads (`-T`).
    pub threads: u32,
    /// Connections in all (`-c`), a multiple of `threads`.
    pub concurrency: u32,
    /// TCP sockets per connection (`-n`).
    pub sockets_per_connection: u32,
    /// The wire protocol (`-B`).
    pub protocol: Protocol,
    /// TCP or UDP (`-U`).
    pub mode: Mode,
    /// When to stop.
    pub stop: Stop,
    /// Interval of the periodic reports (`-S`); snapshots are taken every
    /// second when none is asked for.
    pub report_interval: Option<Duration>,
    /// Reconnect lost sockets (`-R`).
    pub reconnect: bool,
    /// Replication over all servers, the first N of them writable (`-p`).
    pub replicate_writes: Option<u32>,
    /// Target rate in operations per second for the whole run (`-P`).
    pub rate: Option<u64>,
    /// How long a reply may take over UDP before the request is a timeout.
    pub udp_timeout: Duration,
    /// How long a reply may take over TCP before the request is a timeout
    /// and the connection is closed.
    pub tcp_timeout: Duration,
    /// How long the run waits for replies in flight once it stops issuing.
    pub drain_timeout: Duration,
    /// How long a TCP connect may take.
    pub connect_timeout: Duration,
    /// The largest value a reply may carry, in bytes.
    pub max_value: usize,
    /// Report every failed check in detail (`-b`).
    pub verbose: bool,
    /// Requests in flight per connection (`--depth`, an extension): 1 is
    /// memaslap's closed loop; more are written together over one TCP
    /// socket and answered in order.
    pub depth: usize,
    /// The open loop (`--rate`): requests fall due on a schedule, whatever
    /// the replies do. `None` is the closed loop.
    pub open_loop: Option<OpenLoopConfig>,
    /// The latencies of requests meant to start this soon after the start
    /// are not recorded (their counters are): a settling time.
    pub settle: Duration,
    /// Trace replay: each record due at its time on the trace's clock
    /// divided by this speed; `None`: as fast as the depth allows.
    pub replay_speed: Option<f64>,
    /// `--start-at`: connect, then wait until this wall-clock time to
    /// start, so that several instances' intervals line up; a time more
    /// than [`START_SLACK`] past is refused.
    pub start_at: Option<SystemTime>,
    /// Keep each interval's latency histograms, saved
    /// ([`crate::IntervalSummary::saved`]), so that the intervals of
    /// several instances merge exactly.
    pub save_intervals: bool,
    /// TLS over every TCP socket (`--tls`); `None`: plaintext.
    pub tls: Option<std::sync::Arc<memaslap_transport::TlsClient>>,
    /// A login on every TCP socket before its first request (`--user`).
    pub login: Option<std::sync::Arc<memaslap_transport::Login>>,
}

/// The most due requests one thread's open loop keeps waiting (2^24, a
/// ring of 128 MiB): a second of a rate above it is more than a thread
/// sends.
pub const MAX_BACKLOG: u64 = 1 << 24;

/// How requests fall due in the open loop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OpenLoopConfig {
    /// Requests per second over the whole run, shared by the threads.
    pub rate: f64,
    /// How the gaps between them are drawn.
    pub arrival: ArrivalKind,
    /// The most requests waiting per thread (`--max-backlog`); `None` is
    /// one second of the thread's rate; never above [`MAX_BACKLOG`].
    pub max_backlog: Option<u64>,
    /// How a thread waits for its next request (`--wake`).
    pub wake: Wake,
}

impl OpenLoopConfig {
    /// One thread's share of the rate.
    pub fn thread_rate(&self, threads: u32) -> f64 {
        self.rate / f64::from(threads.max(1))
    }

    /// One thread's backlog bound: `max_backlog`, or one second of the
    /// thread's rate, and never above [`MAX_BACKLOG`] (its ring is made
    /// whole when the thread starts).
    pub fn thread_backlog(&self, threads: u32) -> usize {
        let bound = self
            .max_backlog
            .unwrap_or_else(|| self.thread_rate(threads).ceil() as u64)
            .min(MAX_BACKLOG);
        usize::try_from(bound).unwrap_or(usize::MAX).max(1)
    }
}

impl EngineConfig {
    /// A configuration with memaslap's defaults for everything but the
    /// servers.
    pub fn new(servers: Vec<Server>) -> EngineConfig {
        EngineConfig {
            servers,
            threads: 1,
            concurrency: 16,
            sockets_per_connection: 1,
            protocol: Protocol::Ascii,
            mode: Mode::Tcp,
            stop: Stop::After(Duration::from_secs(600)),
            report_interval: None,
            reconnect: false,
            replicate_writes: None,
            rate: None,
            udp_timeout: Duration::from_secs(1),
            tcp_timeout: Duration::from_secs(30),
            drain_timeout: Duration::from_secs(2),
            connect_timeout: Duration::from_secs(5),
            max_value: 1 << 20,
            verbose: false,
            depth: 1,
            open_loop: None,
            settle: Duration::ZERO,
            replay_speed: None,
            start_at: None,
            save_intervals: false,
            tls: None,
            login: None,
        }
    }

    /// Checks that every request of `workload` fits one datagram where
    /// requests travel in datagrams: every request with `--udp`, gets in
    /// facebook mode. Lengths are those the engine's codecs encode.
    pub fn check_workload(&self, workload: &WorkloadConfig) -> Result<(), ConfigError> {
        let sets = match self.mode {
            Mode::Tcp => return Ok(()),
            Mode::Udp => true,
            Mode::Facebook => false,
        };
        let key = workload.longest_key();
        let value = longest_value(workload);
        let largest = largest_requests(
            self.protocol,
            (key, value),
            workload.division,
            workload.longest_exptime(),
            workload.command_mix(),
        )
        .map_err(|_| ConfigError::Unencodable { key })?;
        let largest = if sets {
            largest.set.max(largest.get)
        } else {
            largest.get
        };
        if largest > MAX_REQUEST {
            return Err(ConfigError::DatagramTooSmall {
                largest,
                max: MAX_REQUEST,
                key,
                value,
                keys: workload.division,
            });
        }
        Ok(())
    }

    /// Checks the rules between fields.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.servers.is_empty() {
            return Err(ConfigError::NoServers);
        }
        for (flag, count) in [
            ("-T/--threads", self.threads),
            ("-c/--concurrency", self.concurrency),
            ("-n/--conn_sock", self.sockets_per_connection),
        ] {
            if count == 0 {
                return Err(ConfigError::Zero(flag));
            }
        }
        if self.concurrency % self.threads != 0 {
            return Err(ConfigError::NotMultiple {
                concurrency: self.concurrency,
                threads: self.threads,
            });
        }
        if let Some(n) = self.replicate_writes {
            if n == 0 || n as usize > self.servers.len() {
                return Err(ConfigError::Replication {
                    writable: n,
                    servers: self.servers.len(),
                });
            }
            if self.mode != Mode::Tcp {
                return Err(ConfigError::UdpReplication);
            }
        }
        if self.mode != Mode::Tcp
            && let Some(server) = self.servers.iter().find(|s| s.is_unix())
        {
            return Err(ConfigError::UnixDatagrams(server.to_string()));
        }
        if self.mode != Mode::Tcp && self.sockets_per_connection > 1 {
            return Err(ConfigError::UdpSockets);
        }
        if self.stop == Stop::Operations(0) {
            return Err(ConfigError::Zero("-x/--execute_number"));
        }
        if self.depth == 0 || self.depth > MAX_DEPTH {
            return Err(ConfigError::Depth(self.depth));
        }
        let one_socket = self.mode == Mode::Tcp
            && self.sockets_per_connection == 1
            && self.replicate_writes.is_none();
        if self.depth > 1 && !one_socket {
            return Err(ConfigError::DepthTransport);
        }
        if let Some(open) = self.open_loop {
            if self.rate.is_some() {
                return Err(ConfigError::RateAndPace);
            }
            if !(open.rate.is_finite() && open.rate >= 1.0) {
                return Err(ConfigError::Rate(open.rate.to_string()));
            }
            if open.max_backlog == Some(0) {
                return Err(ConfigError::Zero("--max-backlog"));
            }
        }
        Ok(())
    }
}

/// The longest value `workload` stores.
pub fn longest_value(workload: &WorkloadConfig) -> usize {
    workload.longest_value()
}

/// How far in the past `--start-at` may be: instances started together
/// reach it a little apart.
pub const START_SLACK: Duration = Duration::from_secs(1);

/// A configuration the engine cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No server to send to.
    NoServers,
    /// `--start-at` more than [`START_SLACK`] in the past.
    StartPast {
        /// How long ago it was.
        by: Duration,
    },
    /// A count that must be at least 1 (its flag named) is 0.
    Zero(&'static str),
    /// `-c` is not a multiple of `-T`.
    NotMultiple {
        /// `-c`.
        concurrency: u32,
        /// `-T`.
        threads: u32,
    },
    /// `-p` names more writable servers than there are.
    Replication {
        /// `-p`.
        writable: u32,
        /// Servers given.
        servers: usize,
    },
    /// `-p` with `-U`.
    UdpReplication,
    /// `-n` with `-U`.
    UdpSockets,
    /// `-U` or `-a` with a Unix domain socket server (named).
    UnixDatagrams(String),
    /// `--depth` out of 1..=[`MAX_DEPTH`].
    Depth(usize),
    /// `--depth` above 1 with UDP, `-n` or `-p`.
    DepthTransport,
    /// `--rate` with `-P`.
    RateAndPace,
    /// `--rate` below 1 request per second, or not a number (as given).
    Rate(String),
    /// A request of the workload does not fit one UDP datagram.
    DatagramTooSmall {
        /// The longest request, in bytes.
        largest: usize,
        /// The most one datagram carries.
        max: usize,
        /// The longest key.
        key: usize,
        /// The longest value.
        value: usize,
        /// Keys per get.
        keys: usize,
    },
    /// The workload's keys cannot be encoded in the protocol.
    Unencodable {
        /// The longest key.
        key: usize,
    },
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoServers => f.write_str("no server given"),
            ConfigError::StartPast { by } => write!(
                f,
                "--start-at is {:.3}s in the past; give a time at most {}s ago, or later",
                by.as_secs_f64(),
                START_SLACK.as_secs()
            ),
            ConfigError::Zero(flag) => write!(f, "{flag} must be at least 1, not 0"),
            ConfigError::NotMultiple {
                concurrency,
                threads,
            } => write!(
                f,
                "--concurrency {concurrency} is not a multiple of --threads {threads}"
            ),
            ConfigError::Replication { writable, servers } => write!(
                f,
                "--rep_write {writable} needs at least {writable} servers, {servers} given"
            ),
            ConfigError::UdpReplication => {
                f.write_str("--rep_write works over TCP only, not with --udp")
            }
            ConfigError::UnixDatagrams(server) => write!(
                f,
                "--udp and --facebook need host:port servers; {server} is a Unix domain socket (streams only)"
            ),
            ConfigError::UdpSockets => {
                f.write_str("--conn_sock works over TCP only, not with --udp")
            }
            ConfigError::Depth(depth) => {
                write!(f, "--depth {depth} is out of range 1..={MAX_DEPTH}")
            }
            ConfigError::DatagramTooSmall {
                largest,
                max,
                key,
                value,
                keys,
            } => write!(
                f,
                "--udp sends each request in one datagram of at most {max} bytes, but this workload's largest request is {largest} bytes (key {key}, value {value}, {keys} keys per get); use smaller -X/-F sizes or TCP"
            ),
            ConfigError::Unencodable { key } => {
                write!(f, "keys of {key} bytes cannot be sent in this protocol")
            }
            ConfigError::DepthTransport => f.write_str(
                "--depth above 1 needs one TCP socket per connection: \
                 not with --udp, --facebook, --conn_sock or --rep_write",
            ),
            ConfigError::RateAndPace => f.write_str(
                "--rate (the open loop) and -P/--tps (closed-loop pacing) exclude each other",
            ),
            ConfigError::Rate(rate) => write!(
                f,
                "--rate must be at least 1 request per second, not {rate}"
            ),
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;
    use memaslap_workload::SizeRange;

    fn check(mode: Mode, protocol: Protocol, key: u32, value: u32) -> Result<(), ConfigError> {
        let mut engine = EngineConfig::new(vec![Server::new("127.0.0.1", 1)]);
        engine.mode = mode;
        engine.protocol = protocol;
        let workload = WorkloadConfig {
            keys: vec![SizeRange::new(key, key, 1.0)],
            fixed_value_len: Some(value),
            ..WorkloadConfig::default()
        };
        engine.check_workload(&workload)
    }

    /// The longest value that fits one datagram with `key`-byte keys.
    fn boundary(protocol: Protocol, key: u32) -> u32 {
        (1..2000)
            .rev()
            .find(|&v| check(Mode::Udp, protocol, key, v).is_ok())
            .unwrap()
    }

    #[test]
    fn a_udp_set_fits_by_its_length_on_the_wire() {
        assert_eq!(check(Mode::Udp, Protocol::Ascii, 64, 1310), Ok(()));
        // `set <64> 0 0 NNNN\r\n` + value + `\r\n` = 1400 bytes.
        let ascii = boundary(Protocol::Ascii, 64);
        assert_eq!(
            4 + 64 + " 0 0 1319\r\n".len() + ascii as usize + 2,
            MAX_REQUEST
        );
        assert_eq!(ascii, 1319);
        let error = check(Mode::Udp, Protocol::Ascii, 64, ascii + 1).unwrap_err();
        assert_eq!(
            error,
            ConfigError::DatagramTooSmall {
                largest: MAX_REQUEST + 1,
                max: MAX_REQUEST,
                key: 64,
                value: ascii as usize + 1,
                keys: 1,
            }
        );
        assert!(error.to_string().contains("one datagram"));
        // A 24-byte header, 8 bytes of extras, the key and the value.
        let binary = boundary(Protocol::Binary, 64);
        assert_eq!(binary as usize, MAX_REQUEST - 24 - 8 - 64);
        assert!(check(Mode::Udp, Protocol::Binary, 64, binary + 1).is_err());
    }

    #[test]
    fn only_what_travels_in_datagrams_must_fit() {
        assert_eq!(check(Mode::Tcp, Protocol::Ascii, 64, 1 << 20), Ok(()));
        // Facebook mode sends only gets over UDP.
        assert_eq!(check(Mode::Facebook, Protocol::Ascii, 64, 1 << 20), Ok(()));
    }

    #[test]
    fn a_zero_names_its_flag() {
        let mut engine = EngineConfig::new(vec![Server::new("127.0.0.1", 1)]);
        engine.stop = Stop::Operations(0);
        let error = engine.validate().unwrap_err();
        assert_eq!(
            error.to_string(),
            "-x/--execute_number must be at least 1, not 0"
        );
        engine.stop = Stop::Operations(1);
        engine.threads = 0;
        assert!(
            engine
                .validate()
                .unwrap_err()
                .to_string()
                .starts_with("-T/--threads ")
        );
    }

    #[test]
    fn a_threads_backlog_is_a_second_of_its_rate_and_never_above_the_bound() {
        let open = |rate: f64, max_backlog: Option<u64>| OpenLoopConfig {
            rate,
            arrival: ArrivalKind::Poisson,
            max_backlog,
            wake: Wake::default(),
        };
        assert_eq!(open(10_000.0, None).thread_backlog(4), 2_500);
        assert_eq!(open(10_000.0, Some(7)).thread_backlog(4), 7);
        assert_eq!(open(0.5, None).thread_backlog(1), 1);
        let bound = usize::try_from(MAX_BACKLOG).unwrap();
        assert_eq!(open(1e9, None).thread_backlog(1), bound);
        assert_eq!(open(100.0, Some(u64::MAX)).thread_backlog(1), bound);
    }
}
