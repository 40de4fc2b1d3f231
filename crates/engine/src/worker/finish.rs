//! How a worker ends: its connections closed, counted by how they ended
//! (dead, never served), and what is left sent to the reporter.

use super::{Message, Worker};
use crate::rejection::Rejections;
use memaslap_transport::CpuTimes;
use memaslap_workload::Source;
use std::sync::mpsc::Sender;

impl<'w, S: Source<'w>> Worker<'w, S> {
    /// Closes every connection and sends what is left, with the CPU the
    /// thread used since its last interval.
    pub(super) fn finish(mut self, tx: &Sender<(usize, Message)>, id: usize) {
        self.sync_datagrams();
        let dead = self
            .conns
            .iter()
            .filter(|c| c.phase() == crate::conn::Phase::Dead)
            .count();
        let connections = self.conns.len();
        let mut rejections = Rejections::default();
        let mut deaths = crate::death::Deaths::default();
        for conn in &mut self.conns {
            if let Some(why) = conn.rejection() {
                rejections.add(why);
            }
            if rejections.error_line.is_none() {
                rejections.error_line = conn.unserved_error_line();
            }
            if conn.phase() == crate::conn::Phase::Dead {
                deaths.add(conn.death());
            }
            conn.close();
        }
        self.sightings.close_all(&self.stats.counters);
        self.flush_reports(tx, id);
        let cpu = self.cpu_since_mark();
        let _ = tx.send((
            id,
            Message::Finished {
                stats: Box::new(self.stats),
                dead,
                deaths,
                connections,
                rejections: Box::new(rejections),
                cpu,
            },
        ));
    }

    /// The CPU the thread used since the last call (or its run's start).
    pub(super) fn cpu_since_mark(&mut self) -> Option<CpuTimes> {
        let now = memaslap_transport::thread_cpu();
        let used = now.zip(self.cpu_mark).map(|(now, mark)| now.since(mark));
        self.cpu_mark = now;
        used
    }
}
