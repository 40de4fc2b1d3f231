//! The binary protocol.
