#!/usr/bin/env bash
# Where a client's CPU goes per request, natively: the floor probe, the
# floor with --work (it makes its requests and times its replies as it
# goes) and ours, at one depth, in alternating runs against a fresh
# memcached each. perf samples the client (cpu-clock, a software event, so
# it works on a VM without hardware counters); each client's samples over
# all its runs are split into the kernel and user space, user space by
# part, and given in ns a request (requests counted by memcached):
#   syscall   the system-call wrappers (epoll, recv, send) in user space
#   clock     reading the clock
#   loop      the event loop: waits' events, a connection's readiness,
#             its state after each read, timers
#   requests  making the requests and their writes
#   replies   parsing replies, checking them, recording their latencies
#   copies    memcpy and memmove
#   other     the rest (the floor's setup, its user and system time as it
#             reports them, is taken out of other and kernel)
# A function a part's code was inlined into counts for that function's
# part. The figures say where ours spends what the floor does not; the
# totals are for that split, not for ratios (benches/compare.sh --floor
# measures those, by task-clock).
#
# Usage: benches/cpu_split.sh [--runs N] [--time SECONDS] [--depth N]
#                             [--conns N] [--base PATH] [--no-build]
#   --runs N     runs of each client (default 5)
#   --time S     seconds per run (default 4)
#   --depth N    requests in flight per connection (default 16)
#   --conns N    connections of each client (default 32)
#   --base PATH  another memaslap build, run as the client "base" beside
#                ours (a change's effect, in the same alternation)
#   --no-build   use target/release/memaslap and floor as they are
# Environment: SERVER_CPU (default 0), CLIENT_CPU (default 1), FREQ
# (samples a second, default 4999).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5
seconds=4
depth=16
conns=32
build=1
base=""
source benches/common.sh
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) whole "$1" "${2:-}"; runs="$2"; shift 2 ;;
        --time) whole "$1" "${2:-}"; seconds="$2"; shift 2 ;;
        --depth) whole "$1" "${2:-}"; depth="$2"; shift 2 ;;
        --conns) whole "$1" "${2:-}"; conns="$2"; shift 2 ;;
        --base) memaslap_binary --base "${2:-}"; base="$(realpath "$2")"; shift 2 ;;
        --no-build) build=0; shift ;;
        -h|--help) script_help "$0"; exit 0 ;;
        *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
    esac
done
at_least --runs "$runs" 1
at_least --time "$seconds" 1
at_least --depth "$depth" 1
at_least --conns "$conns" 1
freq="${FREQ:-4999}"
whole FREQ "$freq"
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"

install_tools
if ! perf record -q -e cpu-clock -o /dev/null true 2>/dev/null; then
    echo "perf cannot sample here (perf record -e cpu-clock failed): install linux-perf" >&2
    exit 1
fi
if [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli -p memaslap-benches >&2
fi
ours="$PWD/target/release/memaslap"
floor_bin="$PWD/target/release/floor"
clients=(floor work ours)
[ -n "$base" ] && clients+=(base)
make_work

# sample_one CLIENT RUN: samples one run of CLIENT into $work/CLIENT.RUN.data
# and appends "requests setup_user_us setup_sys_us" to $work/CLIENT.runs.
sample_one() {
    local client="$1" run="$2" cmd before after
    start_server 4096
    case "$client" in
        floor) cmd=("$floor_bin" -s "127.0.0.1:$port" -c "$conns" -t "$seconds" --depth "$depth") ;;
        work) cmd=("$floor_bin" -s "127.0.0.1:$port" -c "$conns" -t "$seconds" --depth "$depth" --work) ;;
        ours) cmd=("$ours" -s "127.0.0.1:$port" -T 1 -c "$conns" -t "${seconds}s" --depth "$depth") ;;
        base) cmd=("$base" -s "127.0.0.1:$port" -T 1 -c "$conns" -t "${seconds}s" --depth "$depth") ;;
    esac
    before="$(server_ops)"
    if ! perf record -q -F "$freq" -e cpu-clock -o "$work/$client.$run.data" \
        taskset -c "$client_cpu" "${cmd[@]}" >"$work/run.out" 2>&1; then
        echo "$client failed:" >&2
        tail -5 "$work/run.out" >&2
    fi
    after="$(server_ops)"
    stop_server
    local setup user sys
    read -r setup user sys <<<"$(floor_values "$work/run.out" setup_ops setup_user_us setup_sys_us)"
    echo "$((after - before - setup)) $user $sys" >>"$work/$client.runs"
}

# part: reads `perf report --sort sym -n` lines and prints "part samples".
part() {
    awk '$3 == "[k]" { print "kernel", $2; next }
         $3 != "[.]" { next }
         {
             s = $0; sub(/^.*\[\.\] +/, "", s)
             if (s ~ /clock_gettime|Timespec|Instant>::now|Instant>::duration_since/) p = "clock"
             else if (s ~ /epoll_wait|^syscall$|__libc_recv|__send|Pool::recv|Pool::send|AnyTransport|TcpStream as std::io::Read|TcpStream as std::io::Write/) p = "syscall"
             else if (s ~ /memmove|memcpy/) p = "copies"
             else if (s ~ /reply_end|consume|read_hit|memcmp|record_ns|finish_set|finish_get|Results|Work>::reply|work::Work::reply|Timing/) p = "replies"
             else if (s ~ /settle|key_parts|encode|send_batch|Flights|issue|Work>::fill|work::Work::fill|Conn<T,S>>::send|write::/) p = "requests"
             else if (s ~ /Worker<S>::run|handle_event|collect|arm_timer|poll_deadline|floor::tcp::run|on_readable|^floor::run/) p = "loop"
             else p = "other"
             print p, $2
         }'
}

echo "memaslap-rs: $("$ours" --version)"
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 on cpu $server_cpu, client on cpu $client_cpu;" \
    "-c $conns --depth $depth, ${seconds} s a run, $runs runs each, alternating; perf cpu-clock at $freq Hz"
for client in "${clients[@]}"; do : >"$work/$client.runs"; done
for run in $(seq "$runs"); do
    for client in "${clients[@]}"; do
        sample_one "$client" "$run"
    done
done
parts=(kernel syscall clock loop requests replies copies other)
printf '%-9s' "ns/req"
printf '%10s' "${clients[@]}"
echo
for client in "${clients[@]}"; do
    for run in $(seq "$runs"); do
        perf report -i "$work/$client.$run.data" --stdio -n --sort sym 2>/dev/null | part
    done | awk -v f="$freq" -v runs="$work/$client.runs" '
        BEGIN { while ((getline line < runs) > 0) { split(line, v, " "); req += v[1]; su += v[2]; ss += v[3] } }
        { n[$1] += $2 }
        END {
            # The floor setup: its reported CPU, in samples, out of other and kernel.
            n["other"] -= su * f / 1e6; if (n["other"] < 0) n["other"] = 0
            n["kernel"] -= ss * f / 1e6; if (n["kernel"] < 0) n["kernel"] = 0
            for (p in n) printf "%s %.1f\n", p, (req > 0 ? n[p] * 1e9 / f / req : 0)
        }' >"$work/$client.parts"
done
for p in "${parts[@]}" user total; do
    printf '%-9s' "$p"
    for client in "${clients[@]}"; do
        awk -v p="$p" '{ v[$1] = $2; t += $2; if ($1 != "kernel") u += $2 }
            END { printf "%10.1f", p == "total" ? t : p == "user" ? u : v[p] + 0 }' "$work/$client.parts"
    done
    echo
done
