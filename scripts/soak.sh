#!/usr/bin/env bash
# The soak test: a minute against a fault-injection server that mixes every
# fault into 1 % of its replies, over 64 connections with -R; it checks that
# memory stays flat and that no request is lost. Meant for a scheduled job,
# not for every CI run (the test is #[ignore]d).
set -euo pipefail
cd "$(dirname "$0")/.."
exec cargo test --release -p memaslap-cli --test soak -- --ignored --nocapture
