#!/usr/bin/env bash
# User-space instructions per request of the whole client, under Valgrind's
# callgrind: ours (memaslap -T 1 -c 32), the floor and `floor --work`
# (benches/floor), against a fresh memcached each run. Where compare.sh's
# CPU times move by ±10 % with the machine's load, a build's count repeats
# within 0.1 % when run back to back (hours apart it has moved by up to
# 5 %: compare builds in one sitting), so it shows a change of the
# client's own work that the times cannot.
#
# Each client runs twice, a short and a long run; the figure is
# (instructions of the long run - of the short) / (requests of the long -
# of the short), which leaves out what a run spends once (start-up, the
# floor's key setup, the final report). What a run does once a second (the
# reporter's merge of the workers' statistics) is counted at Valgrind's
# pace, some 50 times slower than a native run's, so it weighs more here
# than it does in a native run. Only instructions are counted: not cache
# misses, nor what the kernel does for the client's system calls (in
# compare.sh's times, most of a request at depth 1).
#
# With --events, only ours runs, once, and only the instructions of its
# per-request work are counted: the connection's event handling and the
# worker's timer arming (callgrind --toggle-collect on Conn::handle_event
# and Worker::arm_timer), which leaves out start-up, the reporter and what
# runs once a second. That count repeats to the instruction from run to
# run and does not depend on the run's length, so it shows a change of ten
# instructions; use it to judge one change, the default to compare with the
# floor.
#
# With --wakes, only ours runs, once, with one connection and one request
# in flight (-T 1 -c 1 --depth 1): every request is then one wake-up of
# the worker, and the count is of the worker's whole loop (callgrind
# --toggle-collect on Worker::run, less the once-a-second snapshots to the
# reporter, whose number depends on the run's pace), so it is what a
# request and a wake-up cost together. Natively a --depth 16 run makes
# about one wake-up per two requests, and a Valgrind run far fewer (the
# client runs some 50 times slower, so each wake-up brings more replies):
# the other counts weigh what a wake-up costs (the wait, the event's
# dispatch, the receive path's layers, timers) less than a native run
# does. This one weighs it fully and, like --events, repeats within a few
# instructions.
#
# With --per-wake, each client (ours, the floor, `floor --work`) runs with
# one connection at depth 1 and at --depth (default here 16), and its
# instructions are split into what a wake-up costs whatever it brings (the
# wait, the event's dispatch, the receive path's layers, timers) and what
# each request costs, by solving count = wakes x W + requests x R over the
# two runs (ours: its worker loop, snapshots left out; the floor: the
# difference of a 2 and a 4 second run, which leaves out its setup). The
# other counts run far fewer wake-ups a request than a native run does
# (Valgrind's client is slow, so each wake-up brings more replies); where
# perf counts system calls (tracepoints), each client then runs natively
# for 3 seconds (-c 32 at --depth) and its epoll waits a request w give the
# instructions a request a native run makes, R + w x W.
#
# Usage: benches/client_instructions.sh [--depth N] [--binary] [--requests N]
#                                       [--events | --wakes | --per-wake]
#                                       [--pgo] [--no-build]
#   --depth N     requests in flight per connection (default 1)
#   --binary      the binary protocol (ours -B, floor --binary)
#   --requests N  ours: requests of the short run; the long run makes
#                 twice as many (default 50000). The floor runs for
#                 4 and 8 seconds.
#   --events      ours' event handling alone (see above), one run of
#                 --requests requests
#   --wakes       ours' worker loop with one wake-up per request (see
#                 above), one run of --requests requests; --depth is
#                 ignored
#   --per-wake    each client's cost of a wake-up and of a request (see
#                 above); --depth defaults to 16
#   --pgo         the profile-guided builds of scripts/pgo.sh
#                 (target/pgo/release), built first unless --no-build
#   --no-build    use target/release/memaslap and floor as they are
#
# Installs valgrind when it is missing. Environment: SERVER_CPU (default
# 0), CLIENT_CPU (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

depth=1
binary=0
requests=50000
build=1
builds=target/release
events=0
wakes=0
per_wake=0
depth_given=0
while [ $# -gt 0 ]; do
    case "$1" in
        --events) events=1; shift ;;
        --wakes) wakes=1; shift ;;
        --per-wake) per_wake=1; shift ;;
        --depth) depth="$2"; depth_given=1; shift 2 ;;
        --binary) binary=1; shift ;;
        --requests) requests="$2"; shift 2 ;;
        --pgo) builds=target/pgo/release; shift ;;
        --no-build) build=0; shift ;;
        *) echo "unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
    esac
