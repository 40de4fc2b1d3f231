#!/usr/bin/env bash
# What the open loop (--rate) costs and how far one thread takes it.
#
# 1. Client CPU per request of the open loop (--rate R), with each way of
#    waiting (--wake sleep, the default; --wake spin; --wake slack, with
#    the timer slack -P waits with), against the closed loop paced to the
#    same rate (-P R): same workload (-T 1 -c 32, get:set 9:1, 1 KiB
#    values), runs alternating, each against a fresh memcached; requests
#    counted by memcached (cmd_get + cmd_set), CPU by perf's task-clock
#    (GNU time's user + system without perf). Prints the medians, the
#    spread, each open loop's send lag p99 and the ratios to closed.
# 2. The highest rate one thread sustains with a send lag p99 of at most
#    1 ms and nothing dropped: a --scan on -T 1 -c 32, read from its table.
#
# memcached runs pinned to one core, the client to another.
#
# Usage: benches/open_loop.sh [--runs N] [--time SECONDS] [--rate R]
#                             [--scan FROM:TO:STEP] [--no-build]
#   --runs N     runs of each loop (default 7)
#   --time S     seconds per run and per scan step (default 5)
#   --rate R     the rate both loops run at (default 20000; -P reads k as
#                1,024, so give a plain number)
#   --scan L     the scan's steps (default 20000:200000:20000); "none" skips
#   --no-build   use target/release/memaslap as it is
# Environment: SERVER_CPU (default 0), CLIENT_CPU (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=7
seconds=5
rate=20000
scan="20000:200000:20000"
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) runs="$2"; shift 2 ;;
        --time) seconds="$2"; shift 2 ;;
        --rate) rate="$2"; shift 2 ;;
        --scan) scan="$2"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
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

# run_loop FLAGS... : one run of ours; prints "ops cpu_seconds lag_p99_us"
# (CPU by common.sh's cpu_meter; the send lag's p99 from the report's
# table, "-" for -P).
run_loop() {
    start_server 4096
    local before after meter lag
    read -r -a meter <<<"$(cpu_meter "$work/time")"
    before="$(server_ops)"
    if ! "${meter[@]}" taskset -c "$client_cpu" \
        "$ours" -s "127.0.0.1:$port" -T 1 -c 32 -t "${seconds}s" --seed 1 "$@" \
        >"$work/run.out" 2>&1; then
        echo "memaslap $* failed:" >&2
        tail -5 "$work/run.out" >&2
    fi
    after="$(server_ops)"
    stop_server
    lag="$(awk '/^Send lag percentiles/ { f = 1 } f && $1 == "Total" { print $5; exit }' "$work/run.out")"
    echo "$((after - before)) $(cpu_seconds "$work/time") ${lag:--}"
}

# µs of CPU per request, one line per run of a file of run_loop's lines.
per_request() { awk '$1 > 0 { printf "%.4f\n", $2 * 1e6 / $1 }' "$1"; }

echo "memaslap-rs: $("$ours" --version 2>/dev/null || echo "$ours")"
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 on cpu $server_cpu, client on cpu $client_cpu;" \
    "-T 1 -c 32 -t ${seconds}s; CPU time: $clock"
echo
echo "1. CPU per request at $rate requests/s, $runs runs each, alternating:"
loops="sleep spin slack closed"
for loop in $loops; do : >"$work/$loop.runs"; done
for _ in $(seq "$runs"); do
    for loop in $loops; do
        case "$loop" in
            closed) flags=(-P "$rate") ;;
            *) flags=(--rate "$rate" --wake "$loop") ;;
        esac
        run_loop "${flags[@]}" | tee -a "$work/$loop.runs" |
            awk -v l="$loop" '{ printf "  run %-7s %9d requests %7.2f s cpu %7.3f us/request\n", l, $1, $2, $2 * 1e6 / $1 }' >&2
    done
done
printf '%-8s %11s %11s %11s %11s %12s\n' loop requests us/req min max lag_p99_us
for loop in $loops; do
    ops="$(awk '{ print $1 }' "$work/$loop.runs" | median)"
    med="$(per_request "$work/$loop.runs" | median)"
    min="$(per_request "$work/$loop.runs" | sort -g | head -1)"
    max="$(per_request "$work/$loop.runs" | sort -g | tail -1)"
    lag="-"
    [ "$loop" != closed ] && lag="$(awk '{ print $3 }' "$work/$loop.runs" | median)"
    printf '%-8s %11.0f %11.3f %11.3f %11.3f %12s\n' "$loop" "$ops" "$med" "$min" "$max" "$lag"
    eval "${loop}_usreq=$med"
done
for loop in sleep spin slack; do
    eval "open_usreq=\$${loop}_usreq"
    awk -v l="$loop" -v a="$open_usreq" -v b="$closed_usreq" \
        'BEGIN { printf "ratio open (--wake %s) / closed (medians): %.3f / %.3f = %.3f\n", l, a, b, a / b }'
done
# Each open run's ratio to the closed run beside it, for the spread.
for loop in sleep spin slack; do
    paste <(per_request "$work/$loop.runs") <(per_request "$work/closed.runs") |
        awk -v l="$loop" '{ r = $1 / $2; if (NR == 1 || r < lo) lo = r; if (NR == 1 || r > hi) hi = r }
            END { printf "pairwise ratio --wake %s: %.3f to %.3f\n", l, lo, hi }'
done

if [ "$scan" != none ]; then
    echo
    echo "2. --scan $scan on one thread: the highest step with send lag p99 <= 1 ms and nothing dropped"
    start_server 4096
    taskset -c "$client_cpu" "$ours" -s "127.0.0.1:$port" -T 1 -c 32 -t "${seconds}s" \
        --seed 1 --scan "$scan" >"$work/scan.out" 2>&1 || true
    stop_server
    sed -n '/offered\/s/,$p' "$work/scan.out"
    # Columns: offered achieved p50 p90 p99 p99.9 svc_p99 lag_p99 dropped errors.
    awk '$1 ~ /^[0-9.]+$/ && NF >= 10 && $8 <= 1000 && $9 == 0 { best = $1 }
         END { if (best) printf "highest sustained: %s requests/s\n", best; else print "no step sustained" }' \
        "$work/scan.out"
fi
