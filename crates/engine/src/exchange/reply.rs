//! Consuming one request's reply: where its results go (the generator, the
//! counters, the failed checks) and what is left once it is read.

use super::{Kind, Pending};
use crate::failure::VerifyFailure;
use crate::stats::Counters;
use memaslap_workload::{Command, GetKeys, KeyOutcome, SetOutcome, Source, TaskId, Verdict};
use std::time::Instant;

/// What a protocol's reply reader leaves behind.
pub(super) struct State {
    /// What is still in flight.
    pub pending: Option<Pending>,
    /// The request's kind and whether it failed, when its reply is
    /// complete.
    pub done: Option<(Kind, bool)>,
}

impl State {
    pub(super) fn waiting(pending: Pending) -> State {
        State {
            pending: Some(pending),
            done: None,
        }
    }

    pub(super) fn done(kind: Kind, failed: bool) -> State {
        State {
            pending: None,
            done: Some((kind, failed)),
        }
    }
}

/// An error reply, by who is to blame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Blame {
    /// The server failed (`SERVER_ERROR`, out of memory, busy, …).
    Server,
    /// The request was refused (`CLIENT_ERROR`, `ERROR`, invalid arguments).
    Client,
}

/// What a completed reply said, for its command's counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Answer {
    /// Found: `STORED`, `DELETED`, `TOUCHED`, a number.
    Hit,
    /// `NOT_FOUND`.
    Miss,
    /// Refused by its condition: `NOT_STORED`, `EXISTS`.
    Refused,
}

/// Where results go while a reply is consumed.
pub(super) struct Results<'c, S> {
    pub generator: &'c mut S,
    pub counters: &'c mut Counters,
    /// The request's command.
    pub command: Command,
    /// Whether the request is a demand fill.
    pub fill: bool,
    /// The request whose reply is consumed.
    pub id: TaskId,
    pub answered: &'c mut Vec<bool>,
    pub failures: Option<&'c mut Vec<VerifyFailure>>,
    pub now: Instant,
    /// Whether the source judges answers: when not, they are not offered.
    pub checks: bool,
}