done
case "$depth$requests" in
    *[!0-9]*) echo "--depth and --requests take whole numbers" >&2; exit 2 ;;
esac
[ "$depth" -ge 1 ] && [ "$requests" -ge 1 ] || { echo "--depth and --requests must be at least 1" >&2; exit 2; }
[ $((events + wakes + per_wake)) -le 1 ] || { echo "--events, --wakes and --per-wake are one at a time" >&2; exit 2; }
if [ "$per_wake" -eq 1 ] && [ "$depth_given" -eq 0 ]; then
    depth=16
fi
if [ "$per_wake" -eq 1 ] && [ "$depth" -lt 2 ]; then
    echo "--per-wake compares depth 1 with --depth, which must be at least 2" >&2
    exit 2
fi

source benches/common.sh
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"
install_tools
install_valgrind
if [ "$build" -eq 1 ] && [ "$builds" = target/pgo/release ]; then
    bash scripts/pgo.sh >&2
elif [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli -p memaslap-benches --bin memaslap --bin floor >&2
fi
make_work

ours_flags=(-T 1 -c 32 --depth "$depth")
floor_flags=(-c 32 --depth "$depth")
if [ "$binary" -eq 1 ]; then
    ours_flags+=(-B)
    floor_flags+=(--binary)
fi

# measure CLIENT SIZE [CALLGRIND_OPTION...]: prints "instructions requests"
# of one run under callgrind (see valgrind_client); its profile is left in
# $work/callgrind.out.
measure() {
    local client="$1" size="$2" done
    shift 2
    done="$(valgrind_client "$client" "$size" --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$@")" || exit 1
    echo "$(awk '/Collected :/ { print $NF }' "$work/out") $done"
}

if [ "$per_wake" -eq 1 ]; then
    source benches/per_wake.sh
    per_wake_report
    exit 0
fi
if [ "$wakes" -eq 1 ]; then
    ours_flags=(-T 1 -c 1 --depth 1)
    [ "$binary" -eq 1 ] && ours_flags+=(-B)
    echo "depth 1, $([ "$binary" -eq 1 ] && echo binary || echo text) protocol, 1 connection; instructions per request:"
    read -r i n <<<"$(measure ours "$requests" --toggle-collect='*Worker*run*')"
    # What the once-a-second snapshots cost (how many a run makes depends
    # on its pace) is left out.
    s="$(inclusive "$work/callgrind.out" 'Worker<S>::snapshot [')"
    awk -v i="$i" -v s="${s:-0}" -v n="$n" 'BEGIN { printf "ours, the worker loop, one wake-up a request: %.1f   (%d instructions, %d of them snapshots left out, over %d requests)\n", (i - s) / n, i, s, n }'
    exit 0
fi
echo "depth $depth, $([ "$binary" -eq 1 ] && echo binary || echo text) protocol, 32 connections; instructions per request:"
if [ "$events" -eq 1 ]; then
    read -r i n <<<"$(measure ours "$requests" \
        --toggle-collect='*Conn*handle_event*' --toggle-collect='*Worker*arm_timer*')"
    awk -v i="$i" -v n="$n" 'BEGIN { printf "ours, event handling and timers: %.1f   (%d instructions over %d requests)\n", i / n, i, n }'
    exit 0
fi
declare -A per_request
for client in floor work ours; do
    if [ "$client" = ours ]; then
        short="$requests"; long=$((2 * requests))
    else
        short=4; long=8
    fi
    read -r i1 n1 <<<"$(measure "$client" "$short")"
    read -r i2 n2 <<<"$(measure "$client" "$long")"
    if [ "$n2" -le "$n1" ]; then
        echo "$client: the long run made no more requests than the short ($n2, $n1)" >&2
        exit 1
    fi
    per_request[$client]="$(awk -v a="$i1" -v b="$i2" -v m="$n1" -v n="$n2" 'BEGIN { printf "%.0f", (b - a) / (n - m) }')"
    printf '%-6s %6d   (%d - %d instructions over %d - %d requests)\n' \
        "$client" "${per_request[$client]}" "$i2" "$i1" "$n2" "$n1"
done
awk -v f="${per_request[floor]}" -v w="${per_request[work]}" -v o="${per_request[ours]}" \
    'BEGIN { printf "work / floor %.2f, ours / work %.2f, ours / floor %.2f\n", w / f, o / w, o / f }'
