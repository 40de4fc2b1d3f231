//! The `memaslap` command: a memcached load generator with memaslap's flags
//! and report; `memaslap merge FILE…` merges the results of one run's
//! instances.

use clap::Parser;
use memaslap_cli::options::Options;
use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    if args.nth(1).is_some_and(|first| first == "merge") {
        let name = std::ffi::OsString::from("memaslap merge");
        return memaslap_cli::merge::main(std::iter::once(name).chain(args));
    }
    let options = Options::parse();
    memaslap_cli::app::main(&options)
}
