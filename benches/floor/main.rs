//! `floor`: the least a memcached load generator can do per operation on
//! this machine, to measure memaslap-rs and the original memaslap against.
//!
//! It sends requests prepared before the run (get:set 9:1, 64-byte keys,
//! 1 KiB values, 1,000 keys per connection by default, every key stored
//! first so that gets hit), in the text or the binary protocol, and finds
//! where each reply ends (by the binary header's body length); nothing else:
//! no statistics, no timers, no key choice. With `--work` (TCP) it also
//! does, the plainest way, what a latency benchmark of that workload cannot
//! leave out (see `work`): requests made as they are sent, with random
//! keys, timed into a histogram, hits told from misses.
//!
//! ```text
//! floor -s HOST:PORT [-c CONNS] [-t SECONDS] [--depth D] [--udp | --binary] [--keys K] [--work]
//!       [--rate R | --pace R] [--precise]
//! ```
//!
//! It prints one line of `name value` pairs: `ops` completed in the measured
//! run (including the replies still due at its end, which it waits for),
//! `lost` UDP requests, and `setup_ops` / `setup_cpu_us`, the sets that
//! stored the keys and the CPU used before the run, to subtract from
//! memcached's counters and the process's CPU (`setup_user_us` and
//! `setup_sys_us` split that CPU as `getrusage` does), and
//! `server_setup_cpu_us`, the CPU memcached had used when the keys were
//! stored (its `rusage_user` plus `rusage_system`, in µs; left out when
//! the server's `stats` has neither), from which a script takes what the
//! server spent on the measured run alone. With
//! `--work` the line also has the median latency (`p50_us`) and the gets
//! that missed. With `--rate R` (an open loop of Poisson arrivals) or
//! `--pace R` (each connection paced on its own grid, as `-P` paces),
//! requests go on that schedule instead of each after the last reply, and
//! the line also has the open loop's arrivals left `unsent` at the end;
//! `--precise` waits with 1 ns of timer slack (see `scheduled`).

mod args;
mod prepare;
mod reply;
mod scheduled;
mod tcp;
mod udp;
mod work;

use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("floor: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let args =
        args::parse(std::env::args().skip(1)).map_err(|e| format!("{e}\n{}", args::USAGE))?;
    let header = if args.udp { 8 } else { 0 };
    let streams: Vec<_> = (0..args.conns)
        .map(|c| prepare::Stream::new(c, args.keys, header, args.binary))
        .collect();
    let setup_ops = prepare::store_keys(args.server, args.conns, args.keys)?;
    // A server without memcached's rusage statistics leaves it out.
    let server_at_setup = prepare::server_cpu_us(args.server)
        .map_or(String::new(), |us| format!(" server_setup_cpu_us {us}"));
    let (setup_user, setup_sys) = cpu_us()?;
    let setup_cpu = setup_user + setup_sys;
    let mut unsent = String::new();
    let (ops, lost, timing) = if args.udp {
        let out = udp::run(&args, streams)?;
        (out.ops, out.lost, None)
    } else if let Some(schedule) = args.schedule {
        let out = scheduled::run(&args, schedule, streams)?;
        unsent = format!(" unsent {}", out.unsent);
        (out.ops, 0, None)
    } else {
        let (ops, timing) = tcp::run(&args, streams)?;
        (ops, 0, timing)
    };
    let work = timing.map_or(String::new(), |t| {
        format!(
            " p50_us {:.1} misses {}",
            t.hist.value_at_quantile(0.5) as f64 / 1000.0,
            t.misses
        )
    });
    println!(
        "mode {}{}{}{} conns {} depth {} ops {ops} lost {lost} setup_ops {setup_ops} setup_cpu_us {setup_cpu} setup_user_us {setup_user} setup_sys_us {setup_sys}{server_at_setup}{work}{unsent}",
        match (args.udp, args.binary) {
            (true, _) => "udp",
            (false, true) => "tcp-binary",
            (false, false) => "tcp",
        },
        if args.work { "-work" } else { "" },
        match args.schedule {
            None => "",
            Some(args::Schedule::Open(_)) => "-rate",
            Some(args::Schedule::Paced(_)) => "-pace",
        },
        // `--precise` comes only with a schedule (see `args::parse`).
        if args.precise { "-precise" } else { "" },
        args.conns,
        args.depth
    );
    Ok(())
}

/// User and system CPU of the process so far, in µs.
fn cpu_us() -> Result<(u64, u64), String> {
    // SAFETY: all-zero is a valid `rusage`, filled by the call.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `usage` is a valid, writable `rusage`.
    if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) } != 0 {
        return Err(format!("getrusage: {}", std::io::Error::last_os_error()));
    }
    let us = |t: libc::timeval| t.tv_sec as u64 * 1_000_000 + t.tv_usec as u64;
    Ok((us(usage.ru_utime), us(usage.ru_stime)))
}
