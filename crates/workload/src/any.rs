//! Every workload source behind one type, for dispatch without boxing:
//! [`Workload::source`] makes a connection's source of whichever model the
//! run uses. The engine takes it apart and builds each worker for that one
//! model, so that no call on a source goes through the dispatch.

use std::time::{Duration, Instant};

use crate::error::ConfigError;
use crate::generator::{Generator, GetBatch};
use crate::source::Source;
use crate::space::{KeyspaceBatch, KeyspaceSource};
use crate::task::{
    GetEntry, GetKeys, Key, KeyOutcome, Retrieve, SetOutcome, Task, TaskId, Verdict,
};
use crate::trace::{Delivery, TraceBatch, TraceSource};
use crate::workload::Workload;

/// One connection's source, of either model.
#[derive(Debug)]
pub enum AnySource<'w> {
    /// memaslap's window model.
    Window(Generator<'w>),
    /// A keyspace with a popularity distribution (`--keys`).
    Keyspace(KeyspaceSource<'w>),
    /// A trace replayed (`--trace`).
    Trace(TraceSource<'w>),
}

/// The keys of an [`AnySource`]'s get.
#[derive(Debug, Clone, Copy)]
pub enum AnyKeys<'g, 'w> {
    /// A window-model get.
    Window(GetBatch<'g, 'w>),
    /// A keyspace get.
    Keyspace(KeyspaceBatch<'g, 'w>),
    /// A replayed get.
    Trace(TraceBatch<'g, 'w>),
}

impl<'w> GetKeys<'w> for AnyKeys<'_, 'w> {
    #[inline]
    fn len(&self) -> usize {
        match self {
            AnyKeys::Window(b) => b.len(),
            AnyKeys::Keyspace(b) => b.len(),
            AnyKeys::Trace(b) => b.len(),
        }
    }

    #[inline]
    fn get(&self, index: usize) -> Option<GetEntry<'w>> {
        match self {
            AnyKeys::Window(b) => b.get(index),
            AnyKeys::Keyspace(b) => b.get(index),
            AnyKeys::Trace(b) => b.get(index),
        }
    }

    #[inline]
    fn key(&self, index: usize) -> Option<Key<'w>> {
        match self {
            AnyKeys::Window(b) => b.key(index),
            AnyKeys::Keyspace(b) => b.key(index),
            AnyKeys::Trace(b) => b.key(index),
        }
    }

    #[inline]
    fn retrieve(&self) -> Retrieve {
        match self {
            AnyKeys::Window(b) => b.retrieve(),
            AnyKeys::Keyspace(b) => b.retrieve(),
            AnyKeys::Trace(b) => b.retrieve(),
        }
    }
}

macro_rules! dispatch {
    ($self:ident, $s:ident => $e:expr) => {
        match $self {
            AnySource::Window($s) => $e,
            AnySource::Keyspace($s) => $e,
            AnySource::Trace($s) => $e,
        }
    };
}

/// The model a workload's sources are of: one for every connection of a
/// run ([`Workload::source_kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// memaslap's window model ([`Generator`]).
    Window,
    /// A keyspace with a popularity distribution ([`KeyspaceSource`]).
    Keyspace,
    /// A trace replayed ([`TraceSource`]).
    Trace,
}

impl<'w> AnySource<'w> {
    /// Which model the source is of.
    pub fn kind(&self) -> SourceKind {
        match self {
            AnySource::Window(_) => SourceKind::Window,
            AnySource::Keyspace(_) => SourceKind::Keyspace,
            AnySource::Trace(_) => SourceKind::Trace,
        }
    }

    /// The same source allowing up to `depth` outstanding tasks; call it
    /// before the first task.
    pub fn with_depth(self, depth: usize) -> AnySource<'w> {
        match self {
            AnySource::Window(g) => AnySource::Window(g.with_depth(depth)),
            AnySource::Keyspace(s) => AnySource::Keyspace(s.with_depth(depth)),
            AnySource::Trace(s) => AnySource::Trace(s.with_depth(depth)),
        }
    }
}

