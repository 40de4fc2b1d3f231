//! The `memaslap` command: a memcached load generator with memaslap's flags
//! and report.

use clap::Parser;
use memaslap_cli::options::Options;
use std::process::ExitCode;

fn main() -> ExitCode {
    let options = Options::parse();
    memaslap_cli::app::main(&options)
}
