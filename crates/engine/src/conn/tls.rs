//! What a connection counts of TLS: its sockets' handshakes and the
//! sockets lost to TLS failures.

use crate::stats::Stats;
use memaslap_transport::{TransportError, TransportEvent};

/// Counts a TLS handshake (true: the event is only that) or a socket lost
/// to TLS.
pub(super) fn counted(event: &TransportEvent, stats: &mut Stats) -> bool {
    match event {
        TransportEvent::Secured { took, resumed, .. } => {
            let tls = stats.tls.get_or_insert_default();
            tls.handshakes.record(*took);
            tls.resumed += u64::from(*resumed);
            true
        }
        TransportEvent::Disconnected {
            error: TransportError::Tls { .. },
            ..
        }
        | TransportEvent::RetryFailed {
            error: TransportError::Tls { .. },
            ..
        } => {
            stats.tls.get_or_insert_default().failed += 1;
            false
        }
        _ => false,
    }
}
