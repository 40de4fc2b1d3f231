//! Counters in the JSON, and read back from it.

use memaslap_engine::{Counters, Errors};
use serde::{Deserialize, Serialize};

/// Every counter.
#[derive(Debug, Serialize, Deserialize)]
pub struct CountersJson {
    cmd_get: u64,
    cmd_set: u64,
    get_misses: u64,
    verify_misses: u64,
    verify_failed: u64,
    expired_get: u64,
    unexpired_unget: u64,
    written_bytes: u64,
    read_bytes: u64,
    object_bytes: u64,
    get_net_bytes: u64,
    set_net_bytes: u64,
    packet_disorder: u64,
    packet_drop: u64,
    udp_timeout: u64,
    packet_duplicate: u64,
    packet_foreign: u64,
    requests_sent: u64,
    requests_completed: u64,
    requests_failed: u64,
    requests_timed_out: u64,
    fills: u64,
    errors: ErrorsJson,
}

/// Errors by kind.
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorsJson {
    server_error: u64,
    client_error: u64,
    protocol_error: u64,
    timeout: u64,
    disconnect: u64,
}

impl From<&Errors> for ErrorsJson {
    fn from(e: &Errors) -> ErrorsJson {
        ErrorsJson {
            server_error: e.server_error,
            client_error: e.client_error,
            protocol_error: e.protocol_error,
            timeout: e.timeout,
            disconnect: e.disconnect,
        }
    }
}

impl From<&Counters> for CountersJson {
    fn from(c: &Counters) -> CountersJson {
        CountersJson {
            cmd_get: c.cmd_get,
            cmd_set: c.cmd_set,
            get_misses: c.get_misses,
            verify_misses: c.verify_misses,
            verify_failed: c.verify_failed,
            expired_get: c.expired_get,
            unexpired_unget: c.unexpired_unget,
            written_bytes: c.written_bytes,
            read_bytes: c.read_bytes,
            object_bytes: c.object_bytes,
            get_net_bytes: c.get_net_bytes,
            set_net_bytes: c.set_net_bytes,
            packet_disorder: c.packet_disorder,
            packet_drop: c.packet_drop,
            udp_timeout: c.udp_timeout,
            packet_duplicate: c.packet_duplicate,
            packet_foreign: c.packet_foreign,
            requests_sent: c.requests_sent,
            requests_completed: c.requests_completed,
            requests_failed: c.requests_failed,
            requests_timed_out: c.requests_timed_out,
            fills: c.fills,
            errors: ErrorsJson::from(&c.errors),
        }
    }
}

impl CountersJson {
    /// The counters these came from; the open loop's and the commands'
    /// counts are elsewhere in the document and left at zero.
    pub fn counters(&self) -> Counters {
        let e = &self.errors;
        Counters {
            cmd_get: self.cmd_get,
            cmd_set: self.cmd_set,
            get_misses: self.get_misses,
            verify_misses: self.verify_misses,
            verify_failed: self.verify_failed,
            expired_get: self.expired_get,
            unexpired_unget: self.unexpired_unget,
            written_bytes: self.written_bytes,
            read_bytes: self.read_bytes,
            object_bytes: self.object_bytes,
            get_net_bytes: self.get_net_bytes,
            set_net_bytes: self.set_net_bytes,
            packet_disorder: self.packet_disorder,
            packet_drop: self.packet_drop,
            udp_timeout: self.udp_timeout,
            packet_duplicate: self.packet_duplicate,
            packet_foreign: self.packet_foreign,
            requests_sent: self.requests_sent,
            requests_completed: self.requests_completed,
            requests_failed: self.requests_failed,
            requests_timed_out: self.requests_timed_out,
            fills: self.fills,
            errors: Errors {
                server_error: e.server_error,
                client_error: e.client_error,
                protocol_error: e.protocol_error,
                timeout: e.timeout,
                disconnect: e.disconnect,
            },
            ..Counters::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_counter_survives_the_json() {
        let mut c = Counters::default();
        let fields = [
            &mut c.cmd_get,
            &mut c.cmd_set,
            &mut c.get_misses,
            &mut c.verify_misses,
            &mut c.verify_failed,
            &mut c.expired_get,
            &mut c.unexpired_unget,
            &mut c.written_bytes,
            &mut c.read_bytes,
            &mut c.object_bytes,
            &mut c.get_net_bytes,
            &mut c.set_net_bytes,
            &mut c.packet_disorder,
            &mut c.packet_drop,
            &mut c.udp_timeout,
            &mut c.packet_duplicate,
            &mut c.packet_foreign,
            &mut c.requests_sent,
            &mut c.requests_completed,
            &mut c.requests_failed,
            &mut c.requests_timed_out,
            &mut c.fills,
            &mut c.errors.server_error,
            &mut c.errors.client_error,
            &mut c.errors.protocol_error,
            &mut c.errors.timeout,
            &mut c.errors.disconnect,
        ];
        for (i, field) in fields.into_iter().enumerate() {
            *field = 1000 + i as u64;
        }
        let text = serde_json::to_string(&CountersJson::from(&c)).unwrap();
        let back: CountersJson = serde_json::from_str(&text).unwrap();
        assert_eq!(back.counters(), c);
    }
}
