//! The seam for workload sources: what the engine asks of anything that
//! decides what to send. memaslap's window model ([`crate::Generator`]) is
//! one source; a keyspace with a popularity distribution or a trace replay
//! is another, behind the same trait.

use std::time::{Duration, Instant};

use crate::task::{GetKeys, KeyOutcome, SetOutcome, Task, TaskId, Verdict};
use crate::trace::Delivery;

/// One connection's source of tasks, by task id: **issue** a task, send
/// it, then **complete** it with the server's answer — a set's outcome, or
/// a **check** of each key of a get and then its end. Up to
/// [`Source::depth`] tasks may be outstanding; answers come back in the
/// order the tasks were issued. A closed loop is depth 1: issue, complete,
/// issue.
///
/// ```
/// use std::time::Instant;
/// use memaslap_workload::{GetKeys, SetOutcome, Source, Task, Workload, WorkloadConfig};
///
/// let workload = Workload::new(&WorkloadConfig::default(), 1, 1).unwrap();
/// let mut source = workload.generator(0).unwrap().with_depth(4);
/// let now = Instant::now();
/// let mut sent = Vec::new();
/// while let Some((id, task)) = source.issue() {
///     sent.push((id, matches!(task, Task::Set(_))));
/// }
/// assert!(!sent.is_empty() && sent.len() <= 4);
/// // Replies come back in order; each names its task.
/// for (id, is_set) in sent {
///     if is_set {
///         source.complete_set(id, SetOutcome::Stored, now);
///     } else {
///         for index in 0..source.batch(id).len() {
///             // Here every key missed.
///             source.check_get(id, index, None, now);
///         }
///         source.finish_get(id);
///     }
/// }
/// assert_eq!(source.outstanding(), 0);
/// ```
pub trait Source<'w> {
    /// The keys of one get, borrowed from the source.
    type Keys<'g>: GetKeys<'w>
    where
        Self: 'g;

    /// The next task and its id, or `None` when none can go now (`depth`
    /// tasks are outstanding, or the next one must wait for an answer):
    /// report its result by its id.
    fn issue(&mut self) -> Option<(TaskId, Task<'w, Self::Keys<'_>>)>;

    /// Reports how set `id` ended; `now` is when its answer came. Does
    /// nothing when `id` is not an outstanding set.
    fn complete_set(&mut self, id: TaskId, outcome: SetOutcome, now: Instant);

    /// Judges the answer for key `index` of get `id`: `answer` is the value
    /// returned, `None` a miss; `now` is when it came. `None` when `id` is
    /// not an outstanding get or `index` is not one of its keys.
    fn check_get(
        &self,
        id: TaskId,
        index: usize,
        answer: Option<&[u8]>,
        now: Instant,
    ) -> Option<Verdict>;

    /// Ends get `id` once all its keys are judged.
    fn finish_get(&mut self, id: TaskId);

    /// Whether [`Source::check_get`] may judge or note an answer: false
    /// when it would only ever say [`Verdict::Unchecked`], so a caller may
    /// leave it out. True by default.
    fn checks_gets(&self) -> bool {
        true
    }

    /// Starts loading the state that judging the answers of tasks `ids`
    /// reads, without waiting for it: a hint, given before their answers
    /// are read from the network. Does nothing by default.
    #[inline]
    fn prefetch(&self, ids: impl Iterator<Item = TaskId>) {
        let _ = ids;
    }

    /// Starts loading the state that the next tasks issued read, without
    /// waiting for it: a hint, given while the connection waits on the
    /// network before it issues them. Does nothing by default.
    #[inline]
    fn prefetch_next(&self) {}

    /// Key `index` of get `id` came back with cas unique `cas` (`gets`,
    /// `gats`), for a later `cas`. Sources that issue no `cas` ignore it.
    fn saw_cas(&mut self, id: TaskId, index: usize, cas: u64) {
        let _ = (id, index, cas);
    }

    /// Reports how key task `id` (delete, incr, decr, touch) ended. Does
    /// nothing when `id` is not an outstanding key task.
    fn complete_key(&mut self, id: TaskId, outcome: KeyOutcome, now: Instant);

    /// The keys of get `id` (none when `id` is not an outstanding get), e.g.
    /// to match returned keys with [`GetKeys::position`].
    fn batch(&self, id: TaskId) -> Self::Keys<'_>;

    /// Whether `bytes` is key `index` of get `id`: what a reply's key is
    /// checked against.
    #[inline]
    fn key_is(&self, id: TaskId, index: usize, bytes: &[u8]) -> bool {
        self.batch(id)
            .key(index)
            .is_some_and(|key| key.matches(bytes))
    }

    /// How many tasks may be outstanding at once.
    fn depth(&self) -> usize;

    /// How many tasks are outstanding.
    fn outstanding(&self) -> usize;

    /// Whether the next task stores data that the run needs before it
    /// starts timing (a warm-up); once false, it stays false.
    fn is_warming_up(&self) -> bool;

    /// When the next task is due, as a time after the run's start on the
    /// source's own clock (a trace's), for a schedule that keeps to it;
    /// `None` when no task waits for a time.
    fn next_due(&self) -> Option<Duration> {
        None
    }

    /// Whether the source has nothing more to issue, ever (a replayed
    /// trace that ended).
    fn is_done(&self) -> bool {
        false
    }

    /// Takes a record fed from outside (a replayed trace's, or its end);
    /// false, and nothing taken, when the source's queue is full. A source
    /// that makes its own tasks takes nothing and says true.
    fn deliver(&mut self, delivery: Delivery) -> bool {
        let _ = delivery;
        true
    }

    /// Records handed over by [`Source::deliver`] and not yet issued.
    fn queued(&self) -> usize {
        0
    }
}

/// Issues `tasks` tasks of `source`, completing each set as stored and
/// offering each get's first key a miss and a hit; returns how many gets
/// there were and how many of those answers were judged or noted (not
/// [`Verdict::Unchecked`]): what [`Source::checks_gets`] must agree with.
#[cfg(test)]
pub(crate) fn answers_judged<'w>(source: &mut impl Source<'w>, tasks: usize) -> (usize, usize) {
    let now = Instant::now();
    let (mut gets, mut judged) = (0, 0);
    for _ in 0..tasks {
        let Some((id, task)) = source.issue() else {
            continue;
        };
        if !matches!(task, Task::Get(_)) {
            source.complete_set(id, SetOutcome::Stored, now);
            continue;
        }
        gets += 1;
        for answer in [None, Some(&b"x"[..])] {
            let verdict = source.check_get(id, 0, answer, now);
            assert!(verdict.is_some());
            judged += usize::from(verdict != Some(Verdict::Unchecked));
        }
        source.finish_get(id);
    }
    (gets, judged)
}
