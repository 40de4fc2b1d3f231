//! TLS over the TCP sockets (`--tls`): a client configuration made once
//! from the user's files ([`TlsClient`]), and a session per socket driven
//! by the same non-blocking, edge-triggered readiness as plaintext
//! (rustls is sans-IO: it reads and writes through the socket it is
//! handed). Sessions resume across reconnects: every socket of a run
//! shares the configuration and so its session cache.

mod handshake;
mod insecure;
mod reason;
mod record;
mod session;
mod traffic;
mod wire;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::ClientConfig;
use rustls::RootCertStore;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};

use crate::{Server, TransportError};

pub(crate) use reason::words;
pub(crate) use session::{Fault, Session};

/// What the user asked of TLS.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of the certificate authorities to trust; `None`: the
    /// platform's.
    pub ca: Option<PathBuf>,
    /// PEM file of this client's certificate chain (with `key`).
    pub cert: Option<PathBuf>,
    /// PEM file of this client's private key (with `cert`).
    pub key: Option<PathBuf>,
    /// The name to send and verify instead of each server's host.
    pub sni: Option<String>,
    /// Accept any certificate: no verification at all.
    pub insecure: bool,
}

/// Why the TLS configuration cannot be made: an input of the user's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlsSetupError {
    /// A PEM file cannot be read or holds nothing usable.
    #[error("{flag} {}: {why}", path.display())]
    File {
        /// The flag that named it.
        flag: &'static str,
        /// The file.
        path: PathBuf,
        /// What is wrong.
        why: String,
    },
    /// The platform's store has no usable certificate authority.
    #[error("no certificate authority in the platform's store ({0}); give --tls-ca FILE")]
    NoRoots(String),
    /// `--tls-sni` is not a DNS name or an IP address.
    #[error("--tls-sni {0:?} is not a DNS name or an IP address")]
    Sni(String),
    /// rustls refused the configuration (a key that does not match the
    /// certificate, a key type it does not support, …).
    #[error("{0}")]
    Config(String),
}

/// Where the certificate authorities came from, for the banner.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Trust {
    /// A file of the user's, with this many certificates.
    File(PathBuf, usize),
    /// The platform's store, with this many certificates.
    Platform(usize),
    /// None: certificates are not verified (`--tls-insecure`).
    Insecure,
}

impl fmt::Display for Trust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trust::File(path, n) => write!(f, "CAs from {} ({n})", path.display()),
            Trust::Platform(n) => write!(f, "the platform's CAs ({n})"),
            Trust::Insecure => f.write_str("INSECURE: certificates are not verified"),
        }
    }
}

/// A TLS client configuration shared by every socket of a run.
#[derive(Clone)]
pub struct TlsClient {
    config: Arc<ClientConfig>,
    sni: Option<ServerName<'static>>,
    trust: Trust,
    client_cert: bool,
}

impl fmt::Debug for TlsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsClient")
            .field("sni", &self.sni)
            .field("trust", &self.trust)
            .field("client_cert", &self.client_cert)
            .finish_non_exhaustive()
    }
}

