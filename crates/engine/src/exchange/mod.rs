//! Requests and their replies, in either protocol: tasks encoded into the
//! slices to send, and replies consumed from received bytes while results
//! go back to the generator and into the counters. Several requests may be
//! outstanding (`--depth`); memcached answers them in order on a connection,
//! so replies are matched to the oldest (in the binary protocol its opaque
//! must name it). No I/O.

mod ascii;
mod batch;
mod binary;
#[cfg(test)]
mod binary_tests;
mod codec;
#[cfg(test)]
mod command_tests;
#[cfg(test)]
mod depth_tests;
mod error_line;
mod hit;
#[cfg(test)]
mod hit_tests;
mod meta;
mod multi;
mod pending;
mod reply;
mod size;
#[cfg(test)]
mod tests;

pub use batch::{MAX_BATCH, MAX_SLICES, NetBytes};
pub use size::{Largest, largest_requests};

use crate::failure::VerifyFailure;
use crate::stats::Counters;
use batch::WriteBatch;
use codec::{AnyCodec, Codec};
use error_line::ErrorLine;
use memaslap_proto::binary as bin;
use memaslap_workload::{
    Command, GetKeys, KeyOutcome, KeyTask, SetKind, SetOutcome, SetTask, Source, Task, TaskId,
};
use multi::KeyList;
use pending::Pending;
use reply::{Blame, Results, State};
use std::collections::VecDeque;
use std::time::Instant;

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// memcached's text protocol.
    Ascii,
    /// memcached's binary protocol.
    Binary,
    /// memcached's meta protocol (`mg`, `ms`, `mn`).
    Meta,
}

/// The kind of a request, as memaslap's report divides them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A retrieval: a get or multi-get (`get`, `gets`, `gat`, `gats`).
    Get,
    /// An update: a storage command, `delete`, `incr`, `decr` or `touch`.
    Set,
}

/// How a request ended once its whole reply was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// What the request was.
    pub kind: Kind,
    /// Its command.
    pub command: Command,
    /// Whether the reply was an error (counted in [`Counters::errors`]).
    pub failed: bool,
    /// When the request was begun.
    pub started: Instant,
    /// When it was meant to begin: in the open loop, when it fell due
    /// (else when it was begun).
    pub intended: Instant,
}

/// What a call to [`Exchange::receive`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// The oldest request's end, when its reply is complete.
    pub done: Option<Done>,
}

/// The reply broke the protocol: the byte stream can no longer be trusted
/// to be in step with the requests, so the connection must be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desync;

/// A request's encoding could not be made (a key the protocol refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unencodable;

/// The requests outstanding on one connection and the buffers to encode
/// them; values are borrowed from the workload (`'w`), never copied.
#[derive(Debug)]
pub struct Exchange<'w> {
    protocol: Protocol,
    depth: usize,
    batch: WriteBatch<'w>,
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    /// Which keys of the oldest request, a get, were answered.
    answered: Vec<bool>,
    outstanding: VecDeque<Request>,
    codec: AnyCodec,
    /// Keep the details of failed checks (`-b`).
    verbose: bool,
    /// Whether the source judges gets' answers ([`Source::checks_gets`]).
    checks: bool,
    failures: Vec<VerifyFailure>,
    error_line: ErrorLine,
}

/// The most requests whose replies' state is prefetched before a receive:
/// a few more than one receive brings (at `--depth 16` with 1 KiB values,
/// one to three replies, two on average). Each one named costs a walk of
/// the outstanding requests; at 16 that walk was most of a read's own
/// instructions.
const PREFETCH_REPLIES: usize = 4;

/// One outstanding request.
#[derive(Debug, Clone, Copy)]
struct Request {
    id: TaskId,
    pending: Pending,
    started: Instant,
    intended: Instant,
}

