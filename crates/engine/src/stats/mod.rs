//! Per-thread statistics: latencies per operation kind and every counter of
//! memaslap's report plus the faults it did not count. Each worker owns one
//! [`Stats`] per reporting interval; the reporter merges them.

use crate::latency::Latency;
use memaslap_workload::{COMMANDS, Command};

/// Counters of one interval (or of a whole run once merged).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Keys asked for by get requests (a multi-get of `d` keys counts `d`).
    pub cmd_get: u64,
    /// Set requests sent.
    pub cmd_set: u64,
    /// Keys asked for that the server did not return.
    pub get_misses: u64,
    /// Verified gets whose item was missing although it must exist.
    pub verify_misses: u64,
    /// Verified gets whose value had the wrong length or bytes.
    pub verify_failed: u64,
    /// Values returned more than TTL + 5 s after they were set.
    pub expired_get: u64,
    /// Misses of items whose TTL was still more than 5 s away.
    pub unexpired_unget: u64,
    /// Bytes written to sockets.
    pub written_bytes: u64,
    /// Bytes read from sockets.
    pub read_bytes: u64,
    /// Key and value bytes of the sets the server answered.
    pub object_bytes: u64,
    /// Bytes written and read for gets (part of `written_bytes` and
    /// `read_bytes`).
    pub get_net_bytes: u64,
    /// Bytes written and read for sets.
    pub set_net_bytes: u64,
    /// UDP datagrams that arrived out of order.
    pub packet_disorder: u64,
    /// UDP datagrams that never arrived.
    pub packet_drop: u64,
    /// UDP requests that timed out.
    pub udp_timeout: u64,
    /// UDP datagrams received a second time (dropped).
    pub packet_duplicate: u64,
    /// UDP datagrams for another request, or for none (dropped).
    pub packet_foreign: u64,
    /// Requests sent (a multi-get counts once).
    pub requests_sent: u64,
    /// Requests that ended with a response (hit, miss, stored or not).
    pub requests_completed: u64,
    /// Requests that ended in an error (see [`Errors`]).
    pub requests_failed: u64,
    /// Requests that ended in a timeout.
    pub requests_timed_out: u64,
    /// Open loop: requests that fell due (sent, dropped, or still waiting
    /// in the backlog at the end).
    pub requests_due: u64,
    /// Open loop: requests dropped unsent because the backlog was full.
    pub requests_dropped: u64,
    /// Open loop: requests still waiting in the backlog when the run
    /// stopped issuing (in a replay, records still queued).
    pub backlog_at_end: u64,
    /// Trace replay: sets of objects a replayed get missed (demand
    /// fills), answered; part of the `set` command's counts.
    pub fills: u64,
    /// Errors by kind.
    pub errors: Errors,
    /// What became of the requests of each command, in
    /// [`Command::index`] order.
    pub commands: [CommandCounts; COMMANDS],
}

/// What became of the requests of one command. A request ends once: as
/// `completed` (its reply in, whatever it said), `errors` (an error
/// reply) or `lost` (timed out, or its connection lost). `hits`,
/// `misses` and `refused` divide what the completed replies said: for a
/// retrieval in keys (a multi-get of `d` keys counts `d`), for the others
/// in requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommandCounts {
    /// Requests whose reply came in without an error.
    pub completed: u64,
    /// Keys asked for (retrievals; 1 per request for the others).
    pub keys: u64,
    /// Found: a value returned, `STORED`, `DELETED`, `TOUCHED`, a number.
    pub hits: u64,
    /// Not found: a retrieval's miss, `NOT_FOUND`.
    pub misses: u64,
    /// Refused by its condition: `NOT_STORED`, `EXISTS`.
    pub refused: u64,
    /// Requests answered with an error.
    pub errors: u64,
    /// Requests that timed out or whose connection was lost.
    pub lost: u64,
}

