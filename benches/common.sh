# Shell functions the benchmark scripts share: installing what they need,
# a fresh memcached pinned to $server_cpu on a free port (its pid in
# $server_pid, its files in $work), its operation count and CPU, a median,
# and the comparison of two clients at equal server CPU.
# Sourced, not run.

# Installs the packages behind the commands the benchmarks use.
install_tools() {
    local need=()
    command -v memcached >/dev/null 2>&1 || need+=(memcached)
    command -v memcaslap >/dev/null 2>&1 || need+=(libmemcached-tools)
    [ -x /usr/bin/time ] || need+=(time)
    command -v taskset >/dev/null 2>&1 || need+=(util-linux)
    if [ ${#need[@]} -gt 0 ]; then
        echo "installing ${need[*]}" >&2
        apt_install "${need[@]}"
    fi
    # The packaged service is not needed and would compete for the cores.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl stop memcached >/dev/null 2>&1 || true
    fi
}

# Installs Valgrind when it is missing (the instruction-count benchmarks).
install_valgrind() {
    if ! command -v valgrind >/dev/null 2>&1; then
        apt_install valgrind
    fi
}

# apt_install PACKAGE...: installs the Debian packages, quietly, through
# sudo unless root.
apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}

# The scripts' checks of their arguments, each exiting 2 with a message
# naming the flag and what it takes.
# whole FLAG VALUE: VALUE must be a whole number.
whole() {
    [[ "$2" =~ ^[0-9]+$ ]] || { echo "$1 takes a whole number, not '$2'" >&2; exit 2; }
}

# at_least FLAG VALUE MIN [WHY]: the whole number VALUE must be MIN or more.
at_least() {
    [ "$2" -ge "$3" ] || { echo "$1 must be at least $3${4:+ ($4)}" >&2; exit 2; }
}

# memaslap_binary FLAG PATH: PATH must be an executable (a memaslap build).
memaslap_binary() {
    [ -x "$2" ] || { echo "$1 takes the path of a memaslap binary, not '$2'" >&2; exit 2; }
}

# script_help FILE: the comment at the top of the script FILE, its --help.
script_help() {
    awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$1"
}

# write_trace FILE LINES: a CSV trace of LINES requests in FILE: 64-byte
# keys, 1 KiB values, a set and then nine gets of each of 5,000 keys, from
# 4,096 clients, 100,000 requests a second.
write_trace() {
    awk -v n="$2" 'BEGIN {
        for (i = 0; i < n; i++) {
            set = (i % 10 == 0)
            printf "%d,key:%d,64,%d,%d,%s,0\n", i / 100000, int(i / 10) % 5000,
                set ? 1024 : 0, i % 4096, set ? "set" : "get"
        }
    }' >"$1"
}

