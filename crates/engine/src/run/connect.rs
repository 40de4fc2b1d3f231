//! The transports of a run: for each connection the kind its mode asks
//! for (TCP, several sockets, replication, UDP, facebook mode), or a share
//! of its thread's UDP socket, with the retry policy of `-R`.

use super::RunError;
use crate::config::{ConfigError, EngineConfig, Mode};
use memaslap_transport::{
    AnyTransport, MultiSocket, Replicated, RequestIds, Retry, Server, Split, Tcp, TcpConfig,
    TransportError, Udp, UdpConfig, UdpHub,
};
use polling::Poller;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How often replication retries a dead socket, as memaslap does.
const DEAD_RETRY: Duration = Duration::from_secs(5);

/// The socket the `connections` of thread `thread` share over UDP (`-U`),
/// registered under key 0 (they have no keys of their own); `None` in the
/// other modes, or when there are too many connections for one request id
/// space (each then has its own socket).
pub(super) fn udp_hub(
    config: &EngineConfig,
    thread: usize,
    poller: &Arc<Poller>,
    connections: usize,
) -> Result<Option<UdpHub>, RunError> {
    let (Mode::Udp, Some(ids)) = (config.mode, RequestIds::new(connections)) else {
        return Ok(None);
    };
    let server = server_of(config, thread)?;
    UdpHub::connect(server, &udp_config(config), poller, 0, ids)
        .map(Some)
        .map_err(RunError::Transport)
}

/// The server the connections of thread `thread` go to.
fn server_of(config: &EngineConfig, thread: usize) -> Result<&Server, RunError> {
    let servers = &config.servers;
    servers
        .get(thread % servers.len().max(1))
        .ok_or(RunError::Config(ConfigError::NoServers))
}

/// How datagram sockets are set up: under `-R` a refused datagram is
/// retried with the same back-off as a lost TCP socket.
fn udp_config(config: &EngineConfig) -> UdpConfig {
    UdpConfig {
        retry: retry_policy(config),
        ..UdpConfig::default()
    }
}

/// How a lost socket is retried: with back-off under `-R`, else never.
fn retry_policy(config: &EngineConfig) -> Retry {
    if config.reconnect {
        Retry::RECONNECT
    } else {
        Retry::Never
    }
}

/// Starts the transport of a connection of thread `thread`, its sockets
/// registered from `base_key` on ([`memaslap_transport::Transport::key_count`]
/// of them).
pub(super) fn connect(
    config: &EngineConfig,
    thread: usize,
    poller: &Arc<Poller>,
    base_key: usize,
    now: Instant,
) -> Result<AnyTransport, RunError> {
    let server = server_of(config, thread)?;
    open(config, server, poller, base_key, now).map_err(RunError::Transport)
}

fn open(
    config: &EngineConfig,
    server: &Server,
    poller: &Arc<Poller>,
    base_key: usize,
    now: Instant,
) -> Result<AnyTransport, TransportError> {
    let tcp = TcpConfig {
        connect_timeout: config.connect_timeout,
        reconnect: retry_policy(config),
        tls: config.tls.clone(),
        login: config.login.clone(),
        ..TcpConfig::default()
    };
    let udp = udp_config(config);
    Ok(match (config.mode, config.replicate_writes) {
        (Mode::Udp, _) => AnyTransport::Udp(Udp::connect(server, &udp, poller, base_key)?),
        (Mode::Facebook, _) => {
            AnyTransport::Split(Split::connect(server, &tcp, &udp, poller, base_key, now)?)
        }
        (Mode::Tcp, Some(writable)) => AnyTransport::Replicated(Replicated::connect(
            &config.servers,
            writable as usize,
            DEAD_RETRY,
            &tcp,
            poller,
            base_key,
            now,
        )?),
        (Mode::Tcp, None) if config.sockets_per_connection > 1 => {
            AnyTransport::Multi(MultiSocket::connect(
                server,
                config.sockets_per_connection as usize,
                &tcp,
                poller,
                base_key,
                now,
            )?)
        }
        (Mode::Tcp, None) => AnyTransport::Tcp(Tcp::connect(server, &tcp, poller, base_key, now)?),
    })
}