impl CommandCounts {
    fn combine(&mut self, other: &CommandCounts, f: impl Fn(&mut u64, u64)) {
        let CommandCounts {
            completed,
            keys,
            hits,
            misses,
            refused,
            errors,
            lost,
        } = other;
        f(&mut self.completed, *completed);
        f(&mut self.keys, *keys);
        f(&mut self.hits, *hits);
        f(&mut self.misses, *misses);
        f(&mut self.refused, *refused);
        f(&mut self.errors, *errors);
        f(&mut self.lost, *lost);
    }

    /// Requests that ended: completed, errors and lost.
    pub fn requests(&self) -> u64 {
        self.completed + self.errors + self.lost
    }
}

/// Errors by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Errors {
    /// `SERVER_ERROR` replies and binary server-side error statuses.
    pub server_error: u64,
    /// `CLIENT_ERROR` / `ERROR` replies and binary request-error statuses.
    pub client_error: u64,
    /// Replies that broke the protocol (unparseable, unexpected key, bad
    /// lengths).
    pub protocol_error: u64,
    /// Requests that got no reply in time.
    pub timeout: u64,
    /// Connections closed or reset by the peer or the network.
    pub disconnect: u64,
}

impl Counters {
    /// Adds `other` into `self`, field by field.
    pub fn merge(&mut self, other: &Counters) {
        self.combine(other, |a, b| *a += b);
    }

    /// What was counted since `earlier`, a copy of these counters taken
    /// before (field by field; a field that went down gives 0).
    pub fn since(&self, earlier: &Counters) -> Counters {
        let mut delta = *self;
        delta.combine(earlier, |a, b| *a = a.saturating_sub(b));
        delta
    }

    /// Applies `f` to each field of `self` with the same field of `other`.
    fn combine(&mut self, other: &Counters, f: impl Fn(&mut u64, u64) + Copy) {
        let Counters {
            cmd_get,
            cmd_set,
            get_misses,
            verify_misses,
            verify_failed,
            expired_get,
            unexpired_unget,
            written_bytes,
            read_bytes,
            object_bytes,
            get_net_bytes,
            set_net_bytes,
            packet_disorder,
            packet_drop,
            udp_timeout,
            packet_duplicate,
            packet_foreign,
            requests_sent,
            requests_completed,
            requests_failed,
            requests_timed_out,
            requests_due,
            requests_dropped,
            backlog_at_end,
            fills,
            errors,
            commands,
        } = other;
        f(&mut self.cmd_get, *cmd_get);
        f(&mut self.cmd_set, *cmd_set);
        f(&mut self.get_misses, *get_misses);
        f(&mut self.verify_misses, *verify_misses);
        f(&mut self.verify_failed, *verify_failed);
        f(&mut self.expired_get, *expired_get);
        f(&mut self.unexpired_unget, *unexpired_unget);
        f(&mut self.written_bytes, *written_bytes);
        f(&mut self.read_bytes, *read_bytes);
        f(&mut self.object_bytes, *object_bytes);
        f(&mut self.get_net_bytes, *get_net_bytes);
        f(&mut self.set_net_bytes, *set_net_bytes);
        f(&mut self.packet_disorder, *packet_disorder);
        f(&mut self.packet_drop, *packet_drop);
        f(&mut self.udp_timeout, *udp_timeout);
        f(&mut self.packet_duplicate, *packet_duplicate);
        f(&mut self.packet_foreign, *packet_foreign);
        f(&mut self.requests_sent, *requests_sent);
        f(&mut self.requests_completed, *requests_completed);
        f(&mut self.requests_failed, *requests_failed);
        f(&mut self.requests_timed_out, *requests_timed_out);
        f(&mut self.requests_due, *requests_due);
        f(&mut self.requests_dropped, *requests_dropped);
        f(&mut self.backlog_at_end, *backlog_at_end);
        f(&mut self.fills, *fills);
        self.errors.combine(errors, f);
        for (mine, theirs) in self.commands.iter_mut().zip(commands) {
            mine.combine(theirs, f);
        }
    }

