//! The warm-up of a run without sets: every connection stores its window,
//! then waits for all the others before its first get.

use super::{Conn, WarmupGate};
use memaslap_transport::Transport;
use memaslap_workload::Source;
use std::sync::Arc;
use std::sync::atomic::Ordering;

/// Where a connection is in the warm-up of a run without sets.
pub(super) enum Warmup {
    /// No warm-up, or it is over.
    Off,
    /// Storing its window; counted in the gate.
    Storing(WarmupGate),
    /// Its window is stored; waiting for the gate to reach zero.
    Waiting(WarmupGate),
}

impl<'w, T: Transport, S: Source<'w>> Conn<'w, T, S> {
    /// Whether the connection must wait for the others to store their
    /// windows before its next request.
    #[inline]
    pub(super) fn held_by_warmup(&mut self) -> bool {
        match self.warmup {
            Warmup::Off => false,
            _ => self.held_by_gate(),
        }
    }

    /// [`Conn::held_by_warmup`] while the warm-up is on.
    #[inline(never)]
    fn held_by_gate(&mut self) -> bool {
        match &self.warmup {
            Warmup::Off => false,
            Warmup::Storing(gate) => {
                if self.generator.is_warming_up() {
                    return false;
                }
                if self.exchange.outstanding() > 0 {
                    // Its last warm-up sets are not stored yet.
                    return true;
                }
                let gate = Arc::clone(gate);
                gate.fetch_sub(1, Ordering::AcqRel);
                self.warmup = Warmup::Waiting(gate);
                self.held_by_warmup()
            }
            Warmup::Waiting(gate) => {
                if gate.load(Ordering::Acquire) > 0 {
                    return true;
                }
                self.warmup = Warmup::Off;
                false
            }
        }
    }

    /// Counts a connection that will store no more out of the gate.
    pub(super) fn leave_warmup(&mut self) {
        if let Warmup::Storing(gate) = &self.warmup {
            gate.fetch_sub(1, Ordering::AcqRel);
        }
        self.warmup = Warmup::Off;
    }
}
