//! The `memaslap` command: a memcached load generator with memaslap's flags
//! and report; `memaslap merge FILE…` merges the results of one run's
//! instances, `memaslap report FILE… --report PAGE` draws saved runs.

use clap::Parser;
use memaslap_cli::options::Options;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    match args.nth(1) {
        Some(first) if first == "merge" => {
            let name = std::ffi::OsString::from("memaslap merge");
            return memaslap_cli::merge::main(std::iter::once(name).chain(args));
        }
        Some(first) if first == "report" => {
            let name = std::ffi::OsString::from("memaslap report");
            return memaslap_cli::report_command::main(std::iter::once(name).chain(args));
        }
        _ => {}
    }
    let options = Options::parse();
    memaslap_cli::app::main(&options)
}
