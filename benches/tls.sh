#!/usr/bin/env bash
# What TLS costs the client: CPU per request over TLS against plaintext,
# side by side, at depth 1 and at --depth 16.
#
# One memcached runs with TLS on one port and plaintext on another (-Z,
# -l notls:…), pinned to one core, with a self-signed certificate made
# here by openssl; the client runs on another core, -T 1 -c 32, get:set
# 9:1, 1 KiB values. Plaintext and TLS runs alternate; requests are
# counted by memcached (cmd_get + cmd_set), CPU by perf's task-clock (GNU
# time's user + system without perf). Prints the medians, the spread and
# the ratio TLS / plaintext per depth, and memtier_benchmark's --tls
# figure beside ours when it is installed.
#
# Usage: benches/tls.sh [--runs N] [--time SECONDS] [--no-build]
#   --runs N     runs of each (default 5)
#   --time S     seconds per run (default 5)
#   --no-build   use target/release/memaslap as it is
# Environment: SERVER_CPU (default 0), CLIENT_CPU (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
seconds=5
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --time) seconds="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"

source benches/common.sh
install_tools
if [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli >&2
fi
ours="$PWD/target/release/memaslap"

make_work

make_certs "$work"
server_tls="$work"

# run_one KIND DEPTH: one run of ours (plain or tls) against a fresh
# server; prints "ops cpu".
run_one() {
    local kind="$1" depth="$2" args
    start_server 4096
    if [ "$kind" = tls ]; then
        args=(-s "127.0.0.1:$tls_port" --tls --tls-ca "$work/ca.pem" --depth "$depth")
    else
        args=(-s "127.0.0.1:$port" --depth "$depth")
    fi
    local before after meter
    read -r -a meter <<<"$(cpu_meter "$work/time")"
    before="$(server_ops)"
    if ! "${meter[@]}" taskset -c "$client_cpu" "$ours" -T 1 -c 32 -t "${seconds}s" --seed 1 "${args[@]}" \
        >"$work/run.out" 2>&1; then
        echo "memaslap ${args[*]} failed:" >&2
        tail -5 "$work/run.out" >&2
    fi
    after="$(server_ops)"
    stop_server
    echo "$((after - before)) $(cpu_seconds "$work/time")"
}

us_per_request() { awk '$1 > 0 { printf "%.4f\n", $2 * 1e6 / $1 }' "$1"; }

echo "memaslap-rs: $("$ours" --version)"
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 -Z on cpu $server_cpu, client on cpu $client_cpu;" \
    "-T 1 -c 32 -t ${seconds}s; CPU time: $clock; $runs runs each, alternating"
printf '%-9s %-6s %12s %10s %10s %10s\n' depth kind requests us/req min max
for depth in 1 16; do
    : >"$work/plain.runs"
    : >"$work/tls.runs"
    for _ in $(seq "$runs"); do
        run_one plain "$depth" >>"$work/plain.runs"
        run_one tls "$depth" >>"$work/tls.runs"
    done
    for kind in plain tls; do
        med="$(us_per_request "$work/$kind.runs" | median)"
        printf '%-9s %-6s %12.0f %10.3f %10.3f %10.3f\n' "$depth" "$kind" \
            "$(awk '{ print $1 }' "$work/$kind.runs" | median)" "$med" \
            "$(us_per_request "$work/$kind.runs" | sort -g | head -1)" \
            "$(us_per_request "$work/$kind.runs" | sort -g | tail -1)"
        eval "${kind}_med=$med"
    done
    pairs="$(paste <(us_per_request "$work/tls.runs") <(us_per_request "$work/plain.runs") |
        awk '{ r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
             END { printf "%.3f to %.3f", lo, hi }')"
    awk -v d="$depth" -v a="$tls_med" -v b="$plain_med" -v p="$pairs" \
        'BEGIN { printf "depth %s: TLS / plaintext (medians) %.3f / %.3f = %.3f; pairwise %s\n", d, a, b, a / b, p }'
done

if command -v memtier_benchmark >/dev/null 2>&1; then
    echo
    echo "memtier_benchmark --tls (its own figures, 5 s, 1 thread, 32 clients):"
    start_tls_server
    taskset -c "$client_cpu" memtier_benchmark -s 127.0.0.1 -p "$tls_port" -P memcache_text \
        --tls --tls-skip-verify -t 1 -c 32 --test-time "$seconds" --hide-histogram 2>&1 | tail -8
    stop_server
else
    echo
    echo "memtier_benchmark is not installed (not packaged here; no network to build it): no figure beside ours"
fi