impl<'w> Exchange<'w> {
    /// An exchange for `protocol` with one request outstanding at a time,
    /// its buffers sized for multi-gets of up to `division` keys and values
    /// of up to `max_value` bytes.
    pub fn new(protocol: Protocol, division: usize, max_value: usize) -> Exchange<'w> {
        let division = division.max(1);
        let max_key = memaslap_proto::MAX_KEY_LEN;
        Exchange {
            protocol,
            depth: 1,
            batch: WriteBatch::new(request_capacity(division), 1),
            keys: Vec::with_capacity(division * max_key),
            key_ends: Vec::with_capacity(division),
            answered: Vec::with_capacity(division),
            outstanding: VecDeque::with_capacity(1),
            codec: AnyCodec::new(protocol, max_value),
            verbose: false,
            checks: true,
            failures: Vec::new(),
            error_line: ErrorLine::default(),
        }
    }

    /// Allows `depth` requests outstanding at once (at least 1), written up
    /// to `MAX_BATCH` (64) at a time.
    pub fn with_depth(mut self, depth: usize) -> Exchange<'w> {
        self.depth = depth.max(1);
        self.outstanding = VecDeque::with_capacity(self.depth);
        let division = self.key_ends.capacity().max(1);
        let batched = self.depth.min(MAX_BATCH);
        self.batch = WriteBatch::new(request_capacity(division) * batched, batched);
        self
    }

    /// Keeps the details of every failed check, for
    /// [`Exchange::take_failures`].
    pub fn with_details(mut self, verbose: bool) -> Exchange<'w> {
        self.verbose = verbose;
        self
    }

    /// Leaves out asking the source to judge gets' answers when it never
    /// does (`checks` false: [`Source::checks_gets`]).
    pub fn with_checks(mut self, checks: bool) -> Exchange<'w> {
        self.checks = checks;
        self
    }

    /// Moves the failed checks kept since the last call into `out`.
    pub fn take_failures(&mut self, out: &mut Vec<VerifyFailure>) {
        if !self.failures.is_empty() {
            out.append(&mut self.failures);
        }
    }

    /// How many requests may be outstanding.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// The kind of the oldest outstanding request, if any.
    pub fn pending(&self) -> Option<Kind> {
        self.outstanding.front().map(|r| r.pending.kind())
    }

    /// How many requests are outstanding (begun and not answered).
    pub fn outstanding(&self) -> usize {
        self.outstanding.len()
    }

    /// The request begun last was meant to begin at `intended` (it fell
    /// due then, in the open loop).
    pub fn intend(&mut self, intended: Instant) {
        if let Some(newest) = self.outstanding.back_mut() {
            newest.intended = intended;
        }
    }

    /// Starts loading what the replies of the oldest requests (up to four,
    /// `PREFETCH_REPLIES`) will touch in `generator`, and what its next
    /// tasks will, before a receive: a hint. A pipelined connection's
    /// records are out of the cache by the time its replies come, after
    /// a round of every connection's replies.
    #[inline]
    pub fn prefetch_ahead<'g>(&self, generator: &impl Source<'g>) {
        let n = self.outstanding.len().min(PREFETCH_REPLIES);
        generator
            .prefetch((0..n).filter_map(|i| self.outstanding.get(i).map(|request| request.id)));
        generator.prefetch_next();
    }

    /// When the oldest outstanding request was begun.
    pub fn oldest_start(&self) -> Option<Instant> {
        self.outstanding.front().map(|r| r.started)
    }

    /// Whether the write being gathered has room for another request.
    pub fn has_room(&self) -> bool {
        !self.batch.is_full()
    }

    /// Whether requests are begun and not yet written.
    pub fn has_unwritten(&self) -> bool {
        !self.batch.is_empty()
    }

    /// Gives up every outstanding request (its connection was lost or a
    /// reply was late): sets and key tasks are reported lost, gets ended,
    /// unwritten bytes dropped, each counted lost under its command in
    /// `counters`. Returns how many requests were given up.
    pub fn abandon<'g>(
        &mut self,
        generator: &mut impl Source<'g>,
        counters: &mut Counters,
        now: Instant,
    ) -> usize {
        let count = self.outstanding.len();
        for request in self.outstanding.drain(..) {
            counters.command(request.pending.command()).lost += 1;
            match request.pending {
                Pending::Set { .. } => generator.complete_set(request.id, SetOutcome::Lost, now),
                Pending::Get { .. } => generator.finish_get(request.id),
                Pending::Key { .. } => generator.complete_key(request.id, KeyOutcome::Lost, now),
            }
        }
        self.batch.clear();
        self.answered.clear();
        count
    }

    /// Encodes task `id`, whatever it is, into the write being gathered;
    /// it is outstanding from `now`.
    pub fn begin(
        &mut self,
        id: TaskId,
        task: &Task<'w, impl GetKeys<'w>>,
        now: Instant,
    ) -> Result<(), Unencodable> {
        match task {
            Task::Set(set) => self.begin_set(id, set, now),
            Task::Get(batch) => self.begin_get(id, batch, now),
            Task::Key(key) => self.begin_key(id, key, now),
        }
    }

    /// Encodes set `id` into the write being gathered; it is outstanding
    /// from `now`.
    pub fn begin_set(
        &mut self,
        id: TaskId,
        set: &SetTask<'w>,
        now: Instant,
    ) -> Result<(), Unencodable> {
        self.keys.clear();
        set.key.append_to(&mut self.keys);
        let mark = self.batch.start();
        let out = self.batch.bytes_mut();
        let encoded = self.codec.encode_set(
            out,
            &self.keys,
            set.exptime,
            set.value.len(),
            set.store,
            tag(id),
        );
        if encoded.is_err() {
            self.batch.rollback(mark);
            return encoded;
        }
        let crlf = self.codec.value_crlf();
        self.batch.finish(mark, set.value, crlf, true);
        let object_bytes = self.keys.len() + set.value.len();
        let pending = Pending::Set {
            object_bytes,
            store: set.store,
            fill: set.kind == SetKind::Fill,
        };
        self.push(id, pending, now);
        Ok(())
    }

    /// Encodes key task `id` (delete, incr, decr, touch) into the write
    /// being gathered; it is outstanding from `now`.
    pub fn begin_key(
        &mut self,
        id: TaskId,
        task: &KeyTask<'w>,
        now: Instant,
    ) -> Result<(), Unencodable> {
        self.keys.clear();
        task.key.append_to(&mut self.keys);
        let mark = self.batch.start();
        let out = self.batch.bytes_mut();
        let encoded = self.codec.encode_key(out, &self.keys, task.op, tag(id));
        if encoded.is_err() {
            self.batch.rollback(mark);
            return encoded;
        }
        self.batch.finish(mark, &[], false, true);
        self.push(id, Pending::Key { op: task.op }, now);
        Ok(())
    }

    /// Encodes get `id` of every key of `batch` into the write being
    /// gathered; it is outstanding from `now`.
    pub fn begin_get(
        &mut self,
        id: TaskId,
        batch: &impl GetKeys<'w>,
        now: Instant,
    ) -> Result<(), Unencodable> {
        let mark = self.batch.start();
        let retrieve = batch.retrieve();
        let (encoded, keys) = match batch.key(0).filter(|_| batch.len() == 1) {
            // One key, the usual get: written straight into the batch.
            Some(key) => {
                let out = self.batch.bytes_mut();
                let scratch = &mut self.keys;
                let encoded = self
                    .codec
                    .encode_get_one(out, key, scratch, retrieve, tag(id));
                (encoded, 1)
            }
            None => self.encode_multi_get(id, batch, retrieve),
        };
        if encoded.is_err() {
            self.batch.rollback(mark);
            return encoded;
        }
        self.batch.finish(mark, &[], false, false);
        let pending = Pending::Get {
            keys,
            blame: None,
            retrieve,
        };
        self.push(id, pending, now);
        Ok(())
    }

    #[inline]
    fn push(&mut self, id: TaskId, pending: Pending, started: Instant) {
        self.outstanding.push_back(Request {
            id,
            pending,
            started,
            intended: started,
        });
        if self.outstanding.len() == 1 {
            self.prepare_oldest();
        }
    }

    /// Resets the answered keys for the (new) oldest request.
    #[inline]
    fn prepare_oldest(&mut self) {
        let keys = self.outstanding.front().map_or(0, |r| r.pending.keys());
        if let [answered] = self.answered.as_mut_slice()
            && keys == 1
        {
            // One key after one key, the usual get after a get.
            *answered = false;
            return;
        }
        self.answered.clear();
        if keys > 0 {
            self.answered.resize(keys, false);
        }
    }

    /// Closes the write being gathered and hands its slices (command bytes
    /// and values, in order) to `write`. Send exactly those slices until
    /// written, then call [`Exchange::written`].
    #[inline]
    pub fn with_slices<R>(&mut self, write: impl FnOnce(&[&[u8]]) -> R) -> R {
        self.batch.seal();
        self.batch.with_slices(write)
    }

    /// The gathered write has been sent; returns its bytes by kind.
    pub fn written(&mut self) -> NetBytes {
        self.batch.clear()
    }

    /// Consumes reply bytes from the start of `buf` until the oldest
    /// request is complete or more bytes are needed. Results go to
    /// `generator` (set outcomes, get verdicts) and `counters`. Call again
    /// with the rest while requests are outstanding.
    #[inline]
    pub fn receive<'g>(
        &mut self,
        buf: &[u8],
        generator: &mut impl Source<'g>,
        counters: &mut Counters,
        now: Instant,
    ) -> Result<Received, Desync> {
        if matches!(buf.first_chunk::<2>(), Some(b"ER" | b"SE" | b"CL")) {
            self.error_line.note(buf);
        }
        if let Some(received) = self.receive_hit(buf, generator, counters) {
            return Ok(received);
        }
        let Some(request) = self.outstanding.front().copied() else {
            // Bytes while nothing is outstanding: the server said something
            // unasked.
            return if buf.is_empty() {
                Ok(Received {
                    consumed: 0,
                    done: None,
                })
            } else {
                Err(Desync)
            };
        };
        let mut results = Results {
            generator,
            counters,
            command: request.pending.command(),
            fill: matches!(request.pending, Pending::Set { fill: true, .. }),
            id: request.id,
            answered: &mut self.answered,
            failures: self.verbose.then_some(&mut self.failures),
            checks: self.checks,
            now,
        };
        let (consumed, state) =
            self.codec
                .receive(buf, request.pending, tag(request.id), &mut results)?;
        let done = state.done.map(|(kind, failed)| Done {
            kind,
            command: request.pending.command(),
            failed,
            started: request.started,
            intended: request.intended,
        });
        if done.is_some() {
            self.outstanding.pop_front();
            self.prepare_oldest();
        } else if let (Some(front), Some(pending)) = (self.outstanding.front_mut(), state.pending) {
            front.pending = pending;
        }
        Ok(Received { consumed, done })
    }
}

/// Room for one request's command bytes.
fn request_capacity(division: usize) -> usize {
    division * (memaslap_proto::MAX_KEY_LEN + bin::HEADER_LEN + 2) + 64
}

/// The binary opaque's upper half naming request `id`.
fn tag(id: TaskId) -> u32 {
    (id.index() as u32) << 16
}
