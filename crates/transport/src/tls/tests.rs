//! Sessions against a rustls server in a thread, over loopback TCP: every
//! suite and version rustls negotiates, batches across many records,
//! tickets and resumption, key updates both ways, and closing.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
use rustls::crypto::CryptoProvider;
use rustls::crypto::ring::{cipher_suite, default_provider};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned, SupportedCipherSuite};
use socket2::{Domain, Socket, Type};

use super::{Fault, Session, TlsClient, TlsOptions};
use crate::Server;

/// A CA file for the client, and the server's certificate and key.
struct Pki {
    ca: PathBuf,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: Vec<u8>,
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.ca);
    }
}

fn pki(tag: &str) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = params.self_signed(&ca_key).unwrap();
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca, &ca_key)
        .unwrap();
    let path = std::env::temp_dir().join(format!("memaslap-tls-{tag}-{}.pem", std::process::id()));
    std::fs::write(&path, ca.pem()).unwrap();
    Pki {
        ca: path,
        chain: vec![leaf.der().clone()],
        key: key.serialize_der(),
    }
}

fn server_config(pki: &Pki, suite: SupportedCipherSuite) -> Arc<ServerConfig> {
    let provider = CryptoProvider {
        cipher_suites: vec![suite],
        ..default_provider()
    };
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.key.clone()));
    let config = ServerConfig::builder_with_provider(Arc::new(provider))
        .with_protocol_versions(&[suite.version()])
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), key)
        .unwrap();
    let mut config = config;
    config.enable_secret_extraction = true;
    Arc::new(config)
}

/// What the server thread does with each connection it accepts.
#[derive(Clone, Copy)]
enum Script {
    /// Echoes everything until the client closes; after the first
    /// `update_after` bytes, asks for a key update (TLS 1.3).
    Echo { update_after: Option<usize> },
    /// Sends `bye` and closes with `close_notify`.
    Goodbye,
}

/// What the server saw of one connection.
#[derive(Debug, PartialEq, Eq)]
struct Seen {
    resumed: bool,
    clean: bool,
    records: u64,
}

/// Serves `connections` connections with `script`; returns, per
/// connection, whether it was resumed, whether the client said
/// `close_notify`, and how many records the server read under the
/// client's last key (which a key update starts again from 0).
fn serve(
    config: Arc<ServerConfig>,
    connections: usize,
    script: Script,
) -> (u16, JoinHandle<Vec<Seen>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        (0..connections)
            .map(|_| {
                let (tcp, _) = listener.accept().unwrap();
                tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let conn = ServerConnection::new(Arc::clone(&config)).unwrap();
                let mut stream = StreamOwned::new(conn, tcp);
                let clean = run_script(&mut stream, script);
                let resumed = stream.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed);
                #[allow(deprecated)]
                let records = stream
                    .conn
                    .dangerous_extract_secrets()
                    .map_or(0, |s| s.rx.0);
                Seen {
                    resumed,
                    clean,
                    records,
                }
            })
            .collect()
    });
    (port, handle)
}

fn run_script(stream: &mut StreamOwned<ServerConnection, TcpStream>, script: Script) -> bool {
    let mut buf = vec![0u8; 40_000];
    let mut seen = 0;
    match script {
        Script::Goodbye => {
            stream.write_all(b"bye").unwrap();
            stream.conn.send_close_notify();
            stream.flush().unwrap();
            while stream.conn.wants_write() {
                stream.conn.write_tls(&mut stream.sock).unwrap();
            }
            true
        }
        Script::Echo { update_after } => loop {
            match stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(n) => {
                    let before = seen;
                    seen += n;
                    stream.write_all(&buf[..n]).unwrap();
                    if let Some(after) = update_after {
                        if before < after && seen >= after {
                            stream.conn.refresh_traffic_keys().unwrap();
                        }
                    }
                    stream.flush().unwrap();
                }
                Err(_) => return false,
            }
        },
    }
}

fn client(pki: &Pki) -> TlsClient {
    TlsClient::new(&TlsOptions {
        ca: Some(pki.ca.clone()),
        ..TlsOptions::default()
    })
    .unwrap()
}

