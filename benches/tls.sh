#!/usr/bin/env bash
# What TLS costs the client: CPU per request over TLS against plaintext,
# side by side, at depth 1 and at --depth 16; and the same four figures of
# memtier_benchmark, the peer with TLS, when it is found.
#
# One memcached runs with TLS on one port and plaintext on another (-Z,
# -l notls:…), pinned to one core, with a self-signed certificate made
# here by openssl; the client runs on another core, one thread, 32
# connections, get:set 9:1, 1 KiB values, 64-byte keys. Plaintext and TLS
# runs alternate (and memtier's with ours); requests are counted by
# memcached (cmd_get + cmd_set), CPU by perf's task-clock (GNU time's
# user + system without perf). Prints the medians, the spread and the
# ratios TLS / plaintext per depth and client, and ours / memtier.
#
# memtier_benchmark runs -P memcache_text -t 1 -c 32 --ratio=1:9
# --key-pattern=R:R over 10,000 keys of 64 bytes or a byte less (a
# 59-byte prefix and the key number), --pipeline=DEPTH; its keys are
# stored before its run, not counted (ours stores its window's keys within
# its run, counted: about 1 % of its requests). It is not packaged by
# Debian: build it from its sources (github.com/RedisLabs/memtier_benchmark;
# autoreconf -ivf && ./configure && make, with libevent-dev, libssl-dev,
# zlib1g-dev, pkg-config) and put it on PATH or name it in MEMTIER.
#
# Usage: benches/tls.sh [--runs N] [--time SECONDS] [--no-build]
#   --runs N     runs of each (default 5)
#   --time S     seconds per run (default 5)
#   --no-build   use target/release/memaslap as it is
# Environment: SERVER_CPU (default 0), CLIENT_CPU (default 1), MEMTIER
# (memtier_benchmark's path; default: the one on PATH, if any).
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
        -h|--help) sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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
find_memtier
kinds=(plain tls)
[ -n "$memtier" ] && kinds+=(mt-plain mt-tls)

make_work

make_certs "$work"
server_tls="$work"

# client_args KIND DEPTH: the command of one run of KIND (plain, tls,
# mt-plain, mt-tls) at DEPTH, into the array `cmd`.
client_args() {
    local kind="$1" depth="$2"
    case "$kind" in
        plain) cmd=("$ours" -T 1 -c 32 -t "${seconds}s" --seed 1 -s "127.0.0.1:$port" --depth "$depth") ;;
        tls) cmd=("$ours" -T 1 -c 32 -t "${seconds}s" --seed 1 -s "127.0.0.1:$tls_port"
            --tls --tls-ca "$work/ca.pem" --depth "$depth") ;;
        mt-plain) memtier_cmd 32 "$depth" "$seconds" ;;
        mt-tls)
            memtier_cmd 32 "$depth" "$seconds"
            cmd+=(-p "$tls_port" --tls --tls-skip-verify)
            ;;
    esac
}

# run_one KIND DEPTH: one run of KIND against a fresh server; prints
# "ops cpu".
run_one() {
    local kind="$1" depth="$2" before after meter cmd
    start_server 4096
    [[ "$kind" == mt-* ]] && memtier_prefill
    client_args "$kind" "$depth"
    read -r -a meter <<<"$(cpu_meter "$work/time")"
    before="$(server_ops)"
    if ! "${meter[@]}" taskset -c "$client_cpu" "${cmd[@]}" >"$work/run.out" 2>&1; then
        echo "$kind at depth $depth failed:" >&2
        tail -5 "$work/run.out" >&2
    fi
    after="$(server_ops)"
    stop_server
    echo "$((after - before)) $(cpu_seconds "$work/time")"
}

us_per_request() { awk '$1 > 0 { printf "%.4f\n", $2 * 1e6 / $1 }' "$1"; }

# ratio A B: "A / B (medians) = R; pairwise LO to HI" of the runs of kinds
# A and B at this depth.
ratio() {
    local a="$1" b="$2" ma mb pairs
    ma="$(us_per_request "$work/$a.runs" | median)"
    mb="$(us_per_request "$work/$b.runs" | median)"
    pairs="$(paste <(us_per_request "$work/$a.runs") <(us_per_request "$work/$b.runs") |
        awk '{ r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
             END { printf "%.3f to %.3f", lo, hi }')"
    awk -v a="$ma" -v b="$mb" -v p="$pairs" -v na="$a" -v nb="$b" \
        'BEGIN { printf "%s / %s (medians) %.3f / %.3f = %.3f; pairwise %s\n", na, nb, a, b, a / b, p }'
}

echo "memaslap-rs: $("$ours" --version)"
if [ -n "$memtier" ]; then
    echo "memtier_benchmark: $("$memtier" --version 2>&1 | head -1)"
else
    echo "memtier_benchmark: not found (see --help to build it): ours only"
fi
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 -Z on cpu $server_cpu, client on cpu $client_cpu;" \
    "1 thread, 32 connections, ${seconds} s; CPU time: $clock; $runs runs each, alternating"
printf '%-9s %-9s %12s %10s %10s %10s\n' depth kind requests us/req min max
for depth in 1 16; do
    for kind in "${kinds[@]}"; do : >"$work/$kind.runs"; done
    for _ in $(seq "$runs"); do
        for kind in "${kinds[@]}"; do
            run_one "$kind" "$depth" >>"$work/$kind.runs"
        done
    done
    for kind in "${kinds[@]}"; do
        printf '%-9s %-9s %12.0f %10.3f %10.3f %10.3f\n' "$depth" "$kind" \
            "$(awk '{ print $1 }' "$work/$kind.runs" | median)" \
            "$(us_per_request "$work/$kind.runs" | median)" \
            "$(us_per_request "$work/$kind.runs" | sort -g | head -1)" \
            "$(us_per_request "$work/$kind.runs" | sort -g | tail -1)"
    done
    echo "depth $depth: $(ratio tls plain)"
    if [ -n "$memtier" ]; then
        echo "depth $depth: $(ratio mt-tls mt-plain)"
        echo "depth $depth: $(ratio plain mt-plain)"
        echo "depth $depth: $(ratio tls mt-tls)"
    fi
done
