//! The engine allocates nothing per request: a counting global allocator
//! counts every allocation made outside this test's own threads (so on the
//! worker threads) while at least 100,000 requests run in steady state
//! against a real memcached, and the count must be zero.
//!
//! The run's report interval is far longer than the run, so the only
//! per-interval work (a snapshot of the statistics) does not happen while
//! allocations are counted. Requests are counted by the server. Over TLS
//! the handshakes come before counting starts; the requests after them
//! must not allocate either.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

#[path = "../../proto/tests/support/counting_alloc.rs"]
mod counting_alloc;

use counting_alloc::Counting;
use memaslap_engine::Protocol;
use memaslap_engine::Server;
use memaslap_engine::run;
use memaslap_engine::{ArrivalKind, EngineConfig, Mode, OpenLoopConfig, Stop, Wake};
use memaslap_engine::{TlsClient, TlsOptions};
use memaslap_workload::{
    KeyDist, KeyspaceConfig, SizeDist, TraceConfig, TraceFormat, TracePlan, Workload,
    WorkloadConfig, scan,
};
use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair, SanType};
use std::cell::Cell;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use support::Memcached;

/// Whether allocations are being counted.
static MEASURING: AtomicBool = AtomicBool::new(false);
/// Allocations counted on threads that are not exempt.
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Set on this test's own threads (the one that runs and reports, and
    /// the one that watches the server), whose allocations do not count.
    static EXEMPT: Cell<bool> = const { Cell::new(false) };
}