impl<'w, S: Source<'w>> Results<'_, S> {
    /// The index of a returned key among the request's keys, looked for
    /// first after the last key answered (values come in the keys' order).
    pub(super) fn position(&self, key: &[u8]) -> Option<usize> {
        if self.answered.len() == 1 {
            // One key (the usual get): it or none.
            return self.is_key(0, key).then_some(0);
        }
        let start = self.answered.iter().rposition(|&a| a).map_or(0, |i| i + 1);
        self.generator.batch(self.id).position_from(key, start)
    }

    /// Whether `key` is key `index` of the request.
    pub(super) fn is_key(&self, index: usize, key: &[u8]) -> bool {
        self.generator.key_is(self.id, index, key)
    }

    /// A value came back for key `index` of the get in flight. A key that
    /// was not asked for, or answered twice, is a protocol error the stream
    /// survives.
    pub(super) fn hit(&mut self, index: Option<usize>, data: &[u8]) {
        let Some(slot) = index.and_then(|i| self.answered.get_mut(i)) else {
            self.counters.errors.protocol_error += 1;
            return;
        };
        if std::mem::replace(slot, true) {
            self.counters.errors.protocol_error += 1;
            return;
        }
        if let Some(i) = index.filter(|_| self.checks) {
            self.check(i, Some(data));
        }
    }

    /// Key `index` of a `gets` or `gats` came back with cas unique `cas`.
    pub(super) fn saw_cas(&mut self, index: Option<usize>, cas: u64) {
        if let Some(index) = index {
            self.generator.saw_cas(self.id, index, cas);
        }
    }

    /// The get's reply is complete. Without an error, every key not
    /// answered is a miss; an error reply ends the get without judging the
    /// keys it did not answer.
    pub(super) fn finish_get(&mut self, keys: usize, blame: Option<Blame>) -> State {
        let Some(blame) = blame else {
            let mut misses = 0;
            for index in 0..self.answered.len() {
                if self.answered.get(index) == Some(&false) {
                    misses += 1;
                    if self.checks {
                        self.check(index, None);
                    }
                }
            }
            self.generator.finish_get(self.id);
            let keys = keys as u64;
            self.counters.get_misses += misses;
            self.counters.cmd_get += keys;
            let counts = self.counters.command(self.command);
            counts.misses += misses;
            counts.hits += keys.saturating_sub(misses);
            counts.keys += keys;
            return self.end(Kind::Get, false);
        };
        self.failed_get(keys, blame)
    }

    /// An error reply ended the get: the keys it did not answer are not
    /// judged.
    #[cold]
    #[inline(never)]
    fn failed_get(&mut self, keys: usize, blame: Blame) -> State {
        self.blame(blame);
        self.generator.finish_get(self.id);
        if blame != Blame::Client {
            self.counters.cmd_get += keys as u64;
            self.counters.command(self.command).keys += keys as u64;
        }
        self.end(Kind::Get, true)
    }

    /// The set's reply is in. A refused request (`CLIENT_ERROR`) never
    /// reached the server's set counter, so it is not counted as a set.
    pub(super) fn finish_set(
        &mut self,
        outcome: SetOutcome,
        answer: Answer,
        object_bytes: usize,
        blame: Option<Blame>,
    ) -> State {
        self.generator.complete_set(self.id, outcome, self.now);
        if blame != Some(Blame::Client) {
            self.counters.cmd_set += 1;
            self.counters.object_bytes += object_bytes as u64;
        }
        match blame {
            Some(blame) => self.blame(blame),
            None => {
                self.count(answer);
                self.counters.fills += u64::from(self.fill);
            }
        }
        self.end(Kind::Set, blame.is_some())
    }

    /// A `delete`, `incr`, `decr` or `touch` reply is in: `answer` when
    /// it is no error.
    pub(super) fn finish_key(&mut self, answer: Answer, blame: Option<Blame>) -> State {
        let outcome = match (blame, answer) {
            (Some(_), _) => KeyOutcome::Lost,
            (None, Answer::Hit) => KeyOutcome::Hit,
            (None, Answer::Miss | Answer::Refused) => KeyOutcome::Miss,
        };
        self.generator.complete_key(self.id, outcome, self.now);
        match blame {
            Some(blame) => self.blame(blame),
            None => self.count(answer),
        }
        self.end(Kind::Set, blame.is_some())
    }

    /// Counts what a single-key reply said under its command.
    fn count(&mut self, answer: Answer) {
        let counts = self.counters.command(self.command);
        counts.keys += 1;
        match answer {
            Answer::Hit => counts.hits += 1,
            Answer::Miss => counts.misses += 1,
            Answer::Refused => counts.refused += 1,
        }
    }

    fn blame(&mut self, blame: Blame) {
        match blame {
            Blame::Server => self.counters.errors.server_error += 1,
            Blame::Client => self.counters.errors.client_error += 1,
        }
    }

    fn end(&mut self, kind: Kind, failed: bool) -> State {
        let counts = self.counters.command(self.command);
        if failed {
            counts.errors += 1;
            self.counters.requests_failed += 1;
        } else {
            counts.completed += 1;
            self.counters.requests_completed += 1;
        }
        State::done(kind, failed)
    }

    /// Judges the answer for key `index` and counts the verdict.
    fn check(&mut self, index: usize, answer: Option<&[u8]>) {
        let Some(verdict) = self.generator.check_get(self.id, index, answer, self.now) else {
            return;
        };
        self.verdict(verdict);
        if matches!(verdict, Verdict::Ok | Verdict::Unchecked) {
            return;
        }
        if let (Some(failures), Some(entry)) = (
            self.failures.as_deref_mut(),
            self.generator.batch(self.id).get(index),
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
