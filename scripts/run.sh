#!/usr/bin/env bash
# Builds memaslap and runs a 10-second benchmark against a private memcached
# that the tool starts for the run. memcached is installed first when it is
# missing. Extra arguments go to memaslap (e.g. -s host:port to use a server
# of your own).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v memcached >/dev/null 2>&1; then
    echo "memcached not found: installing it" >&2
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq memcached >/dev/null
fi
cargo build --release --locked -p memaslap-cli
exec target/release/memaslap -t 10s "$@"
