#!/usr/bin/env bash
# Instruction counts of the hot path (benches/benches/instructions.rs)
# under Valgrind: encoding and parsing in every protocol, task generation
# of every workload source, and one request through the engine's exchange.
# Counts do not move with the machine's load; gungraun prints each beside
# the previous run's on this machine (target/gungraun), so a change of a
# few percent shows. Each benchmark does 1,000 operations: divide by 1,000.
#
# Installs valgrind and gungraun-runner (the version of the gungraun crate
# in Cargo.lock) when they are missing.
#
# Usage: benches/instructions.sh [PATTERN]   e.g. "*::ascii_parse::*"
#   PATTERN  a wildcard over FILE::GROUP::FUNCTION::ID (default: all)
set -euo pipefail
cd "$(dirname "$0")/.."

source benches/common.sh
install_valgrind
version="$(awk '/^name = "gungraun"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)"
if [ "$(gungraun-runner --version 2>/dev/null | awk '{print $2}')" != "$version" ]; then
    echo "installing gungraun-runner $version" >&2
    cargo install --locked --version "$version" gungraun-runner >&2
fi
args=()
[ $# -gt 0 ] && args=(-- "$1")
cargo bench --locked -p memaslap-benches --bench instructions "${args[@]}"
