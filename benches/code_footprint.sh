#!/usr/bin/env bash
# How much code each client runs per request: ours (memaslap -T 1 -c 32),
# the floor and `floor --work` (benches/floor), against a fresh memcached
# each run, under Valgrind.
#
# Instruction counts (benches/client_instructions.sh) say how much work a
# request is; this says over how much code that work is spread, which the
# counts do not show and which may cost time too: the code a client needs
# between two system calls shares the processor's instruction cache (32
# KiB a core on this machine) with the kernel's network code those calls
# run on the same core.
#
# Per client it prints:
#   - the 64-byte lines of code run at least once every 2 requests and at
#     least once every 16 (a pipelined write of 16 requests and its
#     replies: what one round between system calls needs), in lines and
#     KiB (callgrind --dump-instr; ours' event loop only, the floor's whole
#     run, whose start-up runs too rarely to count);
#   - the misses of a simulated 32 KiB, 8-way instruction cache per
#     request (cachegrind), without the kernel's share of the cache: what
#     the client's own code alone would miss.
# The line counts repeat from run to run; the simulated misses move by a
# few percent (7.6 to 8.1 a request for ours at --depth 16 on one build).
#
# Usage: benches/code_footprint.sh [--depth N] [--binary] [--requests N]
#                                  [--pgo] [--no-build]
#   --depth N     requests in flight per connection (default 16)
#   --binary      the binary protocol (ours -B, floor --binary)
#   --requests N  ours' requests (default 100000); the floor runs 4 seconds
#   --pgo         the profile-guided builds of scripts/pgo.sh
#                 (target/pgo/release), built first unless --no-build
#   --no-build    use target/release/memaslap and floor as they are
#
# Installs valgrind when it is missing. Environment: SERVER_CPU (default
# 0), CLIENT_CPU (default 1).
set -euo pipefail
cd "$(dirname "$0")/.."

depth=16
binary=0
requests=100000
build=1
builds=target/release
while [ $# -gt 0 ]; do
    case "$1" in
        --depth) depth="$2"; shift 2 ;;
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

# lines FILE REQUESTS EVERY: the 64-byte code lines of a callgrind
# --dump-instr profile whose most-run instruction ran at least
# REQUESTS / EVERY times. Positions are absolute (0x...) or relative to
# the last (+n, -n); the line after a calls= line is the call's inclusive
# cost, not a count of the call instruction.
lines() {
    awk -v reqs="$2" -v every="$3" '
        function hex(s,    i, n, c) {
            n = 0
            for (i = 3; i <= length(s); i++) {
                c = index("0123456789abcdef", tolower(substr(s, i, 1))) - 1
                n = n * 16 + c
            }
            return n
        }
        /^ob=/ { ob = $1; next }
        /^calls=/ { skip = 1; next }
        /^[0-9+*-]/ {
            a = $1
            if (a ~ /^0x/) addr = hex(a)
            else if (a ~ /^\+/) addr += substr(a, 2) + 0
            else if (a ~ /^-/) addr -= substr(a, 2) + 0
            if (skip) { skip = 0; next }
            key = ob ":" int(addr / 64)
            if ($NF + 0 > most[key]) most[key] = $NF + 0
        }
        END {
            for (k in most) if (most[k] * every >= reqs) n++
            print n + 0
        }' "$1"
}

echo "depth $depth, $([ "$binary" -eq 1 ] && echo binary || echo text) protocol, 32 connections:"
printf '%-6s %10s %17s %17s %14s\n' client requests "lines 1/2 (KiB)" "lines 1/16 (KiB)" "I1 misses/req"
for client in floor work ours; do
    toggle=()
    [ "$client" = ours ] && toggle=(--toggle-collect='*Worker*run*')
    size=4
    [ "$client" = ours ] && size="$requests"
    n="$(valgrind_client "$client" "$size" --tool=callgrind --dump-instr=yes --callgrind-out-file="$work/cg" "${toggle[@]}")"
    half="$(lines "$work/cg" "$n" 2)"
    round="$(lines "$work/cg" "$n" 16)"
    m="$(valgrind_client "$client" "$size" --tool=cachegrind --cache-sim=yes --I1=32768,8,64 --cachegrind-out-file=/dev/null)"
    misses="$(awk '/I1  misses:/ { gsub(",", "", $4); print $4 }' "$work/out")"
    printf '%-6s %10d %8d (%5.1f) %8d (%5.1f) %14.2f\n' "$client" "$n" \
        "$half" "$(awk -v l="$half" 'BEGIN { print l * 64 / 1024 }')" \
        "$round" "$(awk -v l="$round" 'BEGIN { print l * 64 / 1024 }')" \
        "$(awk -v a="$misses" -v b="$m" 'BEGIN { print a / b }')"
done
