//! The probe's command line.

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::Duration;

/// What to run, from `-s host:port -c N -t SECONDS [--depth D] [--udp]
/// [--binary] [--keys K] [--work] [--rate R | --pace R] [--precise]`.
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
    /// Requests sent on a schedule instead of each after the last reply
    /// (see [`Schedule`]), TCP at depth 1 only.
    pub schedule: Option<Schedule>,
    /// Timers to the nanosecond: the thread's timer slack set to 1 ns, as
    /// memaslap-rs's open loop sets it, instead of the system's.
    pub precise: bool,
}

/// When a scheduled run's requests go.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Schedule {
    /// `--rate R`: R requests a second arriving as a Poisson process, each
    /// sent at its arrival on a connection with no request in flight
    /// (queued until one is free): an open loop.
    Open(u64),
    /// `--pace R`: each connection sends its next request at the next slot
    /// of its own even grid once its last reply is in (the connections'
    /// grids staggered, R requests a second over all): a closed loop at a
    /// fixed throughput, as `-P` paces one.
    Paced(u64),
}

/// The usage text.
pub const USAGE: &str = "usage: floor -s HOST:PORT [-c CONNS] [-t SECONDS] [--depth D] [--udp | --binary] [--keys K] [--work] [--rate R | --pace R] [--precise]";

/// Parses the arguments after the program name.
pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut server = None;
    let (mut conns, mut seconds, mut depth, mut keys, mut udp) = (32, 5.0, 1, 1_000, false);
    let (mut binary, mut work, mut precise) = (false, false, false);
    let mut schedule = None;
    while let Some(flag) = args.next() {
        if flag == "--precise" {
            precise = true;
            continue;
        }
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
            "--rate" | "--pace" if schedule.is_some() => {
                return Err("--rate and --pace are two schedules: give one".into());
            }
            "--rate" => schedule = Some(Schedule::Open(rate(&flag, &value)?)),
            "--pace" => schedule = Some(Schedule::Paced(rate(&flag, &value)?)),
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
    if precise && schedule.is_none() {
        return Err("--precise times a --rate or --pace schedule".into());
    }
    if schedule.is_some() && (udp || work || depth != 1) {
        return Err("--rate and --pace send prepared requests over TCP at --depth 1".into());
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
        schedule,
        precise,
    })
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag}: not a number: {value}"))
}

/// A rate of requests a second: at least 1.
fn rate(flag: &str, value: &str) -> Result<u64, String> {
    match number(flag, value)? {
        0 => Err(format!("{flag}: at least 1 request a second, not 0")),
        r => Ok(r),
    }
}

fn resolve(value: &str) -> Result<SocketAddr, String> {
    value
        .to_socket_addrs()
        .map_err(|e| format!("-s {value}: {e}"))?
        .next()
        .ok_or_else(|| format!("-s {value}: no address"))
}