fn note() {
    if MEASURING.load(Ordering::Relaxed) && !EXEMPT.with(Cell::get) {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting(note);

/// Requests run before counting starts: every window is filled and every
/// buffer has reached its size.
const WARM_UP: u64 = 30_000;
/// Requests run while allocations are counted.
const MEASURED: u64 = 100_000;

/// Requests the server has answered (one `cmd_get` per get request, as
/// long as multi-gets are not used).
fn served(stats_port: u16, keys_per_get: u64) -> u64 {
    let mut conn = std::net::TcpStream::connect(("127.0.0.1", stats_port)).unwrap();
    let stats = support::stats_of(&mut conn);
    stats["cmd_get"] / keys_per_get + stats["cmd_set"]
}

/// A memcached started here, killed when dropped.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A memcached whose port speaks TLS, with a plaintext port beside it for
/// the stats, and the client configuration that trusts its certificate.
fn tls_server(dir: &std::path::Path) -> (Child, u16, u16, Arc<TlsClient>) {
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let mut leaf = CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    leaf.subject_alt_names
        .push(SanType::IpAddress([127, 0, 0, 1].into()));
    let leaf = leaf.signed_by(&key, &ca, &ca_key).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let path = |name: &str| dir.join(name);
    std::fs::write(path("ca.pem"), ca.pem()).unwrap();
    std::fs::write(path("server.pem"), leaf.pem()).unwrap();
    std::fs::write(path("server.key"), key.serialize_pem()).unwrap();
    let free = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let (port, plain) = (free(), free());
    let settings = format!(
        "ssl_chain_cert={},ssl_key={}",
        path("server.pem").display(),
        path("server.key").display()
    );
    let server = Child(
        std::process::Command::new("memcached")
            .args(["-Z", "-o", &settings, "-U", "0", "-u", "root", "-t", "1"])
            .args(["-m", "1024", "-l", &format!("127.0.0.1:{port}")])
            .args(["-l", &format!("notls:127.0.0.1:{plain}")])
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("memcached starts"),
    );
    for _ in 0..200 {
        if std::net::TcpStream::connect(("127.0.0.1", plain)).is_ok() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let client = TlsClient::new(&TlsOptions {
        ca: Some(path("ca.pem")),
        ..TlsOptions::default()
    })
    .unwrap();
    (server, port, plain, Arc::new(client))
}

/// Runs the engine against a fresh memcached and returns the allocations
/// counted on its worker threads over at least [`MEASURED`] requests in
/// steady state, with the number of requests measured.
fn count_allocations(
    tune: impl FnOnce(&mut EngineConfig),
    workload: &WorkloadConfig,
) -> (u64, u64) {
    EXEMPT.with(|e| e.set(true));
    let server = Memcached::start_with(&["-m", "1024"]);
    count_allocations_on(server.port(), server.port(), tune, workload)
}

/// As [`count_allocations`], against the memcached on `port`, whose
/// stats are read on `stats_port`.
fn count_allocations_on(
    port: u16,
    stats_port: u16,
    tune: impl FnOnce(&mut EngineConfig),
    workload: &WorkloadConfig,
) -> (u64, u64) {
    let mut config = EngineConfig::new(vec![Server::new("127.0.0.1", port)]);
    config.concurrency = 16;
    config.stop = Stop::After(Duration::from_secs(3600));
    config.report_interval = Some(Duration::from_secs(3600));
    tune(&mut config);
    let workload = Workload::new(workload, 7, config.concurrency).unwrap();
    let keys_per_get = workload.config().division as u64;
    let stop = AtomicBool::new(false);
    let watch = || {
        EXEMPT.with(|e| e.set(true));
        let wait_for = |target: u64| loop {
            let now = served(stats_port, keys_per_get);
            if now >= target {
                return now;
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let base = served(stats_port, keys_per_get);
        let from = wait_for(base + WARM_UP);
        ALLOCATIONS.store(0, Ordering::SeqCst);
        MEASURING.store(true, Ordering::SeqCst);
        let to = wait_for(from + MEASURED);
        MEASURING.store(false, Ordering::SeqCst);
        stop.store(true, Ordering::SeqCst);
        (ALLOCATIONS.load(Ordering::SeqCst), to - from)
    };
    let (counted, outcome) = std::thread::scope(|scope| {
        let watcher = scope.spawn(watch);
        let outcome = run(&config, &workload, &stop, |_| {});
        (watcher.join().unwrap(), outcome.unwrap())
    });
    let c = &outcome.stats.counters;
    assert!(c.requests_completed >= WARM_UP + MEASURED, "{c:?}");
    counted
}

fn assert_no_allocation(name: &str, (allocations, requests): (u64, u64)) {
    assert!(requests >= MEASURED, "{name}: only {requests} requests");
    assert_eq!(
        allocations, 0,
        "{name}: {allocations} allocations over {requests} requests"
    );
}

/// Runs every protocol in turn, so that no other test's thread allocates
/// while one is measured. The test has no libtest harness (see Cargo.toml):
/// the harness's own threads would allocate (for example its "running for
/// over 60 seconds" notice on a slow machine) and be counted.
fn main() {
    EXEMPT.with(|e| e.set(true));
    let plain = WorkloadConfig::default();
    let verified = WorkloadConfig {
        verify: 1.0,
        ..WorkloadConfig::default()
    };
    let multi_get = WorkloadConfig {
        division: 10,
        ..WorkloadConfig::default()
    };
    assert_no_allocation("ascii", count_allocations(|_| {}, &plain));
    assert_no_allocation(
        "binary, verified, 2 threads",
        count_allocations(
            |c| {
                c.protocol = Protocol::Binary;
                c.threads = 2;
            },
            &verified,
        ),
    );
    assert_no_allocation("ascii multi-get", count_allocations(|_| {}, &multi_get));
    assert_no_allocation("udp", count_allocations(|c| c.mode = Mode::Udp, &plain));
    assert_no_allocation(
        "ascii, depth 16, verified",
        count_allocations(|c| c.depth = 16, &verified),
    );
    assert_no_allocation(
        "binary multi-get, depth 16",
        count_allocations(
            |c| {
                c.protocol = Protocol::Binary;
                c.depth = 16;
            },
            &multi_get,
        ),
    );
    assert_no_allocation(
        "meta multi-get",
        count_allocations(|c| c.protocol = Protocol::Meta, &multi_get),
    );
    assert_no_allocation(
        "open loop, depth 4",
        count_allocations(
            |c| {
                c.depth = 4;
                c.open_loop = Some(OpenLoopConfig {
                    rate: 60_000.0,
                    arrival: ArrivalKind::Poisson,
                    max_backlog: None,
                    wake: Wake::Spin,
                });
            },
            &verified,
        ),
    );
    let keyspace = WorkloadConfig {
        verify: 1.0,
        division: 4,
        key_sizes: Some(SizeDist::ETC_KEYS),
        value_sizes: Some(SizeDist::ETC_VALUES),
        keyspace: Some(KeyspaceConfig {
            keys: 100_000,
            dist: KeyDist::Zipf { exponent: 0.99 },
            prefill: false,
        }),
        commands: Some(
            "get=40,gets=10,gat=5,gats=5,set=10,add=5,replace=5,cas=10,delete=3,incr=3,decr=2,touch=2"
                .parse()
                .unwrap(),
        ),
        ..WorkloadConfig::default()
    };
    assert_no_allocation(
        "keyspace zipf, ETC sizes, every command, meta, depth 8",
        count_allocations(
            |c| {
                c.protocol = Protocol::Meta;
                c.depth = 8;
            },
            &keyspace,
        ),
    );
    // A zstd-compressed trace of 400,000 gets and sets over 16 clients,
    // replayed as fast as possible: the reader's buffer and the queues are
    // reused.
    let mut text = String::new();
    for i in 0..400_000u64 {
        let (op, value) = if i % 5 == 0 {
            ("set", 100 + i % 900)
        } else {
            ("get", 0)
        };
        text.push_str(&format!(
            "{},k{},{},{value},{},{op},0\n",
            i / 10_000,
            i % 5000,
            10 + i % 50,
            i % 16
        ));
    }
    let path = std::env::temp_dir().join(format!("no-alloc-{}.csv.zst", std::process::id()));
    std::fs::write(&path, zstd::encode_all(text.as_bytes(), 1).unwrap()).unwrap();
    let trace = TraceConfig {
        path: path.clone(),
        format: TraceFormat::Csv,
        skip_bad: false,
    };
    let summary = scan(&trace).unwrap();
    let replay = WorkloadConfig {
        trace: Some(TracePlan::new(trace, &summary).unwrap()),
        ..WorkloadConfig::default()
    };
    let counted = count_allocations(|c| c.depth = 4, &replay);
    let _ = std::fs::remove_file(&path);
    assert_no_allocation("trace replay, zstd, depth 4", counted);
    // TLS: after the handshake, records are sealed and opened in place.
    let dir = std::env::temp_dir().join(format!("no-alloc-tls-{}", std::process::id()));
    let (server, port, plain, tls) = tls_server(&dir);
    for (name, protocol, depth) in [
        ("tls, ascii", Protocol::Ascii, 1),
        ("tls, binary, depth 16", Protocol::Binary, 16),
        ("tls, meta multi-get, depth 4", Protocol::Meta, 4),
    ] {
        let workload = if protocol == Protocol::Meta {
            &multi_get
        } else {
            &verified
        };
        let tune = |c: &mut EngineConfig| {
            c.protocol = protocol;
            c.depth = depth;
            c.tls = Some(Arc::clone(&tls));
        };
        assert_no_allocation(name, count_allocations_on(port, plain, tune, workload));
    }
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    println!("no_alloc: 13 passed, 0 failed");
}
