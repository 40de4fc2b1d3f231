//! The `memaslap` command: memaslap-compatible flags parsed into an engine
//! configuration, and memaslap's text report (plus JSON) printed from the
//! engine's results.
//!
//! It does not generate load itself; that is `memaslap-engine`'s job.
#![forbid(unsafe_code)]

pub mod app;
pub mod auth;
pub mod client_cpu;
pub mod closing;
pub mod commands;
pub mod files;
pub mod flags;
pub mod hdr_log;
pub mod html;
pub mod instance;
pub mod json;
pub mod merge;
pub mod open_loop;
pub mod options;
pub mod outages;
pub mod outputs;
pub mod prefill;
pub mod private_server;
pub mod progress;
pub mod provenance;
pub mod rejections;
pub mod repeat;
pub mod replay;
pub mod report;
pub mod report_command;
pub mod scan;
pub mod scan_run;
pub mod setup;
pub mod tls;
pub mod units;
pub mod verdict;
pub mod workload_flags;