impl<'w> Source<'w> for AnySource<'w> {
    type Keys<'g>
        = AnyKeys<'g, 'w>
    where
        Self: 'g;

    #[inline]
    fn issue(&mut self) -> Option<(TaskId, Task<'w, AnyKeys<'_, 'w>>)> {
        match self {
            AnySource::Window(g) => g.issue_as(AnyKeys::Window),
            AnySource::Keyspace(s) => s.issue_as(AnyKeys::Keyspace),
            AnySource::Trace(s) => s.issue_as(AnyKeys::Trace),
        }
    }

    #[inline]
    fn complete_set(&mut self, id: TaskId, outcome: SetOutcome, now: Instant) {
        dispatch!(self, s => s.complete_set(id, outcome, now));
    }

    #[inline]
    fn check_get(
        &self,
        id: TaskId,
        index: usize,
        answer: Option<&[u8]>,
        now: Instant,
    ) -> Option<Verdict> {
        dispatch!(self, s => s.check_get(id, index, answer, now))
    }

    #[inline]
    fn finish_get(&mut self, id: TaskId) {
        dispatch!(self, s => s.finish_get(id));
    }

    fn checks_gets(&self) -> bool {
        dispatch!(self, s => s.checks_gets())
    }

    #[inline]
    fn prefetch(&self, ids: impl Iterator<Item = TaskId>) {
        dispatch!(self, s => s.prefetch(ids));
    }

    #[inline]
    fn prefetch_next(&self) {
        dispatch!(self, s => s.prefetch_next());
    }

    #[inline]
    fn saw_cas(&mut self, id: TaskId, index: usize, cas: u64) {
        dispatch!(self, s => s.saw_cas(id, index, cas));
    }

    #[inline]
    fn complete_key(&mut self, id: TaskId, outcome: KeyOutcome, now: Instant) {
        dispatch!(self, s => s.complete_key(id, outcome, now));
    }

    #[inline]
    fn key_is(&self, id: TaskId, index: usize, bytes: &[u8]) -> bool {
        dispatch!(self, s => s.key_is(id, index, bytes))
    }

    #[inline]
    fn batch(&self, id: TaskId) -> AnyKeys<'_, 'w> {
        match self {
            AnySource::Window(g) => AnyKeys::Window(g.batch(id)),
            AnySource::Keyspace(s) => AnyKeys::Keyspace(s.batch(id)),
            AnySource::Trace(s) => AnyKeys::Trace(s.batch(id)),
        }
    }

    fn depth(&self) -> usize {
        dispatch!(self, s => s.depth())
    }

    fn outstanding(&self) -> usize {
        dispatch!(self, s => s.outstanding())
    }

    fn is_warming_up(&self) -> bool {
        dispatch!(self, s => s.is_warming_up())
    }

    #[inline]
    fn next_due(&self) -> Option<Duration> {
        dispatch!(self, s => s.next_due())
    }

    #[inline]
    fn is_done(&self) -> bool {
        dispatch!(self, s => s.is_done())
    }

    fn deliver(&mut self, delivery: Delivery) -> bool {
        dispatch!(self, s => s.deliver(delivery))
    }

    fn queued(&self) -> usize {
        dispatch!(self, s => s.queued())
    }
}

impl Workload {
    /// The model of every source [`Workload::source`] makes: a trace's when
    /// the workload replays one (`--trace`), a keyspace's when it has one
    /// (`--keys`), else the window model.
    pub fn source_kind(&self) -> SourceKind {
        if self.trace().is_some() {
            SourceKind::Trace
        } else if self.keyspace().is_some() {
            SourceKind::Keyspace
        } else {
            SourceKind::Window
        }
    }

    /// The source of connection `connection` (0-based, over all threads):
    /// a keyspace source when the workload has a keyspace (`--keys`),
    /// else memaslap's window-model [`Generator`].
    ///
    /// # Errors
    /// [`ConfigError::ConnectionIndex`] when `connection` is not below the
    /// number of connections the workload was built for.
    pub fn source(&self, connection: u32) -> Result<AnySource<'_>, ConfigError> {
        if let Some(trace) = self.trace() {
            if connection >= self.connections() {
                return Err(ConfigError::ConnectionIndex {
                    index: connection,
                    connections: self.connections(),
                });
            }
            return Ok(AnySource::Trace(TraceSource::new(trace)));
        }
        match self.keyspace() {
            Some(space) => {
                if connection >= self.connections() {
                    return Err(ConfigError::ConnectionIndex {
                        index: connection,
                        connections: self.connections(),
                    });
                }
                Ok(AnySource::Keyspace(KeyspaceSource::new(
                    space,
                    self.seed(),
                    self.global(connection),
                )))
            }
            None => self.generator(connection).map(AnySource::Window),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        Command, KeyDist, KeyspaceConfig, Mix, TraceConfig, TraceFormat, TracePlan, WorkloadConfig,
    };

    #[test]
    fn every_source_a_workload_makes_is_of_its_kind() {
        let keyspace = WorkloadConfig {
            keyspace: Some(KeyspaceConfig {
                keys: 100,
                dist: KeyDist::Uniform,
                prefill: false,
            }),
            ..WorkloadConfig::default()
        };
        let trace = WorkloadConfig {
            trace: Some(TracePlan {
                config: TraceConfig {
                    path: "unused".into(),
                    format: TraceFormat::Csv,
                    skip_bad: false,
                },
                first: 0.0,
                longest_key: 10,
                longest_value: 10,
                longest_ttl: 0,
                commands: Mix::new(&[(Command::Get, 1.0)]).unwrap(),
            }),
            ..keyspace.clone()
        };
        for (config, kind) in [
            (WorkloadConfig::default(), SourceKind::Window),
            (keyspace, SourceKind::Keyspace),
            (trace, SourceKind::Trace),
        ] {
            let workload = Workload::new(&config, 1, 3).unwrap();
            assert_eq!(workload.source_kind(), kind);
            for connection in 0..3 {
                assert_eq!(workload.source(connection).unwrap().kind(), kind);
            }
        }
    }
}
