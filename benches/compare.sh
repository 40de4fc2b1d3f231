#!/usr/bin/env bash
# Client CPU per operation of memaslap-rs against the original memaslap
# (`memcaslap` from Debian's libmemcached-tools), with the same workload.
#
# memcached runs pinned to one core, each client pinned to another. For every
# profile the clients run in turn, each against a fresh memcached, the order
# rotated by one each round (A B C, B C A, C A B, ...): no client holds one
# place in every round, so what a place brings (the runs before it, the
# machine's drift over a round) falls on each client alike. Per run: operations from memcached's own `stats` (cmd_get +
# cmd_set delta, so a multi-get counts its keys), the client's CPU time
# (perf's task-clock where perf works, else GNU time's user + system, which
# is sampled at the kernel's tick and overstates a client that sleeps and
# wakes often) and peak RSS from GNU time. Per client the medians are printed, with the
# ratio ours / original.
#
# With --floor, `floor` (benches/floor: a minimal client that only sends
# prepared requests and finds where each reply ends) runs too, in turn with
# the other two, for the ascii and udp profiles and the --depth test, and the
# ratios floor / original and ours / floor are printed: what the machine
# leaves to gain. Its ops and CPU exclude the sets that store its keys
# before the run (it reports both; they are subtracted). For the ascii and
# binary profiles and the --depth test, `floor --work` (the client "work")
# runs as well: the floor plus, done the plainest way, what a latency
# benchmark of this workload cannot leave out (requests made as they are
# sent with random keys, each timed into a histogram, hits told from
# misses); work / floor is what that work costs, ours / work what ours
# costs beyond it.
#
# Usage: benches/compare.sh [--runs N] [--time SECONDS] [--profiles LIST]
#                           [--depth N] [--conns N] [--floor] [--csv FILE]
#                           [--aa] [--pgo] [--no-build]
#   --runs N        runs per client and profile (default 3, at least 1)
#   --time S        seconds per run (default 5)
#   --profiles L    comma-separated among ascii,binary,udp,multiget and the
#                   modes meta,zipf,trace,rate,rate-slack,tls (default
#                   ascii,binary,udp,multiget); "none" runs only the
#                   --depth and --conns tests. A mode runs ours in it
#                   against ours without it (the client "base"), same
#                   workload otherwise:
#                     meta   --protocol meta, against the text protocol
#                     zipf   --keys 10000 --key-dist zipf:0.99 --prefill,
#                            against memaslap's window model (the prefill,
#                            10,000 sets, counts in both ops and CPU)
#                     trace  --trace of a CSV trace made here (64-byte keys,
#                            1 KiB values, get:set 9:1, 4,096 clients) at
#                            --trace-speed max, against the window model
#                     rate   --rate 20000 (open loop), against -P 20000
#                            (closed loop at the same throughput)
#                     rate-slack  --rate 20000 --wake slack: the open loop
#                            waiting with the timer slack -P waits with
#                            (the system's), against -P 20000
#                   With --floor, the rate profiles also run the floor's
#                   open loop (floor --rate 20000, --precise for rate)
#                   against its paced closed loop (floor --pace 20000, the
#                   client "floorbase"): what the schedule costs a client
#                   that does nothing else, beside what it costs ours.
#                     tls    --tls (a certificate made here by openssl),
#                            against plaintext to the same memcached -Z
#   --depth N       also run ours with --depth N against ours with --depth 1
#                   (ASCII, alternating, --runs each) and print the ratio of
#                   their CPU per operation; 0 skips (default 16)
#   --conns N       also run N connections on one thread (memcached -c 2N)
#                   and report RSS per connection; 0 skips (default 10000)
#   --floor         also run the floor probe (ascii, binary, udp, rate,
#                   rate-slack, --depth)
#   --aa            with --floor, also run the floor a second time in each
#                   round of the --depth test (the client "again", after
#                   ours) and print again / floor as each ratio is printed:
#                   an A/A comparison of one binary with itself, whose
#                   distance from 1 is what the invocation's ratios cannot
#                   resolve (on a 2-vCPU VM, thirteen 7-round comparisons of
#                   the floor with itself at --depth 16 gave 0.92 to 1.06)
#   --csv FILE      also write every median row, with its spread, to FILE
#                   (section,profile,client,runs,ops,cpu_s,us_op,us_op_min,
#                   us_op_max,rss_kb,server_us_op: the last is memcached's
#                   median CPU per operation), for comparing later runs
#   --runs-csv FILE also write every run to FILE (section,profile,client,
#                   round,ops,cpu_s,user_s,sys_s,rss_kb,server_s), which
#                   benches/pool.sh pools over several invocations
#   --pgo           ours and the floor (and work) built with profile-guided
#                   optimization by scripts/pgo.sh, each trained on runs of
#                   its own (target/pgo/release); ORIGINAL=target/release/
#                   memaslap then compares ours with its plain build
#   --no-build      use target/release/memaslap (and floor) as they are
#                   (with --pgo, target/pgo/release's)
#
# Each section also gives each client's CPU per operation split into user
# and system time (GNU time's, whose split the kernel samples at its tick):
# where a client's time goes, beside the task-clock totals.
#
# Each median row has the spread of its runs' µs/op (min and max) beside it;
# take --runs 7 when a few percent matter. Each ratio of two clients is
# also given paired: the median (and least and most) of the ratios of
# their runs in the same round, which leaves out most of what the
# machine's load does to both (a ratio of medians keeps it), and their
# geometric mean with its 95 % confidence interval: a target inside the
# interval is one the invocation cannot tell from the ratio it measured.
#
# With --floor, ours / floor (each profile the floor has, and the --depth
# test, where work / floor and ours / work are given too) is also given
# at equal server CPU: memcached's CPU per operation on each run (its
# rusage from `stats`; the floor's key setup left out) moves with the
# machine's load, up to twice from run to run on a 2-vCPU VM, and each
# client's CPU per operation moves with it (a slower server answers fewer
# requests per wake-up, so the client wakes more often per request). A
# least-squares slope through both clients' runs about their own means
# carries each client's mean to the median server cost of all their runs,
# and the two are compared there (analysis of covariance; see
# at_equal_server). It needs --runs 7 or more, and r, the correlation it
# rests on, is printed beside it. It assumes that the server's cost per
# operation differs between runs by the machine's load alone; where one
# client's requests make the server's work per operation differ from
# another's, it charges that to the client. A third view, then, beside
# the paired ratio, not a better one: over three invocations on one build
# the two moved as much (--depth 16: 1.13, 1.09, 1.07 at equal server
# CPU; paired 1.12, 1.05, 1.07).
#
# Every profile uses -T 1 -c 32 (one request in flight per connection) and
# the default workload of both tools: get:set 9:1, 64-byte keys, 1 KiB
# values. Loopback only. Environment: SERVER_CPU (default 0), CLIENT_CPU
# (default 1), ORIGINAL (the client to compare with; default memcaslap, e.g.
# an older build of memaslap-rs).
set -euo pipefail
cd "$(dirname "$0")/.."

