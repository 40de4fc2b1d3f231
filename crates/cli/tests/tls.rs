//! `--tls` against a real memcached started with `-Z` and certificates
//! made in the test: counts equal the server's in every protocol, client
//! certificates, the usual failures named, and a restart under `-R`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

#[path = "../../proto/tests/support/mod.rs"]
mod support;

mod common;
mod tls_support;

use common::{memaslap, run_json};
use std::time::Duration;
use tls_support::{Pki, TlsMemcached};

#[test]
fn every_protocol_over_tls_counts_what_the_server_counts() {
    let pki = Pki::new("counts");
    let server = TlsMemcached::start(&pki, &[]);
    let (addr, ca) = (server.addr(), pki.path("ca.pem"));
    for protocol in ["ascii", "binary", "meta"] {
        let before = server.stats();
        let (run, doc) = run_json(&[
            "-s",
            &addr,
            "--tls",
            "--tls-ca",
            &ca,
            "--protocol",
            protocol,
            "-t",
            "2s",
            "-T",
            "2",
            "-c",
            "4",
            "-d",
            "10",
            "--depth",
            "16",
            "-v",
            "1",
        ]);
        let after = server.stats();
        assert_eq!(run.code, 0, "{protocol}: {}{}", run.stdout, run.stderr);
        for name in ["cmd_get", "cmd_set", "get_misses"] {
            assert_eq!(
                run.counter(name),
                after[name] - before[name],
                "{protocol} {name}"
            );
        }
        assert_eq!(run.counter("verify_failed"), 0, "{protocol}");
        assert_eq!(run.errors(), [0; 5], "{protocol}: {}", run.stdout);
        // Four connections, four handshakes (a later one may resume the
        // session of an earlier one: they share the session cache).
        assert_eq!(doc["tls"]["handshakes"], 4, "{protocol}");
        assert_eq!(doc["tls"]["failed"], 0, "{protocol}");
        assert_eq!(after["ssl_handshake_errors"], 0, "{protocol}");
        assert!(
            run.stdout.contains("TLS handshakes: 4 ("),
            "{protocol}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains(&format!("tls: CAs from {ca} (1)")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_server_requiring_client_certificates_takes_ours_and_refuses_none() {
    let pki = Pki::new("client");
    let verify = format!("ssl_ca_cert={}", pki.path("ca.pem"));
    let server = TlsMemcached::start(&pki, &["ssl_verify_mode=2", &verify]);
    let (addr, ca) = (server.addr(), pki.path("ca.pem"));
    let (cert, key) = (pki.path("client.pem"), pki.path("client.key"));
    let with = memaslap(&[
        "-s",
        &addr,
        "--tls",
        "--tls-ca",
        &ca,
        "--tls-cert",
        &cert,
        "--tls-key",
        &key,
        "-t",
        "1s",
        "-c",
        "2",
    ]);
    assert_eq!(with.code, 0, "{}{}", with.stdout, with.stderr);
    assert!(with.ops_and_seconds().0 > 0);
    let without = memaslap(&["-s", &addr, "--tls", "--tls-ca", &ca, "-t", "1s", "-c", "2"]);
    assert_eq!(without.code, 1, "{}{}", without.stdout, without.stderr);
    assert!(
        without.stderr.contains(&format!("TLS with {addr} failed"))
            && without.stderr.contains("client certificate"),
        "{}",
        without.stderr
    );
}

#[test]
fn the_usual_failures_are_named_and_end_the_run() {
    let pki = Pki::new("failures");
    let server = TlsMemcached::start(&pki, &[]);
    let plaintext = support::Memcached::start();
    let plain_addr = format!("127.0.0.1:{}", plaintext.port());
    let (addr, ca) = (server.addr(), pki.path("ca.pem"));
    let other = pki.path("other-ca.pem");
    for (args, says) in [
        (
            vec!["-s", &addr, "--tls-ca", &other],
            "unknown certificate authority",
        ),
        (
            vec!["-s", &addr, "--tls-ca", &ca, "--tls-sni", "cache.example"],
            "name mismatch",
        ),
        (
            vec!["-s", &plain_addr, "--tls-ca", &ca],
            "does not speak TLS",
        ),
    ] {
        let mut all = args.clone();
        all.extend(["--tls", "-t", "5s", "-c", "2"]);
        let run = memaslap(&all);
        assert_eq!(run.code, 1, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(
            run.stderr.contains("TLS with 127.0.0.1:"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
        assert_eq!(run.requests(), [0, 0, 0, 0], "{args:?}");
    }
    // --tls-insecure takes any certificate, and says so.
    let insecure = memaslap(&[
        "-s",
        &addr,
        "--tls",
        "--tls-insecure",
        "-t",
        "1s",
        "-c",
        "2",
    ]);
    assert_eq!(insecure.code, 0, "{}{}", insecure.stdout, insecure.stderr);
    assert!(
        insecure
            .stdout
            .contains("tls: INSECURE: certificates are not verified")
    );
}

#[test]
fn tls_flags_are_checked_before_the_run() {
    let pki = Pki::new("flags");
    let ca = pki.path("ca.pem");
    for (args, says) in [
        (vec!["--tls", "-U"], "-U"),
        (vec!["--tls-ca", ca.as_str()], "give --tls too"),
        (
            vec!["--tls", "--tls-ca", "/nonexistent.pem"],
            "--tls-ca /nonexistent.pem: cannot read",
        ),
        (
            vec!["--tls", "--tls-ca", &pki.path("server.key")],
            "--tls-ca",
        ),
        (vec!["--tls", "--tls-sni", "no such name"], "--tls-sni"),
        // A file that never ends is refused, not read whole.
        (
            vec!["--tls", "--tls-ca", "/dev/zero"],
            "--tls-ca /dev/zero: larger than",
        ),
        (
            vec![
                "--tls",
                "--tls-cert",
                &pki.path("client.pem"),
                "--tls-key",
                "/dev/zero",
            ],
            "--tls-key /dev/zero: larger than",
        ),
    ] {
        let mut all = vec!["-s", "127.0.0.1:1", "-t", "1s"];
        all.extend(args.iter().copied());
        let run = memaslap(&all);
        assert_eq!(run.code, 2, "{args:?}: {}{}", run.stdout, run.stderr);
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
}

#[test]
fn a_restarted_tls_server_gets_every_connection_back() {
    let pki = Pki::new("restart");
    let server = TlsMemcached::start(&pki, &[]);
    let (port, plain, addr) = (server.port, server.plain, server.addr());
    let child = common::spawn(
        common::command(&["-s", &addr, "--tls", "--tls-ca", &pki.path("ca.pem")])
            .args(["-R", "-t", "3s", "-c", "4", "--seed", "3"]),
    );
    std::thread::sleep(Duration::from_millis(1000));
    drop(server);
    std::thread::sleep(Duration::from_millis(500));
    let back = TlsMemcached::start_on(&pki, &[], port, plain);
    let run = common::finished(child);
    run.check_identity();
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    let reconnects = run
        .stdout
        .lines()
        .filter(|l| l.starts_with(&format!("Server {addr} reconnect after ")))
        .count() as u64;
    let lost = run.error("disconnect");
    assert!(lost >= 4, "{}", run.stdout);
    assert_eq!(reconnects, lost, "{}", run.stdout);
    // Every reconnect shook hands again, with the new server.
    let handshakes: u64 = run
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("TLS handshakes: "))
        .and_then(|l| l.split(' ').next())
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(handshakes, 4 + reconnects, "{}", run.stdout);
    let stats = back.stats();
    assert!(stats["cmd_get"] + stats["cmd_set"] > 0);
}
