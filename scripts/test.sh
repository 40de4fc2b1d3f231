#!/usr/bin/env bash
# Runs the whole test suite: formatting, lints, the documentation's links
# and every test of the workspace. Tests that need memcached start their
# own, so memcached is installed first when it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/ensure-memcached.sh
# The SASL tests make a password database with saslpasswd2; memcached -S
# finds SASL PLAIN in libsasl2-modules.
if ! command -v saslpasswd2 >/dev/null 2>&1 || ! ls /usr/lib/*/sasl2/libplain.so >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq sasl2-bin libsasl2-modules >/dev/null
fi
# The browser test renders the HTML report in headless Chromium; it is
# skipped, saying so, where Chromium cannot be installed.
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
    { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium; } \
        >/dev/null 2>&1 || echo "chromium could not be installed: the browser test will be skipped" >&2
fi
# The packaged service is not needed: tests start their own servers.
if command -v systemctl >/dev/null 2>&1; then
    systemctl stop memcached >/dev/null 2>&1 || true
fi

cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Every doc link resolves, the private items' included.
RUSTDOCFLAGS="-D warnings" cargo doc --workspace --no-deps --document-private-items --locked
cargo test --workspace --locked