runs=3
csv=""
runs_csv=""
seconds=5
profiles="ascii,binary,udp,multiget"
many=10000
depth=16
build=1
floor=0
pgo=0
aa=0
source benches/common.sh
source benches/runs.sh
given() { [ -n "$2" ] || { echo "$1 takes $3" >&2; exit 2; }; }
while [ $# -gt 0 ]; do
    case "$1" in
        --runs) whole --runs "${2-}"; runs="$2"; shift 2 ;;
        --csv) given --csv "${2-}" "a file name"; csv="$2"; shift 2 ;;
        --runs-csv) given --runs-csv "${2-}" "a file name"; runs_csv="$2"; shift 2 ;;
        --time) whole --time "${2-}"; seconds="$2"; shift 2 ;;
        --profiles) given --profiles "${2-}" "a comma-separated list of profiles"; profiles="$2"; shift 2 ;;
        --conns) whole --conns "${2-}"; many="$2"; shift 2 ;;
        --depth) whole --depth "${2-}"; depth="$2"; shift 2 ;;
        --aa) aa=1; shift ;;
        --floor) floor=1; shift ;;
        --pgo) pgo=1; shift ;;
        --no-build) build=0; shift ;;
        -h|--help) script_help "$0"; exit 0 ;;
        *) echo "unknown option: $1 (benches/compare.sh --help lists them)" >&2; exit 2 ;;
    esac
