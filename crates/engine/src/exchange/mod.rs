//! One request and its reply, in either protocol: a task encoded into the
//! slices to send, and the reply consumed from received bytes while results
//! go back to the generator and into the counters. No I/O.

mod ascii;
mod binary;
#[cfg(test)]
mod tests;

use crate::failure::VerifyFailure;
use crate::stats::Counters;
use memaslap_proto::ascii as text;
use memaslap_proto::binary as bin;
use memaslap_workload::{Generator, GetBatch, SetOutcome, SetTask, Verdict};
use std::time::Instant;

/// The wire protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protocol {
    /// memcached's text protocol.
    Ascii,
    /// memcached's binary protocol.
    Binary,
}

/// The kind of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A get or multi-get.
    Get,
    /// A set.
    Set,
}

/// How a request ended once its whole reply was in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    /// What the request was.
    pub kind: Kind,
    /// Whether the reply was an error (counted in [`Counters::errors`]).
    pub failed: bool,
}

/// What a call to [`Exchange::receive`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes of the input consumed.
    pub consumed: usize,
    /// The request's end, when its reply is complete.
    pub done: Option<Done>,
}

/// The reply broke the protocol: the byte stream can no longer be trusted
/// to be in step with the requests, so the connection must be closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Desync;

/// A request's encoding could not be made (a key the protocol refuses).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unencodable;

/// The request in flight on one connection and the buffers to encode it.
#[derive(Debug)]
pub struct Exchange {
    protocol: Protocol,
    header: Vec<u8>,
    keys: Vec<u8>,
    key_ends: Vec<usize>,
    answered: Vec<bool>,
    pending: Option<Pending>,
    ascii: text::Parser,
    binary: bin::Parser,
    /// Keep the details of failed checks (`-b`).
    verbose: bool,
    failures: Vec<VerifyFailure>,
}

/// What is in flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pending {
    Get { keys: usize, blame: Option<Blame> },
    Set { object_bytes: usize },
}

impl Exchange {
    /// An exchange for `protocol`, its buffers sized for multi-gets of up to
    /// `division` keys and values of up to `max_value` bytes.
    pub fn new(protocol: Protocol, division: usize, max_value: usize) -> Exchange {
        let division = division.max(1);
        let max_key = memaslap_proto::MAX_KEY_LEN;
        let ascii = text::Parser::new(text::Limits {
            max_value,
            ..text::Limits::default()
        });
        let binary = bin::Parser::new(bin::Limits {
            max_body: max_value + 64 + max_key,
        });
        Exchange {
            protocol,
            header: Vec::with_capacity(division * (max_key + bin::HEADER_LEN + 2) + 64),
            keys: Vec::with_capacity(division * max_key),
            key_ends: Vec::with_capacity(division),
            answered: Vec::with_capacity(division),
            pending: None,
            ascii,
            binary,
            verbose: false,
            failures: Vec::new(),
        }
    }

    /// Keeps the details of every failed check, for
    /// [`Exchange::take_failures`].
    pub fn with_details(mut self, verbose: bool) -> Exchange {
        self.verbose = verbose;
        self
    }

    /// Moves the failed checks kept since the last call into `out`.
    pub fn take_failures(&mut self, out: &mut Vec<VerifyFailure>) {
        out.append(&mut self.failures);
    }

    /// The protocol spoken.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// What is in flight, if anything.
    pub fn pending(&self) -> Option<Kind> {
        match self.pending {
            Some(Pending::Get { .. }) => Some(Kind::Get),
            Some(Pending::Set { .. }) => Some(Kind::Set),
            None => None,
        }
    }

    /// Forgets the request in flight (its connection was lost).
    pub fn abandon(&mut self) {
        self.pending = None;
    }