/// A connected non-blocking socket and a session whose handshake is done.
fn connect(client: &TlsClient, port: u16) -> (Socket, Session) {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).unwrap();
    socket
        .connect(&std::net::SocketAddr::from(([127, 0, 0, 1], port)).into())
        .unwrap();
    socket.set_nonblocking(true).unwrap();
    let server: Server = format!("localhost:{port}").parse().unwrap();
    let mut session = client.session(&server).unwrap();
    for _ in 0..20_000 {
        if session.handshake(&socket).unwrap() {
            return (socket, session);
        }
        thread::sleep(Duration::from_millis(1));
    }
    panic!("the handshake did not finish");
}

/// Sends `bufs` and reads back as many bytes, compared with them.
fn echo(socket: &Socket, session: &mut Session, bufs: &[&[u8]]) {
    let want: Vec<u8> = bufs.concat();
    let mut written = 0;
    let mut got = Vec::new();
    let mut buf = [0u8; 1000];
    for _ in 0..20_000 {
        if written < want.len() {
            session.send(socket, bufs, &mut written).unwrap();
        }
        while let Some(n) = session.recv(socket, &mut buf).unwrap() {
            got.extend_from_slice(&buf[..n]);
        }
        if got.len() >= want.len() {
            break;
        }
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(got.len(), want.len());
    assert!(got == want, "the echo differs");
}

/// Sends `count` one-line requests, each echoed back before the next.
fn requests(socket: &Socket, session: &mut Session, count: usize) {
    for i in 0..count {
        echo(socket, session, &[format!("request {i}\r\n").as_bytes()]);
    }
}

/// Ends the session (`close_notify`) and the client's half of the stream.
fn close(socket: &Socket, session: &mut Session) {
    session.close(socket);
    socket.shutdown(std::net::Shutdown::Write).unwrap();
}

/// Many small slices and one large one: a batch of more than 64 slices,
/// and more than one record.
fn batch() -> Vec<Vec<u8>> {
    let mut parts: Vec<Vec<u8>> = (0..100u8).map(|i| vec![i; 7 + usize::from(i)]).collect();
    parts.push((0..50_000u32).map(|i| (i % 251) as u8).collect());
    parts
}

fn every_suite() -> Vec<SupportedCipherSuite> {
    vec![
        cipher_suite::TLS13_AES_128_GCM_SHA256,
        cipher_suite::TLS13_AES_256_GCM_SHA384,
        cipher_suite::TLS13_CHACHA20_POLY1305_SHA256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        cipher_suite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

#[test]
fn every_suite_carries_batches_resumes_and_closes_cleanly() {
    let pki = pki("suites");
    for suite in every_suite() {
        let (port, server) = serve(
            server_config(&pki, suite),
            2,
            Script::Echo { update_after: None },
        );
        let client = client(&pki);
        let parts = batch();
        let bufs: Vec<&[u8]> = parts.iter().map(Vec::as_slice).collect();
        for _ in 0..2 {
            let (socket, mut session) = connect(&client, port);
            echo(&socket, &mut session, &bufs);
            echo(&socket, &mut session, &[b"get k\r\n"]);
            close(&socket, &mut session);
        }
        let seen = server.join().unwrap();
        // The second connection resumes the first's session (from a
        // ticket received after the handshake in TLS 1.3).
        let kinds: Vec<(bool, bool)> = seen.iter().map(|s| (s.resumed, s.clean)).collect();
        assert_eq!(kinds, vec![(false, true), (true, true)], "{suite:?}");
    }
}

#[test]
fn a_key_update_the_server_asks_for_is_answered_and_followed() {
    let pki = pki("update");
    let config = server_config(&pki, cipher_suite::TLS13_AES_128_GCM_SHA256);
    let (port, server) = serve(
        config,
        1,
        Script::Echo {
            update_after: Some(10),
        },
    );
    let (socket, mut session) = connect(&client(&pki), port);
    echo(&socket, &mut session, &[b"0123456789"]);
    // Replies now come under the server's new key, and the server reads
    // this request under the client's new one.
    requests(&socket, &mut session, 3);
    close(&socket, &mut session);
    // Three requests and close_notify under the new key; without the
    // update, the first request would be counted too.
    let seen = server.join().unwrap();
    assert_eq!(
        seen,
        vec![Seen {
            resumed: false,
            clean: true,
            records: 4
        }]
    );
}

#[test]
fn the_sending_key_is_replaced_at_its_record_limit() {
    let pki = pki("limit");
    let config = server_config(&pki, cipher_suite::TLS13_AES_256_GCM_SHA384);
    let (port, server) = serve(config, 1, Script::Echo { update_after: None });
    let (socket, mut session) = connect(&client(&pki), port);
    session.set_record_limit(3);
    requests(&socket, &mut session, 10);
    close(&socket, &mut session);
    // 11 records (10 requests, close_notify), a new key after every 3.
    let seen = server.join().unwrap();
    assert_eq!(seen.first().map(|s| (s.clean, s.records)), Some((true, 2)));
}

#[test]
fn tls12_ends_the_connection_at_the_record_limit() {
    let pki = pki("limit12");
    let config = server_config(&pki, cipher_suite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256);
    let (port, server) = serve(config, 1, Script::Echo { update_after: None });
    let (socket, mut session) = connect(&client(&pki), port);
    // The client's Finished was the first record under this key.
    session.set_record_limit(3);
    echo(&socket, &mut session, &[b"one"]);
    echo(&socket, &mut session, &[b"two"]);
    let mut written = 0;
    let end = session.send(&socket, &[b"three"], &mut written);
    assert!(matches!(end, Err(Fault::Tls(_))), "{end:?}");
    drop(socket);
    server.join().unwrap();
}

#[test]
fn the_servers_close_notify_ends_the_stream_after_its_data() {
    let pki = pki("bye");
    let config = server_config(&pki, cipher_suite::TLS13_CHACHA20_POLY1305_SHA256);
    let (port, server) = serve(config, 1, Script::Goodbye);
    let (socket, mut session) = connect(&client(&pki), port);
    let mut got = Vec::new();
    let mut buf = [0u8; 2];
    let end = loop {
        match session.recv(&socket, &mut buf) {
            Ok(Some(n)) => got.extend_from_slice(&buf[..n]),
            Ok(None) => thread::sleep(Duration::from_millis(1)),
            Err(fault) => break fault,
        }
    };
    assert_eq!(got, b"bye");
    assert!(matches!(end, Fault::Closed), "{end:?}");
    server.join().unwrap();
}

/// A server that finishes the handshake, then writes `garbage` on the
/// TCP stream under TLS's feet and closes it.
fn hostile(config: Arc<ServerConfig>, garbage: Vec<u8>) -> (u16, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = thread::spawn(move || {
        let (mut tcp, _) = listener.accept().unwrap();
        let mut conn = ServerConnection::new(config).unwrap();
        while conn.is_handshaking() {
            if conn.complete_io(&mut tcp).is_err() {
                return;
            }
        }
        let _ = tcp.write_all(&garbage);
    });
    (port, handle)
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(24))]

    /// Whatever bytes follow the handshake, the session ends in an error
    /// (or the end of the stream) and never panics or waits forever.
    #[test]
    fn bytes_that_are_not_records_end_the_session(
        garbage in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        header in proptest::prelude::any::<[u8; 5]>(),
    ) {
        let pki = pki("hostile");
        let config = server_config(&pki, cipher_suite::TLS13_AES_128_GCM_SHA256);
        let mut bytes = header.to_vec();
        bytes.extend_from_slice(&garbage);
        let (port, server) = hostile(config, bytes);
        let (socket, mut session) = connect(&client(&pki), port);
        let mut buf = [0u8; 64];
        let mut ended = false;
        for _ in 0..20_000 {
            match session.recv(&socket, &mut buf) {
                Ok(Some(_)) => {}
                Ok(None) => thread::sleep(Duration::from_millis(1)),
                Err(_) => {
                    ended = true;
                    break;
                }
            }
        }
        proptest::prop_assert!(ended);
        server.join().unwrap();
    }
}
