#!/usr/bin/env bash
# Ours' instructions a wake-up and a request when its reads take part of a
# pipelined batch, as they do natively. Natively memcached -t 1 writes each
# text reply of a batch with a sendmsg of its own and the client, faster,
# wakes for part of a batch (0.5-0.7 waits a request at --depth 16); under
# Valgrind the client is some 50 times slower and finds whole batches, so
# client_instructions.sh never runs the path of a read that leaves a batch
# unfinished. Here memcached runs under `strace -f`, which slows it about
# as much, so that ours, under callgrind, wakes for part of a batch again.
#
# Each run is ours (-T 1 -c 32 --depth N -x REQUESTS) against a fresh
# memcached, its worker loop counted (callgrind --toggle-collect on
# Worker::run, the once-a-second snapshots left out) with its waits (the
# worker loop's system calls that wait). How many waits a request a run
# makes depends on the machine's pace, so a run's count is one point of
# instructions a request = R + waits a request x W; over --runs runs a
# least-squares fit gives W (a wake-up) and R (a request), and R + 0.6 W,
# a request at a native run's waits. The fit moves by a few percent between
# invocations; a change is judged against --base, a build run alternately
# with ours and fitted the same way.
#
# Usage: benches/partial_reads.sh [--runs N] [--depth N] [--requests N]
#                                 [--base PATH] [--no-build]
#   --runs N      runs of each build (default 8, at least 3)
#   --depth N     requests in flight per connection (default 16, at least 2)
#   --requests N  requests a run (default 30000)
#   --base PATH   another memaslap build, run alternately with ours
#   --no-build    use target/release/memaslap as it is
# Installs valgrind and strace when they are missing. Environment:
# SERVER_CPU (default 0), CLIENT_CPU (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=8
depth=16
requests=30000
base=""
build=1
source benches/common.sh
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) whole "$1" "${2:-}"; runs="$2"; shift 2 ;;
        --depth) whole "$1" "${2:-}"; depth="$2"; shift 2 ;;
        --requests) whole "$1" "${2:-}"; requests="$2"; shift 2 ;;
        --base) memaslap_binary --base "${2:-}"; base="$(realpath "$2")"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) script_help "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
at_least --runs "$runs" 3 "a fit of two unknowns"
at_least --depth "$depth" 2 "a batch to read part of"
at_least --requests "$requests" 1000
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"

install_tools
install_valgrind
command -v strace >/dev/null 2>&1 || apt_install strace
if [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli >&2
fi
ours="$PWD/target/release/memaslap"
make_work
server_wrap=(strace -f -o /dev/null)

# point BINARY: "waits_per_request instructions_per_request" of one run.
point() {
    local i s w n
    start_server 4096
    if ! taskset -c "$client_cpu" valgrind --tool=callgrind \
        --callgrind-out-file="$work/callgrind.out" --toggle-collect='*Worker*run*' \
        "$1" -s "127.0.0.1:$port" -T 1 -c 32 --depth "$depth" -x "$requests" >"$work/out" 2>&1; then
        tail -5 "$work/out" >&2
        exit 1
    fi
    stop_server
    i="$(awk '/Collected :/ { print $NF }' "$work/out")"
    s="$(inclusive "$work/callgrind.out" 'Worker<S>::snapshot [')"
    w="$(calls_from "$work/callgrind.out" 'Worker<S>::run|transport::wait::wait' ':syscall [')"
    n="$(requests_done ours "$work/out")"
    if [ "$w" -eq 0 ]; then
        echo "no wait counted in the worker loop's profile; have the names above changed?" >&2
        exit 1
    fi
    awk -v i="$i" -v s="$s" -v w="$w" -v n="$n" \
        'BEGIN { if (n > 0) printf "%.4f %.1f\n", w / n, (i - s) / n }'
}

# fit NAME FILE: W, R and R + 0.6 W by least squares over FILE's points.
fit() {
    awk -v name="$1" '{ x[NR] = $1; y[NR] = $2; sx += $1; sy += $2 }
        END {
            mx = sx / NR; my = sy / NR
            for (k = 1; k <= NR; k++) { sxx += (x[k] - mx) ^ 2; sxy += (x[k] - mx) * (y[k] - my) }
            lo = hi = x[1]
            for (k = 2; k <= NR; k++) { if (x[k] < lo) lo = x[k]; if (x[k] > hi) hi = x[k] }
            if (sxx == 0) { printf "%-5s the runs all made %.3f waits a request: no fit\n", name, lo; exit }
            W = sxy / sxx; R = my - W * mx
            printf "%-5s %9.0f %9.0f %11.0f %7.3f-%.3f\n", name, W, R, R + 0.6 * W, lo, hi
        }' "$2"
}

clients=(ours)
[ -n "$base" ] && clients+=(base)
echo "memaslap-rs: $("$ours" --version)"
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 under strace -f on cpu $server_cpu; ours under callgrind" \
    "on cpu $client_cpu: -T 1 -c 32 --depth $depth -x $requests, $runs runs each, alternating"
for client in "${clients[@]}"; do : >"$work/$client.points"; done
for _ in $(seq "$runs"); do
    for client in "${clients[@]}"; do
        if [ "$client" = ours ]; then bin="$ours"; else bin="$base"; fi
        point "$bin" >>"$work/$client.points"
    done
done
printf '%-5s %9s %9s %11s %13s\n' build W R "R + 0.6 W" "waits/request"
for client in "${clients[@]}"; do
    fit "$client" "$work/$client.points"
done