impl TlsClient {
    /// The configuration `options` ask for, its files read.
    ///
    /// # Errors
    /// A [`TlsSetupError`] naming the flag and file at fault.
    pub fn new(options: &TlsOptions) -> Result<TlsClient, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ClientConfig::builder_with_provider(Arc::clone(&provider))
            .with_safe_default_protocol_versions()
            .map_err(|e| TlsSetupError::Config(e.to_string()))?;
        let (builder, trust) = if options.insecure {
            let verifier = Arc::new(insecure::AnyCertificate::new(provider));
            let builder = builder
                .dangerous()
                .with_custom_certificate_verifier(verifier);
            (builder, Trust::Insecure)
        } else {
            let (roots, trust) = roots(options.ca.as_deref())?;
            (builder.with_root_certificates(roots), trust)
        };
        let config = match (&options.cert, &options.key) {
            (Some(cert), Some(key)) => {
                let chain = certificates("--tls-cert", cert)?;
                let pem = read_pem("--tls-key", key)?;
                let key = PrivateKeyDer::from_pem_slice(&pem).map_err(|e| TlsSetupError::File {
                    flag: "--tls-key",
                    path: key.clone(),
                    why: format!("no private key read ({e})"),
                })?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|e| TlsSetupError::Config(format!("--tls-cert/--tls-key: {e}")))?
            }
            _ => builder.with_no_client_auth(),
        };
        let sni = match &options.sni {
            Some(name) => Some(
                ServerName::try_from(name.clone()).map_err(|_| TlsSetupError::Sni(name.clone()))?,
            ),
            None => None,
        };
        // The record layer takes the traffic keys once the handshake is
        // done (`traffic.rs`).
        let mut config = config;
        config.enable_secret_extraction = true;
        Ok(TlsClient {
            config: Arc::new(config),
            sni,
            trust,
            client_cert: options.cert.is_some(),
        })
    }

    /// Where the trusted authorities came from.
    pub fn trust(&self) -> &Trust {
        &self.trust
    }

    /// Whether the client presents a certificate.
    pub fn has_client_cert(&self) -> bool {
        self.client_cert
    }

    /// The name to send to and verify for `server`.
    pub(crate) fn name_for(&self, server: &Server) -> Result<ServerName<'static>, TransportError> {
        if let Some(name) = &self.sni {
            return Ok(name.clone());
        }
        ServerName::try_from(server.host().to_string()).map_err(|_| TransportError::Tls {
            server: server.clone(),
            reason: format!(
                "{:?} is not a name TLS can verify; give --tls-sni",
                server.host()
            ),
        })
    }

    /// A new session with `server`.
    pub(crate) fn session(&self, server: &Server) -> Result<Session, TransportError> {
        let name = self.name_for(server)?;
        Session::new(Arc::clone(&self.config), name).map_err(|e| TransportError::Tls {
            server: server.clone(),
            reason: words(&e),
        })
    }
}

/// The largest PEM file read: a system's whole CA bundle is a few hundred
/// KiB.
const MAX_PEM: u64 = 16 << 20;

/// The bytes of the PEM file `path` (`flag`'s), at most [`MAX_PEM`]:
/// a file that never ends (`/dev/zero`) is refused, not read whole.
fn read_pem(flag: &'static str, path: &Path) -> Result<Vec<u8>, TlsSetupError> {
    use std::io::Read;
    let file_error = |why: String| TlsSetupError::File {
        flag,
        path: path.to_path_buf(),
        why,
    };
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|file| file.take(MAX_PEM + 1).read_to_end(&mut bytes))
        .map_err(|e| file_error(format!("cannot read ({e})")))?;
    if bytes.len() as u64 > MAX_PEM {
        return Err(file_error(format!("larger than {MAX_PEM} bytes")));
    }
    Ok(bytes)
}

/// The certificates of the PEM file `path`, named by `flag` in errors.
fn certificates(
    flag: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, TlsSetupError> {
    let file_error = |why: String| TlsSetupError::File {
        flag,
        path: path.to_path_buf(),
        why,
    };
    let pem = read_pem(flag, path)?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| file_error(format!("not PEM certificates ({e})")))?;
    if certs.is_empty() {
        return Err(file_error("holds no certificate".to_string()));
    }
    Ok(certs)
}

/// The trusted authorities: those of `ca`, or the platform's.
fn roots(ca: Option<&Path>) -> Result<(RootCertStore, Trust), TlsSetupError> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = ca {
        let certs = certificates("--tls-ca", path)?;
        let (added, _) = roots.add_parsable_certificates(certs);
        if added == 0 {
            return Err(TlsSetupError::File {
                flag: "--tls-ca",
                path: path.to_path_buf(),
                why: "holds no usable certificate authority".to_string(),
            });
        }
        return Ok((roots, Trust::File(path.to_path_buf(), added)));
    }
    let found = rustls_native_certs::load_native_certs();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        let why = found
            .errors
            .first()
            .map_or_else(|| "it is empty".to_string(), ToString::to_string);
        return Err(TlsSetupError::NoRoots(why));
    }
    Ok((roots, Trust::Platform(added)))
}
