# What a wake-up costs and what a request costs, apart, for ours, the floor
# and `floor --work` (client_instructions.sh --per-wake). Sourced by
# client_instructions.sh after common.sh, with $depth, $binary, $requests,
# $builds, $work and $client_cpu set.

# calls_from PROFILE CALLER CALLEE: how many times functions whose name
# holds CALLER called the function whose name holds CALLEE, in a callgrind
# profile (from callgrind_annotate's caller tree: each callee's block lists
# its callers with their call counts, "(N x)").
calls_from() {
    callgrind_annotate --tree=caller --auto=no "$1" 2>/dev/null | awk -v caller="$2" -v callee="$3" '
        /^ *$/ { n = 0; next }
        /%\)  < / { lines[++n] = $0; next }
        /%\)  \*  / {
            if (index($0, callee)) {
                for (i = 1; i <= n; i++) {
                    if (index(lines[i], caller)) {
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
# name holds NAME, with what it called (0 when none ran).
inclusive() {
    callgrind_annotate --inclusive=yes --auto=no "$1" 2>/dev/null |
        awk -v name="$2" 'index($0, name) && !seen { gsub(",", "", $1); print $1; seen = 1 } END { if (!seen) print 0 }'
}

# wake_point CLIENT DEPTH: prints "instructions wakes requests" of CLIENT's
# running part with one connection at DEPTH. Ours: its worker loop over
# --requests requests, less the snapshots; the floor (and work): a 4
# second run less a 2 second one, which leaves its setup out.
wake_point() {
    local client="$1" d="$2" out="$work/callgrind.out" n i s w
    if [ "$client" = ours ]; then
        ours_flags=(-T 1 -c 1 --depth "$d")
        [ "$binary" -eq 1 ] && ours_flags+=(-B)
        n="$(valgrind_client ours "$requests" --tool=callgrind --callgrind-out-file="$out" \
            --toggle-collect='*Worker*run*')"
        i="$(awk '/Collected :/ { print $NF }' "$work/out")"
        s="$(inclusive "$out" 'Worker::snapshot [')"
        w="$(calls_from "$out" Worker::run ':syscall [')"
        echo "$((i - s)) $w $n"
        return
    fi
    floor_flags=(-c 1 --depth "$d")
    [ "$binary" -eq 1 ] && floor_flags+=(--binary)
    local i1 w1 n1 i2 w2 n2
    n1="$(valgrind_client "$client" 2 --tool=callgrind --callgrind-out-file="$out" --toggle-collect='floor::run')"
    i1="$(awk '/Collected :/ { print $NF }' "$work/out")"
    w1="$(calls_from "$out" floor::run ':epoll_wait [')"
    n2="$(valgrind_client "$client" 4 --tool=callgrind --callgrind-out-file="$out" --toggle-collect='floor::run')"
    i2="$(awk '/Collected :/ { print $NF }' "$work/out")"
    w2="$(calls_from "$out" floor::run ':epoll_wait [')"
    echo "$((i2 - i1)) $((w2 - w1)) $((n2 - n1))"
}

# native_waits CLIENT: epoll waits a request of CLIENT run natively for 3
# seconds with -c 32 at $depth, counted by perf's system-call tracepoints.
native_waits() {
    local client="$1" cmd n
    start_server 4096
    case "$client" in
        ours) cmd=("$builds/memaslap" -s "127.0.0.1:$port" -T 1 -c 32 --depth "$depth" -t 3s) ;;
        floor) cmd=("$builds/floor" -s "127.0.0.1:$port" -c 32 --depth "$depth" -t 3) ;;
        work) cmd=("$builds/floor" -s "127.0.0.1:$port" -c 32 --depth "$depth" -t 3 --work) ;;
    esac
    if [ "$binary" -eq 1 ]; then
        [ "$client" = ours ] && cmd+=(-B) || cmd+=(--binary)
    fi
    taskset -c "$client_cpu" perf stat -x, -o "$work/waits" \
        -e syscalls:sys_enter_epoll_wait -e syscalls:sys_enter_epoll_pwait \
        -e syscalls:sys_enter_epoll_pwait2 "${cmd[@]}" >"$work/out" 2>&1 ||
        { tail -5 "$work/out" >&2; exit 1; }
    stop_server
    if [ "$client" = ours ]; then
        n="$(grep -o 'completed [0-9]*' "$work/out" | awk '{ print $2; exit }')"
    else
        n="$(grep -o ' ops [0-9]*' "$work/out" | awk '{ print $2; exit }')"
    fi
    awk -F, -v n="${n:-0}" '/^[0-9]/ { w += $1 } END { if (n > 0) printf "%.3f", w / n; else print "" }' "$work/waits"
}

# per_wake_report: the table of client_instructions.sh --per-wake.
per_wake_report() {
    local tracepoints=0
    if perf stat -x, -o /dev/null -e syscalls:sys_enter_epoll_wait true 2>/dev/null; then
        tracepoints=1
    fi
    echo "one connection, depth 1 and $depth, $([ "$binary" -eq 1 ] && echo binary || echo text) protocol; instructions:"
    printf '%-6s %9s %12s   %s\n' client "a wake-up" "a request" "(wake-ups, requests at depth 1; at depth $depth)"
    local client i1 w1 n1 i2 w2 n2 wake req native
    declare -A per_wake per_req
    for client in floor work ours; do
        read -r i1 w1 n1 <<<"$(wake_point "$client" 1)"
        read -r i2 w2 n2 <<<"$(wake_point "$client" "$depth")"
        read -r wake req <<<"$(awk -v i1="$i1" -v w1="$w1" -v n1="$n1" -v i2="$i2" -v w2="$w2" -v n2="$n2" 'BEGIN {
            det = w1 * n2 - w2 * n1
            if (det == 0) { print "- -"; exit }
            printf "%.0f %.0f", (i1 * n2 - i2 * n1) / det, (w1 * i2 - w2 * i1) / det }')"
        per_wake[$client]="$wake"
        per_req[$client]="$req"
        printf '%-6s %9s %12s   (%d, %d; %d, %d)\n' "$client" "$wake" "$req" "$w1" "$n1" "$w2" "$n2"
    done
    if [ "$tracepoints" -eq 0 ]; then
        echo "perf counts no system calls here: no native figure"
        return
    fi
    echo "natively, -T 1 -c 32 --depth $depth, 3 s: epoll waits a request, and a request's instructions at that rate (a request + waits x a wake-up):"
    for client in floor work ours; do
        native="$(native_waits "$client")"
        [ -n "$native" ] || { echo "$client: no requests counted" >&2; exit 1; }
        awk -v c="$client" -v w="$native" -v a="${per_wake[$client]}" -v r="${per_req[$client]}" \
            'BEGIN { printf "%-6s %.3f waits a request: %.0f instructions a request (%.0f of them wake-ups)\n", c, w, r + w * a, w * a }'
    done
}