done
IFS=',' read -r -a wanted <<<"$profiles"
for profile in "${wanted[@]}"; do
    case "$profile" in
        none|ascii|binary|udp|multiget|meta|zipf|trace|rate|rate-slack|tls) ;;
        *) echo "unknown profile '$profile' in --profiles: the profiles are ascii, binary, udp, multiget, meta, zipf, trace, rate, rate-slack, tls or none" >&2; exit 2 ;;
    esac
done
at_least --runs "$runs" 1
[ "$seconds" -ge 1 ] || { echo "--time must be at least 1 second" >&2; exit 2; }
if [ "$aa" -eq 1 ] && { [ "$floor" -eq 0 ] || [ "$depth" -le 1 ]; }; then
    echo "--aa runs the floor twice in the --depth test: it needs --floor and --depth of 2 or more" >&2
    exit 2
fi
server_cpu="${SERVER_CPU:-0}"
client_cpu="${CLIENT_CPU:-1}"

# --- tools and memcached ---------------------------------------------------
install_tools
builds="$PWD/target/release"
if [ "$pgo" -eq 1 ]; then
    builds="$PWD/target/pgo/release"
    [ "$build" -eq 1 ] && bash scripts/pgo.sh >&2
elif [ "$build" -eq 1 ]; then
    cargo build --release --locked -p memaslap-cli >&2
    if [ "$floor" -eq 1 ]; then
        cargo build --release --locked -p memaslap-benches --bin floor >&2
    fi
fi
ours="$builds/memaslap"
floor_bin="$builds/floor"
original="${ORIGINAL:-$(command -v memcaslap)}"

make_work

# --- one run ---------------------------------------------------------------
# run_client CLIENT CONNS EXTRA... : prints "ops user sys rss_kb utime stime
# server": server is the CPU memcached used on the run, in seconds (its
# rusage from `stats` before and after; for the floor, from the end of its
# key setup).
# CLIENT is ours, original, base (ours without the mode a mode profile
# measures), floor, work, again or floorbase (the floor's base in a mode
# profile); floor's setup (storing its keys) is taken out of ops
# and of user CPU. A trace replay lasts its trace, so it gets no -t.
# utime and stime are GNU time's user and system seconds (the setup's taken
# out too): the kernel samples which of the two a tick lands in and scales
# them to the task's CPU, so their split is a sample (shown by split_text).
run_client() {
    local client="$1" conns="$2"
    shift 2
    start_server $((conns * 2 > 4096 ? conns * 2 : 4096))
    local target="127.0.0.1:$port" length=(-t "${seconds}s")
    case " $* " in *" --tls "*) target="127.0.0.1:$tls_port" ;; esac
    case " $* " in *" --trace "*) length=() ;; esac
    local cmd=("$ours" -s "$target" -T 1 -c "$conns" "${length[@]}")
    local is_floor=0
    case "$client" in
        original) cmd[0]="$original" ;;
        floor|again|floorbase) is_floor=1; cmd=("$floor_bin" -s "127.0.0.1:$port" -c "$conns" -t "$seconds") ;;
        work) is_floor=1; cmd=("$floor_bin" -s "127.0.0.1:$port" -c "$conns" -t "$seconds" --work) ;;
    esac
    local before after server_before server_after
    read -r before server_before <<<"$(server_counts)"
    read -r -a meter <<<"$(cpu_meter "$work/cpu")"
    if ! /usr/bin/time -f "%U %S %M" -o "$work/time" \
        "${meter[@]}" taskset -c "$client_cpu" "${cmd[@]}" "$@" >"$work/$client.out" 2>&1; then
        echo "$client $* failed:" >&2
        tail -5 "$work/$client.out" >&2
    fi
    read -r after server_after <<<"$(server_counts)"
    stop_server
    read -r user sys rss <"$work/time"
    local utime="$user" stime="$sys"
    # The CPU charged: task-clock where perf works (all of it in "user").
    if [ "$clock" = task-clock ]; then
        user="$(cpu_seconds "$work/cpu")"
        sys=0
    fi
    local setup_ops=0 setup_cpu_us=0 setup_user_us=0 setup_sys_us=0 server_setup=""
    if [ "$is_floor" -eq 1 ]; then
        read -r setup_ops setup_cpu_us setup_user_us setup_sys_us server_setup <<<"$(floor_values "$work/$client.out" \
            setup_ops setup_cpu_us setup_user_us setup_sys_us server_setup_cpu_us)"
        # memcached's CPU from the end of the floor's setup on.
        [ "${server_setup:-0}" -gt 0 ] && server_before="$server_setup"
        user="$(awk -v u="$user" -v c="$setup_cpu_us" 'BEGIN { printf "%.3f", u - c / 1e6 }')"
    fi
    read -r utime stime <<<"$(awk -v u="$utime" -v s="$stime" -v a="$setup_user_us" -v b="$setup_sys_us" \
        'BEGIN { printf "%.3f %.3f", u - a / 1e6, s - b / 1e6 }')"
    echo "$((after - before - setup_ops)) $user $sys $rss $utime $stime" \
        "$(awk -v a="$server_after" -v b="$server_before" 'BEGIN { printf "%.6f", (a - b) / 1e6 }')"
}


