# The --depth test of compare.sh: each client (ours; with --floor the floor
# and `floor --work` too, and with --aa the floor again) at --depth 1 and
# at --depth $depth, alternating (the order rotated each round, see
# rotated), --runs rounds, and the ratios between
# them. Sourced by compare.sh once its clients and helpers are defined,
# with $depth, $runs, $seconds, $floor, $aa, $work and $csv set.

# depth_label F: the depth of F's runs (d1: 1, dn: $depth).
depth_label() {
    if [ "$1" = dn ]; then echo "$depth"; else echo 1; fi
}

# median_ratio A B F NAME [QUALIFIER]: the line "ratio NAME at --depth N
# (QUALIFIER medians)" of client A's over client B's median µs/op at F
# (d1 or dn), with their paired ratio.
median_ratio() {
    local a b
    eval "a=\$${1}_${3}_usop b=\$${2}_${3}_usop"
    awk -v name="$4" -v what="${5-}" -v n="$(depth_label "$3")" -v a="$a" -v b="$b" \
        -v q="$(paired_text "$work/$1.$3.runs" "$work/$2.$3.runs")" \
        'BEGIN { printf "ratio %s at --depth %d (%smedians): us/op %.3f / %.3f = %.2f, %s\n", name, n, what, a, b, a / b, q }'
}

# depth_section: runs the test and prints its rows and ratios.
depth_section() {
    echo
    echo "pipelining: --depth $depth against --depth 1 (ASCII, -T 1 -c 32, ${seconds}s):"
    printf '%-9s %-9s %11s %9s %9s %9s %17s\n' client depth ops cpu_s us/op rss_kb "us/op min-max"
    clients=(ours)
    [ "$floor" -eq 1 ] && clients=(floor work ours)
    [ "$aa" -eq 1 ] && clients+=(again)
    for client in "${clients[@]}"; do : >"$work/$client.d1.runs"; : >"$work/$client.dn.runs"; done
    for round in $(seq "$runs"); do
        for client in $(rotated "$round" "${clients[@]}"); do
            run_client "$client" 32 --depth 1 >>"$work/$client.d1.runs"
            run_client "$client" 32 --depth "$depth" >>"$work/$client.dn.runs"
        done
    done
    for client in "${clients[@]}"; do
        for f in d1 dn; do
            read -r ops cpu usop rss lo hi srv <<<"$(medians "$work/$client.$f.runs")"
            label="$(depth_label "$f")"
            printf '%-9s %-9s %11.0f %9.2f %9.3f %9.0f %8.3f-%-8.3f\n' "$client" "$label" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi"
            csv_row "depth-$label" ascii "$client" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi" "$srv"
            runs_rows "depth-$label" ascii "$client" "$work/$client.$f.runs"
            eval "${client}_${f}_usop=$usop"
        done
    done
    for client in "${clients[@]}"; do
        eval "a=\$${client}_dn_usop b=\$${client}_d1_usop"
        awk -v c="$client" -v n="$depth" -v a="$a" -v b="$b" \
            'BEGIN { printf "ratio %s --depth %d / --depth 1 (medians): us/op %.3f / %.3f = %.2f\n", c, n, a, b, a / b }'
    done
    for f in d1 dn; do
        split=()
        for client in "${clients[@]}"; do split+=("$work/$client.$f.runs"); done
        printf 'user / system us/op at --depth %s (GNU time, medians): %s\n' "$(depth_label "$f")" "$(split_text "${split[@]}")"
    done
    if [ "$floor" -eq 1 ]; then
        median_ratio ours floor dn "ours / floor"
        median_ratio ours floor d1 "ours / floor"
        # What the least per-request work costs over the floor, and ours
        # over that work, each with its paired spread and interval.
        median_ratio work floor dn "floor --work / floor"
        median_ratio ours work dn "ours / floor --work"
        median_ratio work floor d1 "floor --work / floor"
        if [ "$aa" -eq 1 ]; then
            for f in dn d1; do
                median_ratio again floor "$f" "floor again / floor" "A/A, one binary; "
            done
        fi
        pairs=("ours floor" "work floor" "ours work")
        [ "$aa" -eq 1 ] && pairs+=("again floor")
        for pair in "${pairs[@]}"; do
            read -r a b <<<"$pair"
            for f in dn d1; do
                printf 'ratio %s / %s at --depth %s, %s\n' "$a" "$b" "$(depth_label "$f")" \
                    "$(at_equal_server_text "$work/$a.$f.runs" "$work/$b.$f.runs")"
            done
        done
    fi
}
