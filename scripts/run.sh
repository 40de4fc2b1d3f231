#!/usr/bin/env bash
# Builds memaslap and runs a 10-second benchmark against a private memcached
# that the tool starts for the run. memcached is installed first when it is
# missing. Extra arguments go to memaslap and override these (e.g. -t 30s, or
# -s host:port to use a server of your own).
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-memcached.sh
cargo build --release --locked -p memaslap-cli
exec target/release/memaslap -t 10s "$@"