flags_of() {
    case "$1" in
        ascii) echo "" ;;
        binary) echo "-B" ;;
        udp) echo "-U" ;;
        multiget) echo "-d 10" ;;
        meta) echo "--protocol meta" ;;
        zipf) echo "--keys 10000 --key-dist zipf:0.99 --prefill" ;;
        trace) echo "--trace $(trace_file) --trace-speed max" ;;
        rate) echo "--rate 20000" ;;
        rate-slack) echo "--rate 20000 --wake slack" ;;
        tls) echo "--tls --tls-ca $(tls_certs)/ca.pem" ;;
        *) echo "unknown profile: $1" >&2; exit 2 ;;
    esac
}

# What a mode profile's base client runs with, or "none" for the
# profiles that compare with the original.
base_flags_of() {
    case "$1" in
        meta|zipf|trace|tls) echo "" ;;
        rate|rate-slack) echo "-P 20000" ;;
        *) echo none ;;
    esac
}

# The certificates of the tls profile (made once).
tls_certs() {
    [ -s "$work/certs/cert.pem" ] || make_certs "$work/certs"
    echo "$work/certs"
}

# A CSV trace of about as many requests as a --time run makes: 64-byte
# keys, 1 KiB values, a set and then nine gets of each key. 4,096 clients,
# as a real trace has many: a replay routes each client to a connection by
# a hash of its id, so 32 clients would leave some of the 32 connections
# idle and give others two or three; the run would then measure fewer
# requests in flight (five times the epoll waits per request, by strace)
# rather than what replaying costs.
trace_file() {
    local file="$work/trace.csv" lines=$((seconds * 150000))
    [ -s "$file" ] || write_trace "$file" "$lines"
    echo "$file"
}

# The floor probe's flags for a profile, or "none" when it has no such mode.
floor_flags_of() {
    case "$1" in
        ascii) echo "" ;;
        binary) echo "--binary" ;;
        udp) echo "--udp" ;;
        rate) echo "--rate 20000 --precise" ;;
        rate-slack) echo "--rate 20000" ;;
        *) echo none ;;
    esac
}

# What the floor runs as a mode profile's base (client floorbase), or
# "none".
floor_base_flags_of() {
    case "$1" in
        rate|rate-slack) echo "--pace 20000" ;;
        *) echo none ;;
    esac
}

# csv_row SECTION PROFILE CLIENT OPS CPU USOP RSS MIN MAX SERVER: one row
# of --csv.
csv_row() {
    [ -n "$csv" ] || return 0
    printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$1" "$2" "$3" "$runs" "$4" "$5" "$6" "$8" "$9" "$7" "${10}" >>"$csv"
}
if [ -n "$csv" ]; then
    echo "section,profile,client,runs,ops,cpu_s,us_op,us_op_min,us_op_max,rss_kb,server_us_op" >"$csv"
fi
[ -z "$runs_csv" ] || echo "$runs_csv_header" >"$runs_csv"

