#!/usr/bin/env bash
# How many requests per second one client thread drives: ours (-T 1), the
# floor probe (benches/floor) and, when it is found, memtier_benchmark (-t
# 1, --pipeline DEPTH; see benches/tls.sh --help for building it, MEMTIER
# for its path), unthrottled, at --depth 1, 16 and 64, the figure for "how
# many client machines do I need?".
#
# The server must not be the limit, but this machine has two cores: the
# client gets one, and memcached -t 2 runs both its threads on the other.
# So each row also gives the client's CPU use (task-clock / wall time):
# near 100 % the client is the limit and ops/s is what one core of it
# drives; well below, the server is, and the figure is a lower bound. The
# last column, requests per second of client CPU (1 / its CPU per
# request), is what one client core would drive against a server fast
# enough: how many client cores a target rate needs.
# Workload: -c 32, get:set 9:1, 64-byte keys, 1 KiB values (both tools'
# default); requests are counted by memcached (cmd_get + cmd_set). Runs
# alternate ours and the floor, each against a fresh memcached.
#
# Usage: benches/throughput.sh [--runs N] [--time SECONDS] [--conns N]
#                              [--depths LIST] [--protocol P] [--no-build]
#   --runs N       runs of each (default 3)
#   --time S       seconds per run (default 5)
#   --conns N      connections of each client (default 32)
#   --depths L     comma-separated depths (default 1,16,64)
#   --protocol P   text (default), binary or meta; the floor and memtier
#                  have no meta protocol and sit that one out. Pipelined,
#                  memcached writes each text reply on its own and a batch
#                  of binary or meta replies at once: the protocol changes
#                  what a client core drives several times over.
#   --no-build     use target/release/memaslap and floor as they are
# Environment: SERVER_CPU (default 0), CLIENT_CPU (default 1),
# SERVER_THREADS (default 2), MEMTIER (memtier_benchmark's path).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
seconds=5
conns=32
depths="1,16,64"
protocol=text
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --time) seconds="$2"; shift 2 ;;
        --conns) conns="$2"; shift 2 ;;
        --depths) depths="$2"; shift 2 ;;
        --protocol) protocol="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,33p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "unknown option: $1" >&2; exit 2 ;;
    esac
done
case "$protocol" in
    text) ours_protocol=ascii; floor_protocol=(); memtier_protocol=memcache_text ;;
    binary) ours_protocol=binary; floor_protocol=(--binary); memtier_protocol=memcache_binary ;;
    meta) ours_protocol=meta; floor_protocol=(); memtier_protocol="" ;;
    *) echo "--protocol: $protocol is not one of text, binary, meta" >&2; exit 2 ;;
esac
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"
server_threads="${SERVER_THREADS:-2}"

source benches/common.sh
install_tools
if [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli -p memaslap-benches >&2
fi
ours="$PWD/target/release/memaslap"
floor_bin="$PWD/target/release/floor"
find_memtier
clients=(ours)
[ "$protocol" = meta ] || clients+=(floor)
[ -n "$memtier" ] && [ -n "$memtier_protocol" ] && clients+=(memtier)

make_work

# run_one CLIENT DEPTH: prints "ops cpu_seconds wall_seconds".
run_one() {
    local client="$1" depth="$2" cmd meter before after start end
    start_server 4096
    case "$client" in
        ours) cmd=("$ours" -s "127.0.0.1:$port" -T 1 -c "$conns" -t "${seconds}s" --depth "$depth"
            --protocol "$ours_protocol") ;;
        floor) cmd=("$floor_bin" -s "127.0.0.1:$port" -c "$conns" -t "$seconds" --depth "$depth"
            "${floor_protocol[@]}") ;;
        memtier)
            memtier_prefill
            memtier_cmd "$conns" "$depth" "$seconds" "$memtier_protocol"
            ;;
    esac
    read -r -a meter <<<"$(cpu_meter "$work/cpu")"
    before="$(server_ops)"
    start="$(date +%s.%N)"
    if ! "${meter[@]}" taskset -c "$client_cpu" "${cmd[@]}" >"$work/run.out" 2>&1; then
        echo "$client --depth $depth failed:" >&2
        tail -5 "$work/run.out" >&2
    fi
    end="$(date +%s.%N)"
    after="$(server_ops)"
    # The floor stores its keys before its run and reports what that took;
    # its requests and CPU are taken out (its wall time, about 1 %, is not).
    local setup setup_cpu
    read -r setup setup_cpu <<<"$(floor_setup "$work/run.out")"
    stop_server
    awk -v ops="$((after - before - setup))" -v cpu="$(cpu_seconds "$work/cpu")" \
        -v sc="$setup_cpu" -v wall="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
        'BEGIN { printf "%d %.4f %.4f\n", ops, cpu - sc / 1e6, wall }'
}

echo "memaslap-rs: $("$ours" --version)"
[ -n "$memtier" ] && echo "memtier_benchmark: $("$memtier" --version 2>&1 | head -1)"
echo "memcached $(memcached -V | cut -d' ' -f2) -t $server_threads on cpu $server_cpu (this machine's other core)," \
    "client on cpu $client_cpu; -T 1 -c $conns -t ${seconds}s, $protocol protocol; CPU time: $clock; $runs runs each, alternating"
printf '%-6s %-7s %12s %12s %10s %9s %12s\n' depth client ops/s "min-max" us/op cpu_use ops/cpu_s
IFS=',' read -r -a wanted <<<"$depths"
for depth in "${wanted[@]}"; do
    for client in "${clients[@]}"; do : >"$work/$client.runs"; done
    for _ in $(seq "$runs"); do
        for client in "${clients[@]}"; do
            run_one "$client" "$depth" >>"$work/$client.runs"
        done
    done
    for client in "${clients[@]}"; do
        f="$work/$client.runs"
        rate() { awk '$3 > 0 { printf "%.0f\n", $1 / $3 }' "$f"; }
        usop="$(awk '$1 > 0 { printf "%.4f\n", $2 * 1e6 / $1 }' "$f" | median)"
        printf '%-6s %-7s %12.0f %5.0f-%-6.0f %10.3f %8.0f%% %12.0f\n' "$depth" "$client" \
            "$(rate | median)" "$(rate | sort -g | head -1)" "$(rate | sort -g | tail -1)" "$usop" \
            "$(awk '$3 > 0 { printf "%.4f\n", 100 * $2 / $3 }' "$f" | median)" \
            "$(awk -v u="$usop" 'BEGIN { print (u > 0) ? 1e6 / u : 0 }')"
    done
done