    /// Encodes a set; send [`Exchange::header`], then the value, then
    /// [`Exchange::trailer`].
    pub fn begin_set(&mut self, set: &SetTask<'_>) -> Result<(), Unencodable> {
        self.keys.clear();
        set.key.append_to(&mut self.keys);
        self.header.clear();
        let encoded = match self.protocol {
            Protocol::Ascii => {
                ascii::encode_set(&mut self.header, &self.keys, set).map_err(|_| Unencodable)
            }
            Protocol::Binary => {
                binary::encode_set(&mut self.header, &self.keys, set).map_err(|_| Unencodable)
            }
        };
        encoded?;
        self.pending = Some(Pending::Set {
            object_bytes: self.keys.len() + set.value.len(),
        });
        Ok(())
    }

    /// Encodes a get of every key of `batch`; send [`Exchange::header`].
    pub fn begin_get(&mut self, batch: &GetBatch<'_, '_>) -> Result<(), Unencodable> {
        self.keys.clear();
        self.key_ends.clear();
        for entry in batch.iter() {
            entry.key.append_to(&mut self.keys);
            self.key_ends.push(self.keys.len());
        }
        self.answered.clear();
        self.answered.resize(self.key_ends.len(), false);
        self.header.clear();
        let keys = KeyList {
            bytes: &self.keys,
            ends: &self.key_ends,
        };
        let encoded = match self.protocol {
            Protocol::Ascii => ascii::encode_get(&mut self.header, keys).map_err(|_| Unencodable),
            Protocol::Binary => binary::encode_get(&mut self.header, keys).map_err(|_| Unencodable),
        };
        encoded?;
        self.pending = Some(Pending::Get {
            keys: self.key_ends.len(),
            blame: None,
        });
        Ok(())
    }

    /// The encoded command bytes of the request in flight.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    /// What follows a set's value: `\r\n` in the text protocol; nothing in
    /// the binary one or after a get.
    pub fn trailer(&self) -> &'static [u8] {
        match (self.protocol, self.pending) {
            (Protocol::Ascii, Some(Pending::Set { .. })) => text::CRLF,
            _ => &[],
        }
    }

    /// Consumes reply bytes from the start of `buf` until the request in
    /// flight is complete or more bytes are needed. Results go to `generator`
    /// (set outcomes, get verdicts) and `counters`.
    pub fn receive(
        &mut self,
        buf: &[u8],
        generator: &mut Generator<'_>,
        counters: &mut Counters,
        now: Instant,
    ) -> Result<Received, Desync> {
        let mut ctx = Ctx {
            generator,
            counters,
            answered: &mut self.answered,
            failures: self.verbose.then_some(&mut self.failures),
            now,
        };
        let Some(pending) = self.pending else {
            // Bytes while nothing is in flight: the server said something
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
        let (consumed, state) = match self.protocol {
            Protocol::Ascii => ascii::receive(&self.ascii, buf, pending, &mut ctx)?,
            Protocol::Binary => binary::receive(&self.binary, buf, pending, &mut ctx)?,
        };
        self.pending = state.pending;
        Ok(Received {
            consumed,
            done: state.done,
        })
    }
}

/// Keys stored one after another, with where each ends.
#[derive(Clone, Copy)]
struct KeyList<'a> {
    bytes: &'a [u8],
    ends: &'a [usize],
}

impl<'a> KeyList<'a> {
    fn iter(self) -> impl Iterator<Item = &'a [u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts
            .zip(self.ends.iter().copied())
            .map(move |(start, end)| self.bytes.get(start..end).unwrap_or_default())
    }
}

/// What a protocol's reply reader leaves behind.
struct State {
    /// What is still in flight.
    pending: Option<Pending>,
    /// The request's end, when its reply is complete.
    done: Option<Done>,
}

impl State {
    fn waiting(pending: Pending) -> State {
        State {
            pending: Some(pending),
            done: None,
        }
    }

    fn done(done: Done) -> State {
        State {
            pending: None,
            done: Some(done),
        }
    }
}

