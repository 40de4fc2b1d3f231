//! Whole runs of the engine against a real memcached: the engine's counts
//! must equal the server's own.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

use memaslap_engine::Protocol;
use memaslap_engine::Server;
use memaslap_engine::{EngineConfig, Mode, Stop};
use memaslap_engine::{Outcome, run};
use memaslap_workload::{Workload, WorkloadConfig};
use std::sync::atomic::AtomicBool;
use support::Memcached;

fn run_against(
    server: &Memcached,
    tune: impl FnOnce(&mut EngineConfig),
    workload: &WorkloadConfig,
) -> Outcome {
    let mut config = EngineConfig::new(vec![Server::new("127.0.0.1", server.port())]);
    config.stop = Stop::Operations(20_000);
    tune(&mut config);
    let workload = Workload::new(workload, 1, config.concurrency).unwrap();
    let stop = AtomicBool::new(false);
    run(&config, &workload, &stop, |_| {}).unwrap()
}

/// The engine's counts equal the server's deltas exactly, and every request
/// sent ended.
fn assert_accounted(
    server: &Memcached,
    before: &std::collections::HashMap<String, u64>,
    outcome: &Outcome,
) {
    let after = server.stats();
    let delta = |name: &str| after[name] - before[name];
    let c = &outcome.stats.counters;
    assert_eq!(c.cmd_get, delta("cmd_get"), "cmd_get");
    assert_eq!(c.cmd_set, delta("cmd_set"), "cmd_set");
    assert_eq!(c.get_misses, delta("get_misses"), "get_misses");
    assert_eq!(
        c.requests_sent,
        c.requests_completed + c.requests_failed + c.requests_timed_out,
        "sent = completed + failed + timed out"
    );
    assert_eq!(c.requests_failed + c.requests_timed_out, 0, "{c:?}");
    assert_eq!(
        outcome.stats.get.count() + outcome.stats.set.count(),
        c.requests_completed
    );
}

#[test]
fn ascii_tcp_execute_number() {
    let server = Memcached::start();
    let before = server.stats();
    let outcome = run_against(&server, |_| {}, &WorkloadConfig::default());
    let c = &outcome.stats.counters;
    assert_eq!(c.cmd_get + c.cmd_set, 20_000, "{c:?}");
    assert!(c.cmd_set > 1_500 && c.cmd_set < 2_500, "{c:?}");
    assert!(c.written_bytes > 0 && c.read_bytes > 0);
    assert_accounted(&server, &before, &outcome);
}

#[test]
fn binary_multi_get_threads_and_verify() {
    let server = Memcached::start();
    let before = server.stats();
    let workload = WorkloadConfig {
        division: 10,
        verify: 1.0,
        ..WorkloadConfig::default()
    };
    let outcome = run_against(
        &server,
        |c| {
            c.protocol = Protocol::Binary;
            c.threads = 2;
            c.concurrency = 8;
        },
        &workload,
    );
    let c = &outcome.stats.counters;
    assert_eq!((c.verify_failed, c.verify_misses), (0, 0));
    assert_accounted(&server, &before, &outcome);
}

#[test]
fn udp_gets_and_sets() {
    let server = Memcached::start();
    let before = server.stats();
    let outcome = run_against(
        &server,
        |c| c.mode = Mode::Udp,
        &WorkloadConfig {
            verify: 1.0,
            ..WorkloadConfig::default()
        },
    );
    let c = &outcome.stats.counters;
    assert_eq!((c.verify_failed, c.packet_drop, c.udp_timeout), (0, 0, 0));
    assert_accounted(&server, &before, &outcome);
}

#[test]
fn multi_socket_and_timed_run() {
    let server = Memcached::start();
    let before = server.stats();
    let outcome = run_against(
        &server,
        |c| {
            c.sockets_per_connection = 2;
            c.stop = Stop::After(std::time::Duration::from_millis(500));
            c.report_interval = Some(std::time::Duration::from_millis(200));
        },
        &WorkloadConfig::default(),
    );
    assert!(outcome.series.len() >= 2, "{}", outcome.series.len());
    assert!(outcome.stats.counters.cmd_get > 0);
    assert_accounted(&server, &before, &outcome);
    let after = server.stats();
    assert!(after["total_connections"] - before["total_connections"] >= 32);
}

#[test]
fn udp_multi_get_over_several_messages() {
    // memcached answers a UDP multi-get with one message per item, all under
    // the request's id.
    let server = Memcached::start();
    let before = server.stats();
    let workload = WorkloadConfig {
        division: 10,
        verify: 1.0,
        ..WorkloadConfig::default()
    };
    let outcome = run_against(&server, |c| c.mode = Mode::Udp, &workload);
    let c = &outcome.stats.counters;
    assert_eq!(
        (c.verify_failed, c.packet_drop, c.udp_timeout),
        (0, 0, 0),
        "{c:?}"
    );
    assert!(c.cmd_get > 10_000);
    assert_accounted(&server, &before, &outcome);
}