# find_profdata MAJOR SYSROOT: the path of an llvm-profdata of LLVM
# version MAJOR (the one rustc is built on: the profiles its instrumented
# builds write are read only by that version's tools), or nothing. Looks
# in rustup's llvm-tools component of SYSROOT, then for Debian's llvm-MAJOR
# package, then on PATH, whose llvm-profdata is taken only when it says it
# is of version MAJOR.
find_profdata() {
    local major="$1" sysroot="$2" candidate
    for candidate in "$sysroot"/lib/rustlib/*/bin/llvm-profdata \
        "/usr/lib/llvm-$major/bin/llvm-profdata" \
        "$(command -v "llvm-profdata-$major" 2>/dev/null || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ]; then
            echo "$candidate"
            return 0
        fi
    done
    candidate="$(command -v llvm-profdata 2>/dev/null || true)"
    if [ -n "$candidate" ] &&
        "$candidate" --version 2>/dev/null | grep -Eq "LLVM version $major(\.|$)"; then
        echo "$candidate"
    fi
}

# A CA and a server certificate for 127.0.0.1 and localhost signed by it,
# in DIR (ca.pem, cert.pem, key.pem), made by openssl.
make_certs() {
    local dir="$1"
    command -v openssl >/dev/null 2>&1 || { echo "TLS benchmarks need openssl" >&2; exit 1; }
    mkdir -p "$dir"
    # A CA's own certificate is refused as a server's: the server's is
    # signed by it.
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
        -subj "/CN=memaslap bench CA" -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -subj /CN=localhost -keyout "$dir/key.pem" -out "$dir/cert.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$dir/ext"
    openssl x509 -req -in "$dir/cert.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
        -CAcreateserial -days 1 -extfile "$dir/ext" -out "$dir/cert.pem" 2>/dev/null
}

# make_work: a temporary directory in $work, removed with the memcached
# still running when the script exits.
make_work() {
    work="$(mktemp -d)"
    server_pid=""
    trap 'stop_server; rm -rf "$work"' EXIT
}

# floor_values FILE NAME...: the values of the floor probe's `name value`
# pairs NAME... in its output FILE, in that order (0 for a name it did not
# print, as another client's output prints none).
floor_values() {
    local file="$1"
    shift
    awk -v names="$*" 'BEGIN { n = split(names, want, " ") }
         { for (i = 1; i < NF; i++) got[$i] = $(i + 1) }
         END { for (k = 1; k <= n; k++) printf "%d%s", got[want[k]], k < n ? " " : "\n" }' "$file"
}

# floor_setup FILE: "ops cpu_us" the floor probe spent storing its keys
# before its run, from its output FILE ("0 0" for another client's).
floor_setup() {
    floor_values "$1" setup_ops setup_cpu_us
}

port=""
tls_port=""
# With server_tls set to a directory of make_certs, start_server's memcached
# speaks TLS on $tls_port, and plaintext still on $port (for the stats and
# for plaintext clients).
server_tls=""
# With server_wrap set to a command and its arguments (an array), memcached
# runs under it (benches/partial_reads.sh: strace -f, which slows it).
# Starts a fresh memcached on a free port with `-c $1` connections.
start_server() {
    local conns="$1" user=() listen
    [ "$(id -u)" -eq 0 ] && user=(-u root)
    for _ in $(seq 20); do
        port=$((20000 + RANDOM % 30000))
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
        if (exec 3<>"/dev/tcp/127.0.0.1/$((port + 1))") 2>/dev/null; then continue; fi
        listen=(-l 127.0.0.1 -p "$port" -U "$port")
        if [ -n "$server_tls" ]; then
            tls_port=$((port + 1))
            listen=(-Z -o "ssl_chain_cert=$server_tls/cert.pem,ssl_key=$server_tls/key.pem"
                -l "127.0.0.1:$tls_port" -l "notls:127.0.0.1:$port" -U 0)
        fi
        taskset -c "$server_cpu" ${server_wrap[@]+"${server_wrap[@]}"} memcached \
            -t "${server_threads:-1}" -m 1024 -c "$conns" \
            "${listen[@]}" "${user[@]}" 2>"$work/memcached.err" &
        server_pid=$!
        for _ in $(seq 100); do
            if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return 0; fi
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.05
        done
        stop_server
    done
    echo "memcached did not start: $(cat "$work/memcached.err")" >&2
    exit 1
}

stop_server() {
    if [ -n "$server_pid" ]; then
        # Under a wrapper (server_wrap) memcached is its child.
        pkill -TERM -P "$server_pid" 2>/dev/null || true
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
    fi
}

# Prints cmd_get + cmd_set of the running memcached.
server_ops() {
    server_counts | cut -d' ' -f1
}

# Prints cmd_get + cmd_set of the running memcached and the CPU it has
# used so far in µs (rusage_user + rusage_system, printed to the µs).
server_counts() {
    local name value total=0 cpu_us=0
    exec 3<>"/dev/tcp/127.0.0.1/$port"
    printf 'stats\r\n' >&3
    while IFS=$' \r' read -r _ name value <&3; do
        case "$name" in
            cmd_get|cmd_set) total=$((total + value)) ;;
            rusage_user|rusage_system)
                local secs="${value%%.*}" frac="${value#*.}000000"
                [ "$value" = "$secs" ] && frac=000000
                cpu_us=$((cpu_us + 10#$secs * 1000000 + 10#${frac:0:6})) ;;
        esac
        [ -z "$name" ] && break
    done
    exec 3>&-
    echo "$total $cpu_us"
}

# rotated ROUND CLIENT...: the clients in round ROUND's order (from 1),
# one a line: the list started ROUND - 1 places on, so that over as many
# rounds as clients each takes every place once (compare.sh's rounds).
rotated() {
    local round="$1"
    shift
    local list=("$@") i
    for ((i = 0; i < ${#list[@]}; i++)); do
        echo "${list[$(((round - 1 + i) % ${#list[@]}))]}"
    done
}

# The median of the numbers on standard input, one per line.
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# geometric_interval: the geometric mean of the ratios on standard input
# (one a line, each above 0) and the bounds of its 95 % confidence
# interval, Student's t with n - 1 degrees of freedom on their logarithms.
geometric_interval() {
    awk 'BEGIN { split("12.706 4.303 3.182 2.776 2.571 2.447 2.365 2.306 2.262 2.228 " \
                       "2.201 2.179 2.160 2.145 2.131 2.120 2.110 2.101 2.093 2.086 " \
                       "2.080 2.074 2.069 2.064 2.060 2.056 2.052 2.048 2.045 2.042", t, " ") }
        $1 > 0 { n++; x = log($1); sum += x; sq += x * x }
        END {
            if (n == 0) { print "- - -"; exit }
            mean = sum / n
            if (n < 2) { printf "%.4f - -\n", exp(mean); exit }
            var = (sq - n * mean * mean) / (n - 1)
            if (var < 0) var = 0
            q = (n - 1 <= 30) ? t[n - 1] : 1.96
            half = q * sqrt(var / n)
            printf "%.4f %.4f %.4f\n", exp(mean), exp(mean - half), exp(mean + half)
        }'
}

# at_equal_server A B: A's and B's µs/op where memcached's CPU per
# operation is the same for both, "ratio a b x r n", from two files of
# runs, one run a line: "ops user sys rss utime stime server" (CPU in
# seconds, as compare.sh's run_client prints them). The machine's load
# moves the server's cost per operation from run to run (on a 2-vCPU VM by
# up to 2x), and a client's CPU per operation moves with it (a slower
# server answers fewer requests per wake-up); runs of one client scatter
# along that line. Each run is a point (x = memcached's µs/op, y = the
# client's µs/op); one slope, fitted to both clients' runs about their own
# means (least squares, analysis of covariance), carries each client's
# mean to x, the median x of all their runs, and a / b compares the two
# there. r is the correlation of x and y within the clients, n the runs.
# With no spread in x the means are compared as they are. A client whose
# requests themselves make the server's work per operation lower or
# higher is charged for it: the fit cannot tell that from load.
at_equal_server() {
    awk '{ print "A", $0 }' "$1" >"$work/ancova"
    awk '{ print "B", $0 }' "$2" >>"$work/ancova"
    local xstar
    xstar="$(awk '$2 > 0 && NF >= 8 { printf "%.6f\n", $8 * 1e6 / $2 }' "$work/ancova" | median)"
    awk -v xs="$xstar" '$2 > 0 && NF >= 8 {
            g = $1; x = $8 * 1e6 / $2; y = ($3 + $4) * 1e6 / $2
            n[g]++; sx[g] += x; sy[g] += y; sxx[g] += x * x; syy[g] += y * y; sxy[g] += x * y
        }
        END {
            if (!n["A"] || !n["B"]) { print "- - - - -"; exit }
            for (g in n) {
                mx[g] = sx[g] / n[g]; my[g] = sy[g] / n[g]
                cxx += sxx[g] - n[g] * mx[g] ^ 2
                cyy += syy[g] - n[g] * my[g] ^ 2
                cxy += sxy[g] - n[g] * mx[g] * my[g]
            }
            b = cxx > 0 ? cxy / cxx : 0
            r = cxx > 0 && cyy > 0 ? cxy / sqrt(cxx * cyy) : 0
            a = my["A"] + b * (xs - mx["A"]); c = my["B"] + b * (xs - mx["B"])
            printf "%.4f %.4f %.4f %.4f %.2f %d\n", a / c, a, c, xs, r, n["A"] + n["B"]
        }' "$work/ancova"
}

# "ratio at equal server cost" of A over B, for a summary line.
at_equal_server_text() {
    local q a b x r n
    read -r q a b x r n <<<"$(at_equal_server "$1" "$2")"
    [ "$q" = - ] && return
    awk -v q="$q" -v a="$a" -v b="$b" -v x="$x" -v r="$r" -v n="$n" \
        'BEGIN { printf "at equal server CPU (%.2f us/op, r %.2f over %d runs) %.3f / %.3f = %.2f", x, r, n, a, b, q }'
}

# CPU time charged to a client: the scheduler's own sum (perf's task-clock)
# where perf works; otherwise GNU time's user + system, which the kernel
# samples at its tick and which, on a VM, overstates a thread that sleeps
# and wakes often. `clock` names the one in use.
if command -v perf >/dev/null 2>&1 && perf stat -x, -e task-clock -o /dev/null true 2>/dev/null; then
    clock=task-clock
else
    clock="user+sys"
fi

# cpu_meter FILE: the command prefix that charges the command after it to
# FILE (read back with cpu_seconds).
cpu_meter() {
    if [ "$clock" = task-clock ]; then
        echo perf stat -x, -e task-clock -o "$1"
    else
        echo /usr/bin/time -f "%U,%S" -o "$1"
    fi
}

# cpu_seconds FILE: the CPU seconds cpu_meter wrote to FILE.
cpu_seconds() {
    if [ "$clock" = task-clock ]; then
        # perf -x, prints "msec,,task-clock,...".
        awk -F, '$3 ~ /^task-clock/ { printf "%.6f\n", $1 / 1000 }' "$1"
    else
        awk -F, '{ printf "%.6f\n", $1 + $2 }' "$1"
    fi
}

# memtier_benchmark, the peer the scripts measure beside ours when it is
# found: MEMTIER names it, else the one on PATH. Sets `memtier` (empty when
# there is none); exits 2 when MEMTIER names no executable.
find_memtier() {
    memtier="${MEMTIER:-$(command -v memtier_benchmark || true)}"
    if [ -n "$memtier" ] && [ ! -x "$memtier" ]; then
        echo "MEMTIER=$memtier is not an executable" >&2
        exit 2
    fi
}

# memtier's keys: a 59-byte prefix and the key number (1 to 10,000), so
# 60 to 64 bytes, most of them 64 (memaslap's default key size).
memtier_keys=(--key-minimum=1 --key-maximum=10000 --key-prefix="$(printf 'k%.0s' $(seq 59))")

# memtier_prefill: stores memtier's keys, 1 KiB values, in the running
# server (before the timed run, not counted).
memtier_prefill() {
    if ! "$memtier" -s 127.0.0.1 -p "$port" -P memcache_text -t 1 -c 1 --ratio=1:0 \
        --key-pattern=P:P "${memtier_keys[@]}" -d 1024 --requests=allkeys --hide-histogram \
        >"$work/prefill.out" 2>&1; then
        echo "memtier_benchmark's prefill failed:" >&2
        tail -5 "$work/prefill.out" >&2
    fi
}

# memtier_cmd CONNS DEPTH SECONDS [PROTOCOL]: into the array `cmd`,
# memtier's run of memaslap's default workload (one thread, get:set 9:1,
# random keys among those stored, 1 KiB values) against the running
# server's plaintext port, in PROTOCOL (memtier's -P, default
# memcache_text); add `-p PORT --tls ...` after it for TLS (the last -p
# counts).
memtier_cmd() {
    cmd=("$memtier" -s 127.0.0.1 -p "$port" -P "${4:-memcache_text}" -t 1 -c "$1" --ratio=1:9
        --key-pattern=R:R "${memtier_keys[@]}" -d 1024 --pipeline="$2" --test-time="$3"
        --hide-histogram)
}

# client_cmd CLIENT: sets the array cmd to CLIENT (ours, floor or work:
# `floor --work`) from $builds (default target/release) against the
# running memcached, with the arrays ours_flags or floor_flags; the caller
# adds the run's length.
client_cmd() {
    local bin="${builds:-target/release}"
    case "$1" in
        ours) cmd=("$bin/memaslap" -s "127.0.0.1:$port" "${ours_flags[@]}") ;;
        floor) cmd=("$bin/floor" -s "127.0.0.1:$port" "${floor_flags[@]}") ;;
        work) cmd=("$bin/floor" -s "127.0.0.1:$port" "${floor_flags[@]}" --work) ;;
    esac
}

# requests_done CLIENT FILE: the requests CLIENT's output FILE says it
# completed (ours' `completed`, the floor's `ops`).
requests_done() {
    if [ "$1" = ours ]; then
        grep -o 'completed [0-9]*' "$2" | awk '{ print $2; exit }'
    else
        grep -o ' ops [0-9]*' "$2" | awk '{ print $2; exit }'
    fi
}

# valgrind_client CLIENT SIZE VALGRIND_OPTION... : runs CLIENT (see
# client_cmd) once under Valgrind against a fresh memcached, on
# $client_cpu; SIZE is ours' request count (-x) or the floor's seconds
# (-t). Prints the requests it completed; the tool's output is left in
# $work/out.
valgrind_client() {
    local client="$1" size="$2" cmd
    shift 2
    start_server 4096
    client_cmd "$client"
    if [ "$client" = ours ]; then cmd+=(-x "$size"); else cmd+=(-t "$size"); fi
    taskset -c "$client_cpu" valgrind "$@" "${cmd[@]}" >"$work/out" 2>&1 || { tail -5 "$work/out" >&2; exit 1; }
    stop_server
    requests_done "$client" "$work/out"
}

# calls_from PROFILE CALLER CALLEE: how many times functions whose name
# holds CALLER (or one of its '|'-separated alternatives, for a call the
# optimizer may or may not inline into its caller) called the function
# whose name holds CALLEE, in a callgrind
# profile (from callgrind_annotate's caller tree: each callee's block lists
# its callers with their call counts, "(N x)").
calls_from() {
    callgrind_annotate --tree=caller --auto=no "$1" 2>/dev/null | awk -v caller="$2" -v callee="$3" '
        BEGIN { k = split(caller, alts, "|") }
        /^ *$/ { n = 0; next }
        /%\)  < / { lines[++n] = $0; next }
        /%\)  \*  / {
            if (index($0, callee)) {
                for (i = 1; i <= n; i++) {
                    hit = 0
                    for (a = 1; a <= k; a++) if (index(lines[i], alts[a])) hit = 1
                    if (hit) {
                        s = lines[i]
                        sub(/.*\(/, "", s)
                        sub(/x\).*/, "", s)
                        gsub(",", "", s)
                        total += s
                    }
                }
            }
            n = 0
        }
        END { print total + 0 }'
}

# inclusive PROFILE NAME: the instructions of the first function whose
# name holds NAME, with what it called, in a callgrind profile (0 when
# none ran).
inclusive() {
    callgrind_annotate --inclusive=yes --auto=no "$1" 2>/dev/null |
        awk -v name="$2" 'index($0, name) && !seen { gsub(",", "", $1); print $1; seen = 1 } END { if (!seen) print 0 }'
}
