# What a wake-up costs and what a request costs, apart, for ours, the floor
# and `floor --work` (client_instructions.sh --per-wake). Sourced by
# client_instructions.sh after common.sh and its measure(), with $depth,
# $binary, $requests, $builds, $work and $client_cpu set.

# counted CLIENT SIZE TOGGLE CALLER CALLEE: "instructions wake-ups
# requests" of one callgrind run of CLIENT (see measure), its instructions
# counted in the functions TOGGLE names and its wake-ups the calls CALLER
# made to CALLEE.
counted() {
    local i n
    read -r i n <<<"$(measure "$1" "$2" --toggle-collect="$3")"
    echo "$i $(calls_from "$work/callgrind.out" "$4" "$5") $n"
}

# wake_point CLIENT DEPTH: prints "instructions wakes requests" of CLIENT's
# running part with one connection at DEPTH. Ours: its worker loop over
# --requests requests, less the snapshots; the floor (and work): a 4
# second run less a 2 second one, which leaves its setup out; its wake-ups
# are the calls any of its functions made to epoll_wait.
wake_point() {
    local client="$1" d="$2" i w n s i1 w1 n1
    if [ "$client" = ours ]; then
        ours_flags=(-T 1 -c 1 --depth "$d")
        [ "$binary" -eq 1 ] && ours_flags+=(-B)
        read -r i w n <<<"$(counted ours "$requests" '*Worker*run*' 'Worker<S>::run|transport::wait::wait' ':syscall [')"
        s="$(inclusive "$work/callgrind.out" 'Worker<S>::snapshot [')"
        echo "$((i - s)) $w $n"
        return
    fi
    floor_flags=(-c 1 --depth "$d")
    [ "$binary" -eq 1 ] && floor_flags+=(--binary)
    read -r i1 w1 n1 <<<"$(counted "$client" 2 floor::run 'floor::' ':epoll_wait [')"
    read -r i w n <<<"$(counted "$client" 4 floor::run 'floor::' ':epoll_wait [')"
    echo "$((i - i1)) $((w - w1)) $((n - n1))"
}

# native_waits CLIENT: epoll waits a request of CLIENT run natively for 3
# seconds with -c 32 at $depth, counted by perf's system-call tracepoints.
native_waits() {
    local client="$1" cmd
    ours_flags=(-T 1 -c 32 --depth "$depth")
    floor_flags=(-c 32 --depth "$depth")
    if [ "$binary" -eq 1 ]; then
        ours_flags+=(-B)
        floor_flags+=(--binary)
    fi
    start_server 4096
    client_cmd "$client"
    if [ "$client" = ours ]; then cmd+=(-t 3s); else cmd+=(-t 3); fi
    taskset -c "$client_cpu" perf stat -x, -o "$work/waits" \
        -e syscalls:sys_enter_epoll_wait -e syscalls:sys_enter_epoll_pwait \
        -e syscalls:sys_enter_epoll_pwait2 "${cmd[@]}" >"$work/out" 2>&1 ||
        { tail -5 "$work/out" >&2; exit 1; }
    stop_server
    awk -F, -v n="$(requests_done "$client" "$work/out")" \
        '/^[0-9]/ { w += $1 } END { if (n > 0) printf "%.3f", w / n; else print "" }' "$work/waits"
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
        # No wait counted means the profile's function names no longer
        # match the ones this script looks for (a renamed or generic
        # function): a figure from it would be wrong, not missing.
        if [ "$w1" -eq 0 ] || [ "$w2" -eq 0 ]; then
            echo "$client: no wake-up counted in its profile; have the names in per_wake.sh's wake_point changed?" >&2
            exit 1
        fi
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