echo "memaslap-rs: $("$ours" --version 2>/dev/null || echo "$ours") ($ours)"
echo "original:    $original ($(dpkg-query -W -f '${Version}' libmemcached-tools 2>/dev/null || echo '?'))"
echo "memcached $(memcached -V | cut -d' ' -f2) -t 1 on cpu $server_cpu, clients on cpu $client_cpu;" \
    "-T 1 -c 32 -t ${seconds}s, $runs runs each, alternating (the order rotated each round); CPU time: $clock"
if [ "$floor" -eq 1 ]; then
    echo "floor:       $floor_bin -c 32 -t $seconds (ops and CPU without its key setup)"
fi
echo

printf '%-10s %-9s %11s %9s %9s %9s %17s\n' profile client ops cpu_s us/op rss_kb "us/op min-max"
summary=()
for profile in "${wanted[@]}"; do
    [ "$profile" = none ] && continue
    read -r -a flags <<<"$(flags_of "$profile")"
    clients=(ours original)
    base_flags="$(base_flags_of "$profile")"
    server_tls=""
    [ "$profile" = tls ] && server_tls="$(tls_certs)"
    [ "$base_flags" != none ] && clients=(ours base)
    read -r -a floor_flags <<<"$(floor_flags_of "$profile")"
    floor_base="$(floor_base_flags_of "$profile")"
    if [ "$floor" -eq 1 ] && [ "$floor_base" != none ]; then
        clients=(floorbase ours base floor)
    elif [ "$floor" -eq 1 ] && [ "${floor_flags[*]}" != none ]; then
        clients=(floor original ours)
        [ "$profile" != udp ] && clients=(floor work original ours)
    fi
    for client in "${clients[@]}"; do : >"$work/$client.runs"; done
    for round in $(seq "$runs"); do
        for client in $(rotated "$round" "${clients[@]}"); do
            extra=("${flags[@]}")
            [ "$client" = floor ] || [ "$client" = work ] && extra=("${floor_flags[@]}")
            [ "$client" = base ] && read -r -a extra <<<"$base_flags"
            [ "$client" = floorbase ] && read -r -a extra <<<"$floor_base"
            run_client "$client" 32 "${extra[@]}" | tee -a "$work/$client.runs" |
                awk -v p="$profile" -v c="$client" \
                    '{ printf "  run %-10s %-9s %11d %9.2f %9.3f %9d\n", p, c, $1, $2 + $3, $1 ? ($2 + $3) * 1e6 / $1 : 0, $4 }' >&2
        done
    done
    floor_usop=""
    work_usop=""
    floorbase_usop=""
    for client in "${clients[@]}"; do
        read -r ops cpu usop rss lo hi srv <<<"$(medians "$work/$client.runs")"
        printf '%-10s %-9s %11.0f %9.2f %9.3f %9.0f %8.3f-%-8.3f\n' "$profile" "$client" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi"
        csv_row profile "$profile" "$client" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi" "$srv"
        runs_rows profile "$profile" "$client" "$work/$client.runs"
        eval "${client}_usop=$usop ${client}_rss=$rss"
    done
    split=()
    for client in "${clients[@]}"; do split+=("$work/$client.runs"); done
    summary+=("$(printf '%-10s user / system us/op: %s' "$profile" "$(split_text "${split[@]}")")")
    if [ "$base_flags" != none ]; then
        summary+=("$(awk -v p="$profile" -v a="$ours_usop" -v b="$base_usop" -v f="${flags[*]}" -v g="${base_flags:-the text protocol, window model}" \
            -v q="$(paired_text "$work/ours.runs" "$work/base.runs")" \
            'BEGIN { printf "%-10s us/op %.3f / %.3f = %.2f, %s   (ours %s against ours %s)", p, a, b, a / b, q, f, g }')")
        if [ -n "$floor_usop" ] && [ -n "$floorbase_usop" ]; then
            summary+=("$(awk -v p="$profile" -v a="$floor_usop" -v b="$floorbase_usop" -v f="${floor_flags[*]}" -v g="$floor_base" \
                -v q="$(paired_text "$work/floor.runs" "$work/floorbase.runs")" \
                'BEGIN { printf "%-10s floor us/op %.3f / %.3f = %.2f, %s   (floor %s against floor %s)", p, a, b, a / b, q, f, g }')")
            summary+=("$(awk -v p="$profile" -v a="$ours_usop" -v f="$floor_usop" -v b="$base_usop" -v g="$floorbase_usop" \
                -v q="$(paired_text "$work/ours.runs" "$work/floor.runs")" -v r="$(paired_text "$work/base.runs" "$work/floorbase.runs")" \
                'BEGIN { printf "%-10s ours / floor %.2f, %s; base / floorbase %.2f, %s", p, a / f, q, b / g, r }')")
        fi
        continue
    fi
    summary+=("$(awk -v p="$profile" -v a="$ours_usop" -v b="$original_usop" -v r="$ours_rss" -v s="$original_rss" \
        -v q="$(paired_text "$work/ours.runs" "$work/original.runs")" \
        'BEGIN { printf "%-10s us/op %.3f / %.3f = %.2f, %s   peak RSS %d / %d KB = %.2f", p, a, b, a / b, q, r, s, r / s }')")
    if [ -n "$floor_usop" ]; then
        summary+=("$(awk -v p="$profile" -v f="$floor_usop" -v a="$ours_usop" -v b="$original_usop" \
            -v q="$(paired_text "$work/ours.runs" "$work/floor.runs")" \
            'BEGIN { printf "%-10s floor %.3f us/op: floor / original %.2f, ours / floor %.2f, %s", p, f, f / b, a / f, q }')")
        summary+=("$(printf '%-10s ours / floor %s' "$profile" "$(at_equal_server_text "$work/ours.runs" "$work/floor.runs")")")
    fi
    if [ -n "$work_usop" ]; then
        summary+=("$(awk -v p="$profile" -v w="$work_usop" -v f="$floor_usop" -v a="$ours_usop" \
            -v q="$(paired_text "$work/ours.runs" "$work/work.runs")" \
            'BEGIN { printf "%-10s floor --work %.3f us/op: work / floor %.2f, ours / work %.2f, %s", p, w, w / f, a / w, q }')")
        summary+=("$(printf '%-10s work / floor %s' "$profile" "$(paired_text "$work/work.runs" "$work/floor.runs")")")
    fi