/// An error reply, by who is to blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Blame {
    /// The server failed (`SERVER_ERROR`, out of memory, busy, …).
    Server,
    /// The request was refused (`CLIENT_ERROR`, `ERROR`, invalid arguments).
    Client,
}

/// Where results go while a reply is consumed.
struct Ctx<'c, 'w> {
    generator: &'c mut Generator<'w>,
    counters: &'c mut Counters,
    answered: &'c mut Vec<bool>,
    failures: Option<&'c mut Vec<VerifyFailure>>,
    now: Instant,
}

impl Ctx<'_, '_> {
    /// A value came back for key `index` of the get in flight. A key that
    /// was not asked for, or answered twice, is a protocol error the stream
    /// survives.
    fn hit(&mut self, index: Option<usize>, data: &[u8]) {
        let Some(slot) = index.and_then(|i| self.answered.get_mut(i)) else {
            self.counters.errors.protocol_error += 1;
            return;
        };
        if std::mem::replace(slot, true) {
            self.counters.errors.protocol_error += 1;
            return;
        }
        if let Some(i) = index {
            self.check(i, Some(data));
        }
    }

    /// The get's reply is complete. Without an error, every key not
    /// answered is a miss; an error reply ends the get without judging the
    /// keys it did not answer.
    fn finish_get(&mut self, keys: usize, blame: Option<Blame>) -> State {
        match blame {
            None => {
                for index in 0..self.answered.len() {
                    if self.answered.get(index) == Some(&false) {
                        self.counters.get_misses += 1;
                        self.check(index, None);
                    }
                }
            }
            Some(blame) => self.blame(blame),
        }
        if blame != Some(Blame::Client) {
            self.counters.cmd_get += keys as u64;
        }
        self.end(Kind::Get, blame.is_some())
    }

    /// The set's reply is in. A refused request (`CLIENT_ERROR`) never
    /// reached the server's set counter, so it is not counted as a set.
    fn finish_set(
        &mut self,
        outcome: SetOutcome,
        object_bytes: usize,
        blame: Option<Blame>,
    ) -> State {
        self.generator.complete_set(outcome, self.now);
        if blame != Some(Blame::Client) {
            self.counters.cmd_set += 1;
            self.counters.object_bytes += object_bytes as u64;
        }
        if let Some(blame) = blame {
            self.blame(blame);
        }
        self.end(Kind::Set, blame.is_some())
    }

    fn blame(&mut self, blame: Blame) {
        match blame {
            Blame::Server => self.counters.errors.server_error += 1,
            Blame::Client => self.counters.errors.client_error += 1,
        }
    }

    fn end(&mut self, kind: Kind, failed: bool) -> State {
        if failed {
            self.counters.requests_failed += 1;
        } else {
            self.counters.requests_completed += 1;
        }
        State::done(Done { kind, failed })
    }

    /// Judges the answer for key `index` and counts the verdict.
    fn check(&mut self, index: usize, answer: Option<&[u8]>) {
        let Some(verdict) = self.generator.check_get(index, answer, self.now) else {
            return;
        };
        self.verdict(verdict);
        if matches!(verdict, Verdict::Ok | Verdict::Unchecked) {
            return;
        }
        if let (Some(failures), Some(entry)) = (
            self.failures.as_deref_mut(),
            self.generator.batch().get(index),
        ) {
            failures.push(VerifyFailure::new(verdict, &entry, answer));
        }
    }

    fn verdict(&mut self, verdict: Verdict) {
        let c = &mut *self.counters;
        match verdict {
            Verdict::Unchecked | Verdict::Ok => {}
            Verdict::VerifyFailed => c.verify_failed += 1,
            Verdict::VerifyMiss => c.verify_misses += 1,
            Verdict::ExpiredGet => c.expired_get += 1,
            Verdict::UnexpiredUnget => c.unexpired_unget += 1,
        }
    }
}
