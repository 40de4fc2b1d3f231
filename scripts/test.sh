#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints and every test of the
# workspace. Tests that need memcached start their own, so memcached is
# installed first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-memcached.sh
# The packaged service is not needed: tests start their own servers.
if command -v systemctl >/dev/null 2>&1; then
    systemctl stop memcached >/dev/null 2>&1 || true
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo test --workspace --locked
