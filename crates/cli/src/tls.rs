//! `--tls` and its files: the flags, their checks (exit 2), the banner
//! line, and the handshakes in the report and the JSON.

use crate::json::LatencyJson;
use crate::setup::SetupError;
use clap::Args;
use memaslap_engine::{Mode, Server, TlsClient, TlsOptions, TlsStats};
use serde::{Deserialize, Serialize};
use std::fmt::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// The TLS flags.
#[derive(Debug, Clone, Default, Args)]
pub struct TlsFlags {
    /// Speak TLS to every server (TCP only), verifying its certificate
    /// against the platform's CAs unless --tls-ca or --tls-insecure.
    #[arg(long = "tls")]
    pub tls: bool,

    /// PEM file of the certificate authorities to trust instead of the
    /// platform's.
    #[arg(long = "tls-ca", value_name = "FILE")]
    pub ca: Option<PathBuf>,

    /// PEM file of a client certificate chain, for servers that require
    /// one (memcached's ssl_verify_mode); with --tls-key.
    #[arg(long = "tls-cert", value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// PEM file of the client certificate's private key; with --tls-cert.
    #[arg(long = "tls-key", value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,

    /// The server name to send (SNI) and to verify the certificate for,
    /// instead of each server's host.
    #[arg(long = "tls-sni", value_name = "NAME")]
    pub sni: Option<String>,

    /// Do not verify the server's certificate at all (the banner says so).
    #[arg(long = "tls-insecure", conflicts_with = "ca")]
    pub insecure: bool,
}

/// The TLS client the flags ask for, or `None` without `--tls`.
///
/// # Errors
/// A usage error naming the flag and what is wrong.
pub fn client(
    flags: &TlsFlags,
    mode: Mode,
    servers: &[Server],
) -> Result<Option<Arc<TlsClient>>, SetupError> {
    let usage = |text: String| SetupError::Usage(text);
    if !flags.tls {
        let given = [
            (flags.ca.is_some(), "--tls-ca"),
            (flags.cert.is_some(), "--tls-cert"),
            (flags.key.is_some(), "--tls-key"),
            (flags.sni.is_some(), "--tls-sni"),
            (flags.insecure, "--tls-insecure"),
        ];
        if let Some((_, flag)) = given.iter().find(|(set, _)| *set) {
            return Err(usage(format!("{flag} shapes TLS: give --tls too")));
        }
        return Ok(None);
    }
    match mode {
        Mode::Tcp => {}
        Mode::Udp => return Err(usage("--tls runs over TCP: -U (UDP) cannot use it".into())),
        Mode::Facebook => {
            return Err(usage(
                "--tls runs over TCP: -a (gets over UDP) cannot use it".into(),
            ));
        }
    }
    if let Some(unix) = servers.iter().find(|s| s.is_unix()) {
        return Err(usage(format!(
            "--tls runs over TCP: {unix} is a unix socket"
        )));
    }
    let options = TlsOptions {
        ca: flags.ca.clone(),
        cert: flags.cert.clone(),
        key: flags.key.clone(),
        sni: flags.sni.clone(),
        insecure: flags.insecure,
    };
    TlsClient::new(&options)
        .map(|client| Some(Arc::new(client)))
        .map_err(|e| usage(e.to_string()))
}

/// The banner's line for `client`.
pub fn banner(out: &mut String, client: &TlsClient, flags: &TlsFlags) {
    let sni = flags.sni.as_deref().unwrap_or("each server's host");
    let cert = match &flags.cert {
        Some(path) => path.display().to_string(),
        None => "none".to_string(),
    };
    let _ = writeln!(
        out,
        "tls: {}; server name {sni}; client certificate {cert}",
        client.trust()
    );
}

/// The handshakes, in the JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct TlsJson {
    /// Handshakes that finished (each connect and reconnect).
    pub handshakes: u64,
    /// Of them, those that resumed an earlier session.
    pub resumed: u64,
    /// Sockets lost to a TLS failure.
    pub failed: u64,
    /// Each handshake's time, from the TCP connect to its end.
    pub handshake_time: LatencyJson,
}

impl TlsJson {
    /// The figures of `tls`.
    pub fn new(tls: &TlsStats) -> TlsJson {
        TlsJson {
            handshakes: tls.handshakes.count(),
            resumed: tls.resumed,
            failed: tls.failed,
            handshake_time: LatencyJson::from(&tls.handshakes),
        }
    }

    /// The statistics these figures came from.
    ///
    /// # Errors
    /// What is wrong with the saved handshake times.
    pub fn stats(&self) -> Result<TlsStats, String> {
        Ok(TlsStats {
            handshakes: self.handshake_time.restore().map_err(|e| e.to_string())?,
            resumed: self.resumed,
            failed: self.failed,
        })
    }
}

/// The report's line: handshakes apart from request latency.
pub fn report(out: &mut String, tls: &TlsStats) {
    let h = &tls.handshakes;
    let _ = writeln!(
        out,
        "TLS handshakes: {} ({} resumed, {} failed sockets), p50 {:.1}us, max {:.1}us",
        h.count(),
        tls.resumed,
        tls.failed,
        h.quantile(0.5).as_secs_f64() * 1e6,
        h.max().as_secs_f64() * 1e6
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(tls: bool) -> TlsFlags {
        TlsFlags {
            tls,
            ..TlsFlags::default()
        }
    }

    #[test]
    fn tls_flags_are_checked() {
        let tcp = [Server::new("127.0.0.1", 1)];
        let usage = |f: &TlsFlags, mode, servers: &[Server]| match client(f, mode, servers) {
            Err(SetupError::Usage(text)) => text,
            other => panic!("{other:?}"),
        };
        let lone = TlsFlags {
            sni: Some("cache".into()),
            ..flags(false)
        };
        assert!(usage(&lone, Mode::Tcp, &tcp).contains("--tls-sni shapes TLS"));
        assert!(usage(&flags(true), Mode::Udp, &tcp).contains("-U"));
        assert!(usage(&flags(true), Mode::Facebook, &tcp).contains("-a"));
        let unix = [Server::unix("/tmp/mc.sock")];
        assert!(usage(&flags(true), Mode::Tcp, &unix).contains("unix socket"));
        let missing = TlsFlags {
            ca: Some("/nonexistent/ca.pem".into()),
            ..flags(true)
        };
        let text = usage(&missing, Mode::Tcp, &tcp);
        assert!(
            text.starts_with("--tls-ca /nonexistent/ca.pem: cannot read"),
            "{text}"
        );
        assert!(client(&flags(false), Mode::Udp, &tcp).unwrap().is_none());
    }
}