    /// The counts of `command`.
    #[inline]
    #[allow(clippy::indexing_slicing)] // the index is reduced below the length
    pub fn command(&mut self, command: Command) -> &mut CommandCounts {
        &mut self.commands[command.index() % COMMANDS]
    }

    /// The counts of `command`, read.
    pub fn of(&self, command: Command) -> CommandCounts {
        self.commands
            .get(command.index())
            .copied()
            .unwrap_or_default()
    }

    /// Requests sent that have not ended yet:
    /// sent − completed − failed − timed out.
    pub fn in_flight(&self) -> i128 {
        i128::from(self.requests_sent)
            - i128::from(self.requests_completed)
            - i128::from(self.requests_failed)
            - i128::from(self.requests_timed_out)
    }
}

impl Errors {
    /// Adds `other` into `self`, field by field.
    pub fn merge(&mut self, other: &Errors) {
        self.combine(other, |a, b| *a += b);
    }

    fn combine(&mut self, other: &Errors, f: impl Fn(&mut u64, u64)) {
        let Errors {
            server_error,
            client_error,
            protocol_error,
            timeout,
            disconnect,
        } = other;
        f(&mut self.server_error, *server_error);
        f(&mut self.client_error, *client_error);
        f(&mut self.protocol_error, *protocol_error);
        f(&mut self.timeout, *timeout);
        f(&mut self.disconnect, *disconnect);
    }
}

/// The statistics of one interval: latencies of gets and sets, misses per
/// kind as memaslap's `Get_miss` column shows them, and the counters. In
/// the open loop, `get` and `set` hold the response time (from the intended
/// send time) and [`Stats::open`] the service time and send lag.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Latencies of get requests (one per request, multi-gets included).
    pub get: Latency,
    /// Latencies of set requests.
    pub set: Latency,
    /// Every counter.
    pub counters: Counters,
    /// The open loop's other latencies (absent in the closed loop).
    pub open: Option<Box<OpenLatency>>,
    /// Latencies by command (kept only when the run asks for them).
    pub commands: Option<Box<CommandLatency>>,
    /// TLS handshakes (with `--tls`).
    pub tls: Option<Box<TlsStats>>,
}

/// What the TLS handshakes took, and how many failed.
#[derive(Debug, Clone, Default)]
pub struct TlsStats {
    /// Each handshake's time, from the TCP connect to its end.
    pub handshakes: Latency,
    /// Handshakes that resumed an earlier session.
    pub resumed: u64,
    /// Sockets lost to a TLS failure (a handshake refused or cut short, a
    /// certificate not trusted, an alert).
    pub failed: u64,
}

impl TlsStats {
    fn merge(&mut self, other: &TlsStats) {
        self.handshakes.merge(&other.handshakes);
        self.resumed += other.resumed;
        self.failed += other.failed;
    }

    fn reset(&mut self) {
        self.handshakes.reset();
        self.resumed = 0;
        self.failed = 0;
    }

    fn settle_histograms(&mut self) {
        self.handshakes.settle_histogram();
    }
}

/// Latencies by command, in [`Command::index`] order.
#[derive(Debug, Clone)]
pub struct CommandLatency {
    by: Box<[Latency]>,
}

impl Default for CommandLatency {
    fn default() -> CommandLatency {
        CommandLatency {
            by: (0..COMMANDS).map(|_| Latency::new()).collect(),
        }
    }
}

impl CommandLatency {
    /// Records one request of `command`.
    #[inline]
    pub fn record(&mut self, command: Command, latency: std::time::Duration) {
        if let Some(l) = self.by.get_mut(command.index()) {
            l.record(latency);
        }
    }

    /// The latencies of `command`.
    pub fn of(&self, command: Command) -> Option<&Latency> {
        self.by.get(command.index())
    }

    /// Replaces the latencies of `command` with `latency` (a saved record
    /// read back).
    pub fn set(&mut self, command: Command, latency: Latency) {
        if let Some(l) = self.by.get_mut(command.index()) {
            *l = latency;
        }
    }

