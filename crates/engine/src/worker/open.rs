//! The open loop's side of a worker: requests fall due on the thread's
//! schedule and go to connections with room, in turn; a request no
//! connection can take waits in the backlog, its clock running.

use super::Worker;
use crate::schedule::OpenLoop;
use memaslap_workload::Source;
use std::collections::VecDeque;
use std::time::Instant;

/// The thread's open loop and the connections that may have room for one
/// of its requests.
pub(super) struct Dispatch {
    open: OpenLoop,
    /// Connections to offer requests to, in turn.
    queue: VecDeque<usize>,
    /// Whether each connection is in `queue`.
    queued: Vec<bool>,
    /// Whether requests fall due yet: from when the first connection can
    /// take one, so that the client's own set-up is not counted as lag.
    started: bool,
}

impl Dispatch {
    /// Dispatches `open`'s requests to `connections` connections.
    pub(super) fn new(open: OpenLoop, connections: usize) -> Dispatch {
        Dispatch {
            open,
            queue: VecDeque::with_capacity(connections),
            queued: vec![false; connections],
            started: false,
        }
    }

    /// Connection `index` can (`takes`) take a request now.
    pub(super) fn note(&mut self, index: usize, takes: bool) {
        if let Some(queued) = self.queued.get_mut(index)
            && takes
            && !*queued
        {
            *queued = true;
            self.queue.push_back(index);
        }
    }

    /// When the next request falls due, once requests fall due.
    pub(super) fn next_arrival(&self) -> Option<Instant> {
        self.started.then(|| self.open.next_arrival())
    }

    fn pop(&mut self) -> Option<usize> {
        let index = self.queue.pop_front()?;
        if let Some(queued) = self.queued.get_mut(index) {
            *queued = false;
        }
        Some(index)
    }
}

impl<'w, S: Source<'w>> Worker<'w, S> {
    /// Lets the requests due by `due_by` arrive and hands them to the
    /// connections with room at `now`, oldest first.
    pub(super) fn dispatch(&mut self, now: Instant, due_by: Instant, issuing: bool) {
        let Some(mut d) = self.open.take() else {
            return;
        };
        if !d.started && !d.queue.is_empty() {
            d.open.starts_at(now);
            d.started = true;
        }
        if issuing && d.started {
            d.open.arrive(due_by, &mut self.stats.counters);
        }
        while issuing && d.open.has_waiting() {
            let Some(index) = d.pop() else {
                break;
            };
            let Some(intended) = d.open.take() else {
                break;
            };
            let mut taken = false;
            self.with_conn(index, issuing, |conn, ctx| {
                taken = conn.grant(intended, now, ctx);
            });
            if !taken {
                // Offered again once its state changes.
                d.open.put_back(intended);
                continue;
            }
            if let Some(conn) = self.conns.get_mut(index) {
                d.note(index, conn.takes_grants(issuing));
            }
        }
        self.open = Some(d);
    }

    /// The run stopped issuing: the requests still waiting are counted.
    pub(super) fn close_backlog(&mut self) {
        if let Some(d) = &mut self.open {
            d.open.finish(&mut self.stats.counters);
        }
    }
}