/// `--depth 16`: many requests in flight per connection, replies matched in
/// order; counts still equal the server's and every check passes.
#[test]
fn pipelined_depth_16_in_both_protocols() {
    for (protocol, division) in [
        (Protocol::Ascii, 1),
        (Protocol::Binary, 1),
        (Protocol::Binary, 4),
    ] {
        let server = Memcached::start();
        let before = server.stats();
        let workload = WorkloadConfig {
            division,
            verify: 1.0,
            overwrite: 0.5,
            window: 64,
            ..WorkloadConfig::default()
        };
        let outcome = run_against(
            &server,
            |c| {
                c.protocol = protocol;
                c.depth = 16;
                c.concurrency = 4;
            },
            &workload,
        );
        let c = &outcome.stats.counters;
        // A multi-get may take a connection's last few operations past its
        // budget, as at depth 1.
        let ops = c.cmd_get + c.cmd_set;
        assert!(
            (20_000..20_000 + 4 * division as u64).contains(&ops),
            "{protocol:?}: {c:?}"
        );
        assert!(c.cmd_get > 10_000, "{c:?}");
        assert_eq!(
            (c.verify_failed, c.verify_misses, c.get_misses),
            (0, 0, 0),
            "{protocol:?}/{division}: {c:?}"
        );
        assert_eq!(c.errors.protocol_error, 0);
        assert_accounted(&server, &before, &outcome);
    }
}

#[test]
fn depth_above_one_needs_one_tcp_socket() {
    use memaslap_engine::ConfigError;
    let mut config = EngineConfig::new(vec![Server::new("127.0.0.1", 1)]);
    config.depth = 8;
    assert_eq!(config.validate(), Ok(()));
    config.depth = 0;
    assert_eq!(config.validate(), Err(ConfigError::Depth(0)));
    config.depth = 8;
    config.mode = Mode::Udp;
    assert_eq!(config.validate(), Err(ConfigError::DepthTransport));
    config.mode = Mode::Tcp;
    config.sockets_per_connection = 2;
    assert_eq!(config.validate(), Err(ConfigError::DepthTransport));
}

/// `-U` with many connections on one thread: they share the thread's
/// socket, told apart by request id (48 connections: slots 48..64 of the
/// id space are nobody's). Every reply reaches the connection that asked
/// (every value is verified), and the counts equal the server's. (Much
/// more than 48 requests of 1 KB at once overflow memcached's default
/// 208 KB receive buffer, with a socket per connection as well.)
#[test]
fn udp_connections_share_a_socket_per_thread() {
    for (threads, concurrency, division) in [(1, 48, 1), (2, 48, 10)] {
        let server = Memcached::start();
        let before = server.stats();
        let workload = WorkloadConfig {
            division,
            verify: 1.0,
            ..WorkloadConfig::default()
        };
        let outcome = run_against(
            &server,
            |c| {
                c.mode = Mode::Udp;
                c.threads = threads;
                c.concurrency = concurrency;
                c.stop = Stop::Operations(30_000);
            },
            &workload,
        );
        let c = &outcome.stats.counters;
        assert_eq!(
            (c.verify_failed, c.verify_misses, c.errors.protocol_error),
            (0, 0, 0),
            "{c:?}"
        );
        assert_eq!(
            (
                c.packet_drop,
                c.packet_foreign,
                c.packet_duplicate,
                c.udp_timeout
            ),
            (0, 0, 0, 0),
            "{c:?}"
        );
        assert_eq!(c.cmd_get + c.cmd_set, 30_000, "{c:?}");
        assert_accounted(&server, &before, &outcome);
    }
}

/// Values larger than the thread's shared receive buffer: every get's reply
/// spans several reads, kept in spills that grow to hold it.
#[test]
fn values_larger_than_the_shared_receive_buffer() {
    for protocol in [Protocol::Ascii, Protocol::Binary] {
        let server = Memcached::start();
        let before = server.stats();
        let workload = WorkloadConfig {
            window: 16,
            verify: 1.0,
            fixed_value_len: Some(200_000),
            ..WorkloadConfig::default()
        };
        let outcome = run_against(
            &server,
            |c| {
                c.protocol = protocol;
                c.concurrency = 4;
                c.stop = Stop::Operations(2_000);
            },
            &workload,
        );
        let c = &outcome.stats.counters;
        assert_eq!(c.cmd_get + c.cmd_set, 2_000, "{protocol:?}: {c:?}");
        assert!(c.read_bytes > 200_000 * 1_000, "{protocol:?}: {c:?}");
        assert_eq!(
            (c.verify_failed, c.verify_misses, c.errors.protocol_error),
            (0, 0, 0),
            "{protocol:?}: {c:?}"
        );
        assert_accounted(&server, &before, &outcome);
    }
}
