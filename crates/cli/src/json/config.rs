//! The run's configuration in the JSON document (`config`): what was
//! given, after the defaults were applied.

use crate::options::Options;
use crate::setup::Setup;
use memaslap_engine::Stop;

/// The configuration as JSON, from what was given.
pub fn config(options: &Options, setup: &Setup) -> serde_json::Value {
    let e = &setup.engine;
    let w = &setup.workload;
    serde_json::json!({
        "servers": e.servers.iter().map(ToString::to_string).collect::<Vec<_>>(),
        "private_server": setup.private.is_some(),
        "threads": e.threads,
        "concurrency": e.concurrency,
        "conn_sock": e.sockets_per_connection,
        "protocol": format!("{:?}", e.protocol).to_lowercase(),
        "mode": format!("{:?}", e.mode).to_lowercase(),
        "time_s": match e.stop { Stop::After(d) => Some(d.as_secs_f64()), Stop::Operations(_) => None },
        "execute_number": match e.stop { Stop::Operations(n) => Some(n), Stop::After(_) => None },
        "stat_freq_s": e.report_interval.map(|d| d.as_secs_f64()),
        "reconnect": e.reconnect,
        "rep_write": e.replicate_writes,
        "tps": e.rate,
        "udp_timeout_s": e.udp_timeout.as_secs_f64(),
        "tcp_timeout_s": e.tcp_timeout.as_secs_f64(),
        "depth": e.depth,
        "rate": e.open_loop.map(|o| o.rate),
        "instance": [w.instance.index, w.instance.count],
        "percentiles": setup.percentiles,
        "start_at": e.start_at.map(crate::provenance::rfc3339),
        "arrival": e.open_loop.map(|o| o.arrival.name()),
        "wake": e.open_loop.map(|o| o.wake.name()),
        "max_backlog": e.open_loop.map(|o| o.thread_backlog(e.threads)),
        "win_size": w.window,
        "fixed_size": w.fixed_value_len,
        "verify": w.verify,
        "exp_verify": w.exp_verify,
        "overwrite": w.overwrite,
        "division": w.division,
        "cfg_cmd": options.cfg_cmd.as_ref().map(|p| p.display().to_string()),
        "set_prop": w.mix.set,
        "get_prop": w.mix.get,
        "keys": w.keys.iter().map(|r| [f64::from(r.min), f64::from(r.max), r.proportion]).collect::<Vec<_>>(),
        "values": w.values.iter().map(|r| [f64::from(r.min), f64::from(r.max), r.proportion]).collect::<Vec<_>>(),
    })
}
