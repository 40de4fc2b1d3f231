//! Which replies carry the fault: a [`Plan`] over the replies' numbers in
//! arrival order across all connections, and what each connection has
//! answered so far.

use std::cell::Cell;

/// Which of the replies that can carry the fault do.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Plan {
    /// None.
    Never,
    /// Only the `k`-th (from 1).
    At(u64),
    /// Only one: the `k`-th (from 1) or the first after it that falls on a
    /// connection which has answered a request before. A fault that ends
    /// a connection then never falls on its first reply, which a client
    /// takes as the server refusing the connection, not as a fault (a
    /// connection that starts late, on a loaded machine, could otherwise
    /// get the `k`-th reply first).
    AtAnswered(u64),
    /// Every `n`-th.
    Every(u64),
    /// Each with this probability, drawn from a fixed seed.
    Rate(f64),
}

impl Plan {
    /// Whether reply `n` (from 1) carries the fault; `answered`: replies
    /// its connection was given before it.
    pub(super) fn fires(self, n: u64, answered: u64) -> bool {
        match self {
            Plan::Never => false,
            Plan::At(k) => n == k,
            Plan::AtAnswered(k) => n >= k && answered > 0,
            Plan::Every(every) => every > 0 && n % every == 0,
            Plan::Rate(p) => (splitmix(n) >> 11) as f64 / (1u64 << 53) as f64 <= p,
        }
    }

    /// Whether the plan injects one fault at most, whatever comes after.
    pub(super) fn once(self) -> bool {
        matches!(self, Plan::AtAnswered(_))
    }
}

thread_local! {
    /// Replies this thread has decided: each TCP connection is served by
    /// a thread of its own.
    static ANSWERED: Cell<u64> = const { Cell::new(0) };
}

/// Counts a reply of the calling connection; returns how many it was given
/// before this one.
pub(super) fn answered_here() -> u64 {
    ANSWERED.with(|answered| {
        let before = answered.get();
        answered.set(before + 1);
        before
    })
}

/// splitmix64 of `n`: reproducible draws from a reply's number.
pub(super) fn splitmix(n: u64) -> u64 {
    let mut z = n.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::Plan;

    #[test]
    fn at_answered_waits_for_a_connection_that_answered_before() {
        let plan = Plan::AtAnswered(50);
        assert!(!plan.fires(49, 10));
        assert!(!plan.fires(50, 0));
        assert!(plan.fires(51, 1));
        assert!(plan.once() && !Plan::At(50).once());
    }
}
