# The --depth test of compare.sh: each client (ours; with --floor the floor
# and `floor --work` too, and with --aa the floor again) at --depth 1 and
# at --depth $depth, alternating, --runs rounds, and the ratios between
# them. Sourced by compare.sh once its clients and helpers are defined,
# with $depth, $runs, $seconds, $floor, $aa, $work and $csv set.

# depth_section: runs the test and prints its rows and ratios.
depth_section() {
    echo
    echo "pipelining: --depth $depth against --depth 1 (ASCII, -T 1 -c 32, ${seconds}s):"
    printf '%-9s %-9s %11s %9s %9s %9s %17s\n' client depth ops cpu_s us/op rss_kb "us/op min-max"
    clients=(ours)
    [ "$floor" -eq 1 ] && clients=(floor work ours)
    [ "$aa" -eq 1 ] && clients+=(again)
    for client in "${clients[@]}"; do : >"$work/$client.d1.runs"; : >"$work/$client.dn.runs"; done
    for _ in $(seq "$runs"); do
        for client in "${clients[@]}"; do
            run_client "$client" 32 --depth 1 >>"$work/$client.d1.runs"
            run_client "$client" 32 --depth "$depth" >>"$work/$client.dn.runs"
        done
    done
    for client in "${clients[@]}"; do
        for f in d1 dn; do
            read -r ops cpu usop rss lo hi srv <<<"$(medians "$work/$client.$f.runs")"
            label=1
            [ "$f" = dn ] && label="$depth"
            printf '%-9s %-9s %11.0f %9.2f %9.3f %9.0f %8.3f-%-8.3f\n' "$client" "$label" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi"
            csv_row "depth-$label" ascii "$client" "$ops" "$cpu" "$usop" "$rss" "$lo" "$hi" "$srv"
            eval "${client}_${f}_usop=$usop"
        done
    done
    for client in "${clients[@]}"; do
        eval "a=\$${client}_dn_usop b=\$${client}_d1_usop"
        awk -v c="$client" -v n="$depth" -v a="$a" -v b="$b" \
            'BEGIN { printf "ratio %s --depth %d / --depth 1 (medians): us/op %.3f / %.3f = %.2f\n", c, n, a, b, a / b }'
    done
    for f in d1 dn; do
        label=1
        [ "$f" = dn ] && label="$depth"
        split=()
        for client in "${clients[@]}"; do split+=("$work/$client.$f.runs"); done
        printf 'user / system us/op at --depth %s (GNU time, medians): %s\n' "$label" "$(split_text "${split[@]}")"
    done
    if [ "$floor" -eq 1 ]; then
        awk -v n="$depth" -v a="$ours_dn_usop" -v f="$floor_dn_usop" \
            -v q="$(paired_text "$work/ours.dn.runs" "$work/floor.dn.runs")" \
            'BEGIN { printf "ratio ours / floor at --depth %d (medians): us/op %.3f / %.3f = %.2f, %s\n", n, a, f, a / f, q }'
        awk -v a="$ours_d1_usop" -v f="$floor_d1_usop" \
            -v q="$(paired_text "$work/ours.d1.runs" "$work/floor.d1.runs")" \
            'BEGIN { printf "ratio ours / floor at --depth 1 (medians): us/op %.3f / %.3f = %.2f, %s\n", a, f, a / f, q }'
        awk -v n="$depth" -v w="$work_dn_usop" -v f="$floor_dn_usop" -v a="$ours_dn_usop" \
            'BEGIN { printf "ratio floor --work / floor at --depth %d: %.2f; ours / floor --work: %.2f\n", n, w / f, a / w }'
        if [ "$aa" -eq 1 ]; then
            for f in dn d1; do
                label=1
                [ "$f" = dn ] && label="$depth"
                eval "a=\$again_${f}_usop b=\$floor_${f}_usop"
                awk -v n="$label" -v a="$a" -v b="$b" \
                    -v q="$(paired_text "$work/again.$f.runs" "$work/floor.$f.runs")" \
                    'BEGIN { printf "ratio floor again / floor at --depth %d (A/A, one binary; medians): us/op %.3f / %.3f = %.2f, %s\n", n, a, b, a / b, q }'
            done
        fi
        pairs=("ours floor" "work floor" "ours work")
        [ "$aa" -eq 1 ] && pairs+=("again floor")
        for pair in "${pairs[@]}"; do
            read -r a b <<<"$pair"
            for f in dn d1; do
                label=1
                [ "$f" = dn ] && label="$depth"
                printf 'ratio %s / %s at --depth %s, %s\n' "$a" "$b" "$label" \
                    "$(at_equal_server_text "$work/$a.$f.runs" "$work/$b.$f.runs")"
            done
        done
    fi
}
