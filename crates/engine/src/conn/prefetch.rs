//! Loading a connection's state into the cache ahead of its event: a
//! worker with many connections finds each one's state evicted by the time
//! its next event comes, and reading it then stalls on memory.

use super::Conn;
use memaslap_transport::Transport;
use memaslap_workload::Source;

impl<T: Transport> Conn<'_, T> {
    /// Starts loading the fields an event reads first, and the window item
    /// the next get will read, without waiting for them. It changes nothing.
    #[inline]
    pub(crate) fn prefetch(&self) {
        prefetch(&self.transport);
        prefetch(&self.generator);
        prefetch(&self.exchange);
        prefetch(&self.phase);
        prefetch(&self.schedule);
        prefetch(&self.warmup);
        prefetch(&self.last_loss);
        self.generator.prefetch();
    }
}

/// Starts loading the cache line holding the start of `value`.
#[cfg(target_arch = "x86_64")]
#[inline]
fn prefetch<V>(value: &V) {
    safe_arch::prefetch_t0(value);
}

/// No prefetch here: the value is loaded when it is read.
#[cfg(not(target_arch = "x86_64"))]
fn prefetch<V>(_value: &V) {}
