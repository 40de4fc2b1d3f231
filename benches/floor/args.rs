//! The probe's command line.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// What to run, from `-s host:port -c N -t SECONDS [--depth D] [--udp]
/// [--binary] [--keys K] [--work]`.
pub struct Args {
    /// The memcached server.
    pub server: SocketAddr,
    /// Connections (over UDP: request slots sharing one socket).
    pub conns: usize,
    /// Length of the measured run.
    pub time: Duration,
    /// Requests in flight per connection, written with one `send` (TCP).
    pub depth: usize,
    /// Datagrams instead of TCP.
    pub udp: bool,
    /// The binary protocol instead of the text protocol (TCP only).
    pub binary: bool,
    /// Keys per connection, stored before the measured run (default 1,000:
    /// 32 connections then hold about as many items in memcached as
    /// memaslap's 5-second run stores, and the prepared requests stay small).
    pub keys: usize,
    /// Requests made, timed and read as they go (see `work`), TCP only.
    pub work: bool,
}

/// The usage text.
pub const USAGE: &str = "usage: floor -s HOST:PORT [-c CONNS] [-t SECONDS] [--depth D] [--udp | --binary] [--keys K] [--work]";

/// Parses the arguments after the program name.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut server = None;
    let (mut conns, mut seconds, mut depth, mut keys, mut udp) = (32, 5.0, 1, 1_000, false);
    let (mut binary, mut work) = (false, false);
    while let Some(flag) = args.next() {
        if flag == "--work" {
            work = true;
            continue;
        }
        if flag == "--udp" {
            udp = true;
            continue;
        }
        if flag == "--binary" {
            binary = true;
            continue;
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "-s" => server = Some(resolve(&value)?),
            "-c" => conns = number(&flag, &value)?,
            "-t" => seconds = number(&flag, value.trim_end_matches('s'))?,
            "--depth" => depth = number(&flag, &value)?,
            "--keys" => keys = number(&flag, &value)?,
            _ => return Err(format!("unknown option {flag}")),
        }
    }
    let server = server.ok_or("-s HOST:PORT is required")?;
    if conns == 0 || conns > 16_384 || depth == 0 || keys == 0 {
        return Err("-c must be 1..=16384, --depth and --keys at least 1".into());
    }
    if udp && depth != 1 {
        return Err("--udp runs one request in flight per slot".into());
    }
    if udp && (binary || work) {
        return Err("--binary and --work run over TCP".into());
    }
    let time = Duration::try_from_secs_f64(seconds).map_err(|e| format!("-t: {e}"))?;
    Ok(Args {
        server,
        conns,
        time,
        depth,
        udp,
        binary,
        keys,
        work,
    })
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value}"))
}

fn resolve(value: &str) -> Result<SocketAddr, String> {
    value
        .to_socket_addrs()
        .map_err(|e| format!("-s {value}: {e}"))?
        .next()
        .ok_or_else(|| format!("-s {value}: no address"))
}