    fn merge(&mut self, other: &CommandLatency) {
        for (mine, theirs) in self.by.iter_mut().zip(other.by.iter()) {
            mine.merge(theirs);
        }
    }

    fn reset(&mut self) {
        self.by.iter_mut().for_each(Latency::reset);
    }

    fn settle_histograms(&mut self) {
        self.by.iter_mut().for_each(Latency::settle_histogram);
    }
}

/// What the open loop measures beside the response time.
#[derive(Debug, Clone, Default)]
pub struct OpenLatency {
    /// Service time of gets: from the actual send to the reply.
    pub service_get: Latency,
    /// Service time of sets.
    pub service_set: Latency,
    /// Send lag of gets: actual send time minus intended.
    pub lag_get: Latency,
    /// Send lag of sets.
    pub lag_set: Latency,
}

impl OpenLatency {
    fn merge(&mut self, other: &OpenLatency) {
        self.service_get.merge(&other.service_get);
        self.service_set.merge(&other.service_set);
        self.lag_get.merge(&other.lag_get);
        self.lag_set.merge(&other.lag_set);
    }

    fn reset(&mut self) {
        self.service_get.reset();
        self.service_set.reset();
        self.lag_get.reset();
        self.lag_set.reset();
    }

    fn settle_histograms(&mut self) {
        self.service_get.settle_histogram();
        self.service_set.settle_histogram();
        self.lag_get.settle_histogram();
        self.lag_set.settle_histogram();
    }

    /// Service time of every request.
    pub fn service_total(&self) -> Latency {
        let mut total = self.service_get.clone();
        total.merge(&self.service_set);
        total
    }

    /// Send lag of every request.
    pub fn lag_total(&self) -> Latency {
        let mut total = self.lag_get.clone();
        total.merge(&self.lag_set);
        total
    }
}

impl Stats {
    /// Empty statistics of an open-loop run.
    pub fn open_loop() -> Stats {
        Stats {
            open: Some(Box::default()),
            ..Stats::default()
        }
    }

    /// Adds `other` into `self`.
    pub fn merge(&mut self, other: &Stats) {
        self.get.merge(&other.get);
        self.set.merge(&other.set);
        self.counters.merge(&other.counters);
        if let Some(theirs) = &other.open {
            self.open.get_or_insert_default().merge(theirs);
        }
        if let Some(theirs) = &other.commands {
            self.commands.get_or_insert_default().merge(theirs);
        }
        if let Some(theirs) = &other.tls {
            self.tls.get_or_insert_default().merge(theirs);
        }
    }

    /// Whether `other` keeps the same records as these: the open loop's
    /// and the per-command latencies (a set reset for reuse must).
    pub fn same_records(&self, other: &Stats) -> bool {
        self.open.is_some() == other.open.is_some()
            && self.commands.is_some() == other.commands.is_some()
    }

    /// Moves every record's pending latencies into its histogram (see
    /// [`Latency::settle_histogram`]).
    pub fn settle_histograms(&mut self) {
        self.get.settle_histogram();
        self.set.settle_histogram();
        if let Some(open) = &mut self.open {
            open.settle_histograms();
        }
        if let Some(commands) = &mut self.commands {
            commands.settle_histograms();
        }
        if let Some(tls) = &mut self.tls {
            tls.settle_histograms();
        }
    }

    /// Forgets everything, keeping allocated memory.
    pub fn reset(&mut self) {
        self.get.reset();
        self.set.reset();
        self.counters = Counters::default();
        if let Some(open) = &mut self.open {
            open.reset();
        }
        if let Some(commands) = &mut self.commands {
            commands.reset();
        }
        if let Some(tls) = &mut self.tls {
            tls.reset();
        }
    }

    /// The same statistics, also keeping latencies by command.
    pub fn by_command(mut self, on: bool) -> Stats {
        self.commands = on.then(Box::default);
        self
    }

    /// Latencies of every request, gets and sets together.
    pub fn total(&self) -> Latency {
        let mut total = self.get.clone();
        total.merge(&self.set);
        total
    }
}

#[cfg(test)]
mod tests;