done
if [ ${#summary[@]} -gt 0 ]; then
    echo
    echo "ratios (medians): ours / original, ours / floor, ours in a mode / ours without it"
    echo "(and the floor in a mode / the floor's base, floorbase);"
    echo "paired: the median and spread of each round's own ratio, and their geometric mean with its 95 % confidence interval:"
    printf '  %s\n' "${summary[@]}"
fi

server_tls=""

# --- pipelining --------------------------------------------------------------
if [ "$depth" -gt 1 ]; then
    source benches/depth_section.sh
    depth_section
fi

# --- many connections ------------------------------------------------------
if [ "$many" -gt 0 ]; then
    # Both processes need a descriptor per connection; memcached is given
    # -c 2N (at least 4096).
    hard="$(ulimit -Hn)"
    [ "$hard" = unlimited ] && hard=$((many * 2 + 1000))
    if [ "$hard" -lt $((many * 2)) ] || ! ulimit -n "$hard" 2>/dev/null; then
        echo "the open-file limit ($hard) is below $((many * 2)); skipping --conns" >&2
        exit 0
    fi
    echo
    echo "$many connections on one thread (-w 1k, ASCII, ${seconds}s); RSS per connection is"
    echo "(peak RSS at $many - peak RSS at 32) / ($many - 32):"
    printf '%-9s %11s %9s %9s %9s %11s\n' client ops cpu_s us/op rss_kb kb/conn
    for client in ours original; do
        run_client "$client" 32 -w 1k >"$work/small"
        run_client "$client" "$many" -w 1k >"$work/many"
        read -r _ _ _ small_rss _ <"$work/small"
        read -r ops user sys rss _ <"$work/many"
        awk -v c="$client" -v o="$ops" -v u="$user" -v s="$sys" -v r="$rss" -v r0="$small_rss" -v n="$many" \
            'BEGIN { printf "%-9s %11d %9.2f %9.3f %9d %11.2f\n", c, o, u + s, o ? (u + s) * 1e6 / o : 0, r, (r - r0) / (n - 32) }'
    done
fi
