#!/usr/bin/env bash
# Runs every fuzz target of crates/{proto,engine,workload}/fuzz for a
# bounded time, growing the corpora kept in the repository
# (crates/<crate>/fuzz/corpus/<target>), then minimises them. Meant for a scheduled job, not for every CI run.
#
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 120)
# Needs a nightly toolchain and cargo-fuzz (installed when missing).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

seconds="${1:-120}"
if ! cargo +nightly --version >/dev/null 2>&1; then
    rustup toolchain install nightly --profile minimal
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

failed=0
for crate in proto engine workload; do
    cd "$root/crates/$crate/fuzz"
    for target in $(cargo +nightly fuzz list); do
        mkdir -p "corpus/$target"
        echo "== $crate/$target: ${seconds}s"
        if ! cargo +nightly fuzz run "$target" "corpus/$target" -- \
            -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1; then
            echo "!! $target found a failure; its input is under crates/$crate/fuzz/artifacts/$target/" >&2
            failed=1
            continue
        fi
        cargo +nightly fuzz cmin "$target" "corpus/$target" >/dev/null 2>&1 || true
    done
done
exit "$failed"
