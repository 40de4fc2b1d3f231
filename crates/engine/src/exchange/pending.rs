//! What an outstanding request awaits: the shape of the reply that ends it.

use memaslap_workload::{Command, KeyOp, Retrieve, Store};

use super::Kind;
use super::reply::Blame;

/// What a request awaits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pending {
    Get {
        keys: usize,
        blame: Option<Blame>,
        retrieve: Retrieve,
    },
    Set {
        object_bytes: usize,
        store: Store,
        fill: bool,
    },
    Key {
        op: KeyOp,
    },
}

impl Pending {
    /// Whether it is a get or a write, as latencies are kept.
    pub fn kind(self) -> Kind {
        match self {
            Pending::Get { .. } => Kind::Get,
            Pending::Set { .. } | Pending::Key { .. } => Kind::Set,
        }
    }

    /// Its command.
    pub fn command(self) -> Command {
        match self {
            Pending::Get { retrieve, .. } => retrieve.command(),
            Pending::Set { store, .. } => store.command(),
            Pending::Key { op } => op.command(),
        }
    }

    /// The keys a get asked for (none for another request).
    pub fn keys(self) -> usize {
        match self {
            Pending::Get { keys, .. } => keys,
            Pending::Set { .. } | Pending::Key { .. } => 0,
        }
    }
}
