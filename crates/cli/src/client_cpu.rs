//! The client's own CPU in the final report and in the JSON: what a
//! request cost this machine, and a warning when a worker thread (or the
//! cores the process may use) was busy for most of the run — then the
//! client, not the server, may have set the pace and added to the
//! latencies.

use memaslap_engine::{ClientCpu, EngineConfig};
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// `client_cpu` in the JSON document.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ClientCpuJson {
    /// Seconds the worker threads spent in user space, added up.
    pub user_s: f64,
    /// Seconds the kernel spent on their behalf, added up.
    pub system_s: f64,
    /// Worker threads counted.
    pub threads: usize,
    /// µs of client CPU a request sent, to 0.01 (none when none was).
    pub us_per_request: Option<f64>,
    /// The largest share of its run one worker thread was on a core.
    pub busiest_thread_share: f64,
    /// The cores the process could run on (0: not known); a merge adds
    /// them up.
    #[serde(default)]
    pub cores: usize,
    /// The cores the worker threads kept busy (their CPU over the run's
    /// time); a merge adds them up.
    #[serde(default)]
    pub cores_used: f64,
}

impl ClientCpuJson {
    /// `cpu`, spent on `requests` requests sent.
    pub fn new(cpu: &ClientCpu, requests: u64) -> ClientCpuJson {
        ClientCpuJson {
            user_s: crate::json::secs(cpu.user),
            system_s: crate::json::secs(cpu.system),
            threads: cpu.threads,
            us_per_request: us_per_request(cpu, requests),
            busiest_thread_share: crate::json::round(cpu.busiest, 1e3),
            cores: cpu.cores,
            cores_used: crate::json::round(cpu.cores_used, 1e3),
        }
    }

    /// The CPU as saved, for `memaslap merge`.
    ///
    /// # Errors
    /// The field that is not a time or a share.
    pub fn restore(&self) -> Result<ClientCpu, String> {
        let time = |name: &str, s: f64| {
            Duration::try_from_secs_f64(s)
                .map_err(|_| format!("client_cpu.{name}: {s} is not a number of seconds"))
        };
        let share = |name: &str, x: f64| {
            if x.is_finite() && x >= 0.0 {
                Ok(x)
            } else {
                Err(format!("client_cpu.{name}: {x} is not a share of a run"))
            }
        };
        Ok(ClientCpu {
            user: time("user_s", self.user_s)?,
            system: time("system_s", self.system_s)?,
            threads: self.threads,
            busiest: share("busiest_thread_share", self.busiest_thread_share)?,
            cores: self.cores,
            cores_used: share("cores_used", self.cores_used)?,
        })
    }
}

/// Appends the report's line on `cpu`, spent on `requests` requests sent,
/// and a warning when a worker thread, or the cores the process may use,
/// were busy for most of the run — unless its threads poll between
/// requests (`polls`: `--wake spin`), which keeps them on a core whatever
/// the load.
pub fn lines(out: &mut String, cpu: &ClientCpu, requests: u64, polls: bool) {
    let threads = match cpu.threads {
        1 => "1 worker thread".to_string(),
        n => format!("{n} worker threads"),
    };
    let each = us_per_request(cpu, requests)
        .map(|us| format!(", {us:.2} us a request"))
        .unwrap_or_default();
    let busiest = percent(cpu.busiest);
    out.push_str(&format!(
        "client CPU: {:.3}s (user {:.3}s, system {:.3}s) in {threads}{each}; the busiest thread was on a core {busiest} of the run\n",
        cpu.total().as_secs_f64(),
        cpu.user.as_secs_f64(),
        cpu.system.as_secs_f64(),
    ));
    if (cpu.was_busy() || cpu.cores_were_busy()) && polls {
        out.push_str(
            "(--wake spin: a worker thread polls between its requests, so it is on a core whatever the load)\n",
        );
    } else if cpu.cores_were_busy() && !cpu.was_busy() {
        let cores = match cpu.cores {
            1 => "the 1 core".to_string(),
            n => format!("the {n} cores"),
        };
        out.push_str(&format!(
            "the client may have set the pace: its worker threads kept {:.1} of {cores} it may use busy \
             (more client machines, or fewer threads than cores, would tell)\n",
            cpu.cores_used
        ));
    } else if cpu.was_busy() {
        out.push_str(&format!(
            "the client may have set the pace: a worker thread was on a core {busiest} of the run \
             (more threads with -T, or more client machines, would tell)\n"
        ));
    }
}

/// µs of `cpu` a request, over `requests`, to 0.01: the one rounding the
/// report, the JSON and `--runs` show.
pub fn us_per_request(cpu: &ClientCpu, requests: u64) -> Option<f64> {
    cpu.per_request(requests)
        .map(|d| crate::json::round(d.as_secs_f64() * 1e6, 100.0))
}

/// Whether the worker threads poll between requests (`--wake spin`), so
/// that they are on a core whatever the load.
pub fn polls(engine: &EngineConfig) -> bool {
    engine.open_loop.is_some_and(|o| o.wake.polls())
}

/// A share as a whole percentage.
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(busiest: f64) -> ClientCpu {
        ClientCpu {
            user: Duration::from_millis(801),
            system: Duration::from_millis(2351),
            threads: 2,
            busiest,
            cores: 4,
            cores_used: 0.8,
        }
    }

    #[test]
    fn the_line_gives_the_times_the_cost_of_a_request_and_the_busiest_thread() {
        let mut out = String::new();
        lines(&mut out, &cpu(0.5), 630_400, false);
        assert_eq!(
            out,
            "client CPU: 3.152s (user 0.801s, system 2.351s) in 2 worker threads, 5.00 us a request; \
             the busiest thread was on a core 50% of the run\n"
        );
        let mut out = String::new();
        lines(&mut out, &cpu(0.97), 0, false);
        let mut rows = out.lines();
        assert!(
            rows.next()
                .unwrap()
                .ends_with("in 2 worker threads; the busiest thread was on a core 97% of the run")
        );
        assert!(rows.next().unwrap().starts_with(
            "the client may have set the pace: a worker thread was on a core 97% of the run"
        ));
        let crowded = ClientCpu {
            threads: 8,
            cores_used: 3.8,
            ..cpu(0.5)
        };
        let mut out = String::new();
        lines(&mut out, &crowded, 10, false);
        assert!(
            out.lines().nth(1).unwrap().starts_with(
                "the client may have set the pace: its worker threads kept 3.8 of the 4 cores it may use busy"
            ),
            "{out}"
        );
        let mut out = String::new();
        lines(&mut out, &cpu(0.97), 10, true);
        assert!(
            out.lines().nth(1).unwrap().starts_with("(--wake spin: "),
            "{out}"
        );
    }

    #[test]
    fn the_json_reads_back_as_it_was_written() {
        let json = ClientCpuJson::new(&cpu(0.25), 630_400);
        assert_eq!(json.us_per_request, Some(5.0));
        assert_eq!(json.restore().unwrap(), cpu(0.25));
        let bad = ClientCpuJson {
            user_s: -1.0,
            ..json.clone()
        };
        assert!(bad.restore().unwrap_err().contains("client_cpu.user_s"));
        let bad = ClientCpuJson {
            busiest_thread_share: f64::NAN,
            ..json
        };
        assert!(bad.restore().unwrap_err().contains("busiest_thread_share"));
    }
}
