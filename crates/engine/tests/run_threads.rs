//! How a run's worker threads start: each builds its connections on its
//! own thread, and a worker that cannot be built ends the run with its
//! error before any request is sent.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use memaslap_engine::{EngineConfig, RunError, Server, Stop, run};
use memaslap_workload::{KeyDist, KeyspaceConfig, Workload, WorkloadConfig};
use std::io::Read;
use std::net::TcpListener;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

/// A keyspace workload made for two connections, run with four on two
/// threads: the second thread's connections have no share of it. The run
/// returns that error (it does not hang waiting for the thread), and the
/// first thread, built and waiting for the start, sends nothing.
#[test]
fn a_worker_that_cannot_be_built_ends_the_run_before_it_starts() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mut config = EngineConfig::new(vec![Server::new("127.0.0.1", port)]);
    config.threads = 2;
    config.concurrency = 4;
    config.stop = Stop::After(Duration::from_secs(30));
    let workload = WorkloadConfig {
        keyspace: Some(KeyspaceConfig {
            keys: 1000,
            dist: KeyDist::Uniform,
            prefill: false,
        }),
        ..WorkloadConfig::default()
    };
    let workload = Workload::new(&workload, 1, 2).unwrap();
    let stop = AtomicBool::new(false);
    let result = run(&config, &workload, &stop, |_| {});
    assert!(
        matches!(result, Err(RunError::Workload(_))),
        "{:?}",
        result.map(|o| o.stats.counters)
    );
    // Whatever connected got no request, and has been closed (reset or
    // shut: the worker threads have ended).
    listener.set_nonblocking(true).unwrap();
    while let Ok((mut peer, _)) = listener.accept() {
        peer.set_nonblocking(false).unwrap();
        peer.set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        let mut bytes = Vec::new();
        let end = peer.read_to_end(&mut bytes).map_err(|e| e.kind());
        assert!(
            matches!(end, Ok(0) | Err(std::io::ErrorKind::ConnectionReset)),
            "{end:?}"
        );
        assert!(bytes.is_empty(), "{:?}", String::from_utf8_lossy(&bytes));
    }
}
