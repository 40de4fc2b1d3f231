//! Sockets for memaslap-rs: TCP, UDP, several sockets per connection (`-n`)
//! and replication over every server (`-p`), all behind one `Transport` type
//! that the engine drives from a `polling::Poller`.
//!
//! It will own every socket operation: resolve, non-blocking connect with a
//! timeout, vectored send that resumes after partial writes, receive into a
//! caller buffer, UDP framing and reassembly (through `memaslap-proto`), and
//! non-blocking reconnect with back-off.
//!
//! It does not know workloads, statistics or what a request means.
