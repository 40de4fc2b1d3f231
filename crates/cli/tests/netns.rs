//! Instances as separate client hosts: each in its own network namespace,
//! joined by a veth pair to a bridge in the server's, so that the server
//! sees three hosts. Their results merge into the server's counts. Needs
//! root and `ip netns`; otherwise the test says why and is skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;

use std::process::Command;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use support::Memcached;

const HOSTS: usize = 3;

/// The namespaces, their veth pairs and the bridge, removed when dropped.
struct Network {
    bridge: String,
    namespaces: Vec<String>,
    /// The bridge's address: the server's, as the hosts reach it.
    server_ip: String,
}

/// Runs `ip ARGS`; the error says what failed.
fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run ip: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "ip {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Network {
    /// A bridge and `HOSTS` namespaces on one /24, or why not.
    fn build() -> Result<Network, String> {
        let id = std::process::id() % 100_000;
        let subnet = format!("10.231.{}", id % 250);
        let mut net = Network {
            bridge: format!("msbr{id}"),
            namespaces: Vec::new(),
            server_ip: format!("{subnet}.1"),
        };
        ip(&["link", "add", &net.bridge, "type", "bridge"])?;
        ip(&["addr", "add", &format!("{subnet}.1/24"), "dev", &net.bridge])?;
        ip(&["link", "set", &net.bridge, "up"])?;
        for i in 0..HOSTS {
            let ns = format!("msns{id}-{i}");
            let (outer, inner) = (format!("msh{id}{i}"), format!("msn{id}{i}"));
            ip(&["netns", "add", &ns])?;
            net.namespaces.push(ns.clone());
            ip(&[
                "link", "add", &outer, "type", "veth", "peer", "name", &inner,
            ])?;
            ip(&["link", "set", &outer, "master", &net.bridge])?;
            ip(&["link", "set", &outer, "up"])?;
            ip(&["link", "set", &inner, "netns", &ns])?;
            let addr = format!("{subnet}.{}/24", 10 + i);
            ip(&["-n", &ns, "addr", "add", &addr, "dev", &inner])?;
            ip(&["-n", &ns, "link", "set", &inner, "up"])?;
            ip(&["-n", &ns, "link", "set", "lo", "up"])?;
        }
        Ok(net)
    }
}

impl Drop for Network {
    fn drop(&mut self) {
        for ns in &self.namespaces {
            let _ = ip(&["netns", "del", ns]);
        }
        let _ = ip(&["link", "del", &self.bridge]);
    }
}

/// Why this machine cannot run the test, if it cannot.
fn cannot() -> Option<String> {
    let uid = Command::new("id").arg("-u").output().ok()?;
    if String::from_utf8_lossy(&uid.stdout).trim() != "0" {
        return Some("not root: network namespaces need it".to_string());
    }
    None
}

#[test]
fn instances_in_separate_network_namespaces_merge_into_the_servers_counts() {
    if let Some(why) = cannot() {
        eprintln!("skipped: {why}");
        return;
    }
    let net = match Network::build() {
        Ok(net) => net,
        Err(why) => {
            eprintln!("skipped: this machine cannot build the network: {why}");
            return;
        }
    };
    let server = Memcached::start_with(&["-l", &net.server_ip]);
    let addr = format!("{}:{}", net.server_ip, server.port());
    let dir = std::env::temp_dir().join(format!("memaslap-netns-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let at = SystemTime::now() + Duration::from_secs(2);
    let at = format!(
        "{:.3}",
        at.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
    );
    let before = server.stats();
    let files: Vec<String> = (0..HOSTS)
        .map(|i| {
            dir.join(format!("host-{i}.json"))
                .to_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let hosts: Vec<_> = net
        .namespaces
        .iter()
        .enumerate()
        .map(|(i, ns)| {
            common::spawn(
                Command::new("ip")
                    .args(["netns", "exec", ns, env!("CARGO_BIN_EXE_memaslap")])
                    .args(["-s", &addr, "-c", "4", "--seed", "3", "-t", "2s"])
                    .args(["--instance", &format!("{i}/{HOSTS}"), "--start-at", &at])
                    .args(["--json", &files[i]]),
            )
        })
        .collect();
    common::all_succeed(hosts);
    let after = server.stats();
    // Each host reached the server over its own link (and reading the
    // stats is one more connection).
    assert_eq!(
        after["total_connections"] - before["total_connections"],
        (4 * HOSTS + 1) as u64
    );
    let merged_path = dir.join("merged.json");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    args.extend(["--json", merged_path.to_str().unwrap()]);
    let run = common::memaslap(&args);
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let merged: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&merged_path).unwrap()).unwrap();
    for name in ["cmd_get", "cmd_set", "get_misses"] {
        assert_eq!(
            merged["counters"][name],
            after[name] - before[name],
            "{name}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
