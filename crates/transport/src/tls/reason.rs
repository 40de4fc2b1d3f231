//! A TLS failure in words a user acts on: which of the usual causes it is,
//! then rustls's own account.

use rustls::{AlertDescription, CertificateError, Error, InvalidMessage};

/// `error` as the reason of a [`crate::TransportError::Tls`].
pub(crate) fn words(error: &Error) -> String {
    match cause(error) {
        Some(cause) => format!("{cause} ({error})"),
        None => error.to_string(),
    }
}

/// The usual cause `error` stands for, if it is one.
fn cause(error: &Error) -> Option<&'static str> {
    Some(match error {
        Error::InvalidCertificate(e) => match e {
            CertificateError::UnknownIssuer => "unknown certificate authority",
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "name mismatch: the certificate is not for this server name (see --tls-sni)"
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "the server's certificate has expired"
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "the server's certificate is not valid yet"
            }
            CertificateError::Revoked => "the server's certificate is revoked",
            _ => "the server's certificate is not acceptable",
        },
        Error::AlertReceived(alert) => match alert {
            AlertDescription::ProtocolVersion => {
                "protocol version: no TLS version both sides speak"
            }
            AlertDescription::HandshakeFailure => {
                "handshake failure: no cipher suite or protocol version both sides speak"
            }
            AlertDescription::CertificateRequired => {
                "the server requires a client certificate (give --tls-cert and --tls-key)"
            }
            AlertDescription::UnknownCA
            | AlertDescription::BadCertificate
            | AlertDescription::UnsupportedCertificate
            | AlertDescription::CertificateUnknown
            | AlertDescription::DecryptError => "the server refused this client's certificate",
            _ => "the server ended the handshake",
        },
        Error::InvalidMessage(
            InvalidMessage::InvalidContentType | InvalidMessage::UnknownProtocolVersion,
        ) => "the server does not speak TLS (a plaintext port?)",
        Error::PeerIncompatible(_) => {
            "protocol version or cipher suite: the server is incompatible"
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_usual_causes_are_named() {
        let unknown = words(&Error::InvalidCertificate(CertificateError::UnknownIssuer));
        assert!(
            unknown.starts_with("unknown certificate authority ("),
            "{unknown}"
        );
        let name = words(&Error::InvalidCertificate(
            CertificateError::NotValidForName,
        ));
        assert!(name.starts_with("name mismatch"), "{name}");
        let expired = words(&Error::InvalidCertificate(CertificateError::Expired));
        assert!(expired.contains("expired"), "{expired}");
        let version = words(&Error::AlertReceived(AlertDescription::ProtocolVersion));
        assert!(version.starts_with("protocol version"), "{version}");
        let plain = words(&Error::InvalidMessage(InvalidMessage::InvalidContentType));
        assert!(plain.contains("does not speak TLS"), "{plain}");
        let other = words(&Error::DecryptError);
        assert_eq!(other, Error::DecryptError.to_string());
    }
}
