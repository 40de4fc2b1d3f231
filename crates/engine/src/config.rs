//! What the engine runs: servers, threads, connections, protocol, transport
//! mode, when to stop and how fast to go. Built by the command line from
//! memaslap's flags and checked by [`EngineConfig::validate`].

use crate::exchange::Protocol;
use memaslap_transport::Server;
use memaslap_workload::MAX_DEPTH;
use std::fmt;
use std::time::Duration;

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
        }
    }

    /// Checks the rules between fields.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.servers.is_empty() {
            return Err(ConfigError::NoServers);
        }
        if self.threads == 0 || self.concurrency == 0 || self.sockets_per_connection == 0 {
            return Err(ConfigError::Zero);
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
        if self.mode != Mode::Tcp && self.sockets_per_connection > 1 {
            return Err(ConfigError::UdpSockets);
        }
        if self.stop == Stop::Operations(0) {
            return Err(ConfigError::Zero);
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
        Ok(())
    }
}

/// A configuration the engine cannot run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No server to send to.
    NoServers,
    /// A count that must be at least 1 is 0.
    Zero,
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
    /// `--depth` out of 1..=[`MAX_DEPTH`].
    Depth(usize),
    /// `--depth` above 1 with UDP, `-n` or `-p`.
    DepthTransport,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ConfigError::NoServers => f.write_str("no server given"),
            ConfigError::Zero => {
                f.write_str("threads, concurrency, sockets and operations must be at least 1")
            }
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
            ConfigError::UdpSockets => {
                f.write_str("--conn_sock works over TCP only, not with --udp")
            }
            ConfigError::Depth(depth) => {
                write!(f, "--depth {depth} is out of range 1..={MAX_DEPTH}")
            }
            ConfigError::DepthTransport => f.write_str(
                "--depth above 1 needs one TCP socket per connection: \
                 not with --udp, --facebook, --conn_sock or --rep_write",
            ),
        }
    }
}

impl std::error::Error for ConfigError {}
