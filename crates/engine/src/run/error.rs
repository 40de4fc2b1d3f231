//! Why a run could not start.

use memaslap_transport::TransportError;

/// Why a run could not start.
#[derive(Debug)]
pub enum RunError {
    /// The configuration is inconsistent.
    Config(crate::config::ConfigError),
    /// A server name does not resolve, or a socket cannot be made.
    Transport(TransportError),
    /// The operating system refused a poller or a thread.
    System(std::io::Error),
    /// The workload cannot serve this many connections.
    Workload(memaslap_workload::ConfigError),
    /// The trace to replay cannot be opened.
    Trace(memaslap_workload::TraceError),
    /// The run was stopped while it waited for its start time; no request
    /// was sent.
    StoppedBeforeStart,
    /// The engine broke one of its own rules (a bug): what it found.
    Internal(&'static str),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Config(e) => e.fmt(f),
            RunError::Transport(e) => e.fmt(f),
            RunError::System(e) => write!(f, "system error: {e}"),
            RunError::Workload(e) => e.fmt(f),
            RunError::Trace(e) => e.fmt(f),
            RunError::StoppedBeforeStart => f.write_str(
                "stopped while waiting for the start time (--start-at): no request sent",
            ),
            RunError::Internal(what) => write!(f, "internal error (a bug): {what}"),
        }
    }
}

impl std::error::Error for RunError {}
