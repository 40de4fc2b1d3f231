# A file of compare.sh's runs, one run a line, "ops user sys rss utime
# stime server" (CPU in seconds, as run_client prints them; line N the run
# of round N): its medians, the ratios of two such files round by round,
# the user/system split, and its rows for --runs-csv. Sourced by
# compare.sh after common.sh, whose median and geometric_interval it uses.

# The first line of a --runs-csv file (benches/pool.sh reads it).
runs_csv_header="section,profile,client,round,ops,cpu_s,user_s,sys_s,rss_kb,server_s"

# Prints the median ops, CPU seconds, µs/op and RSS of a file of runs, the
# least and most µs/op, and the median of memcached's µs/op.
medians() {
    local f="$1"
    printf '%s %s %s %s %s %s %s\n' \
        "$(awk '{ print $1 }' "$f" | median)" \
        "$(awk '{ print $2 + $3 }' "$f" | median)" \
        "$(awk '$1 > 0 { printf "%.4f\n", ($2 + $3) * 1e6 / $1 }' "$f" | median)" \
        "$(awk '{ print $4 }' "$f" | median)" \
        "$(awk '$1 > 0 { printf "%.4f\n", ($2 + $3) * 1e6 / $1 }' "$f" | sort -g | head -1)" \
        "$(awk '$1 > 0 { printf "%.4f\n", ($2 + $3) * 1e6 / $1 }' "$f" | sort -g | tail -1)" \
        "$(awk '$1 > 0 && NF >= 7 { printf "%.4f\n", $7 * 1e6 / $1 }' "$f" | median)"
}

# paired A B: the median, least and most of the runs' ratios of µs/op, A's
# run over B's run of the same round (line N of each file of runs), then
# their geometric mean and its 95 % confidence interval (Student's t over
# the ratios' logarithms; "-" for the interval with fewer than two rounds).
# Runs of one round follow each other within a minute, so a ratio of the
# same round leaves out most of what the machine's load does to both,
# which a ratio of medians taken over the whole invocation keeps; the
# interval says how far the rounds' mean could be from the ratio the
# machine would give over many more rounds.
paired() {
    local ratios
    # Each line: A's run then B's, as many fields each.
    ratios="$(paste -d' ' "$1" "$2" | awk '{ h = NF / 2 }
        $1 > 0 && $(h + 1) > 0 && $(h + 2) + $(h + 3) > 0 {
        printf "%.6f\n", (($2 + $3) / $1) / (($(h + 2) + $(h + 3)) / $(h + 1)) }')"
    ratio_stats <<<"$ratios"
}

# ratio_stats: "median least most mean lo hi" of the ratios on standard
# input, one a line: their median and spread, then their geometric mean
# and its 95 % confidence interval (see geometric_interval); "- - - - - -"
# when there is none.
ratio_stats() {
    local ratios
    ratios="$(cat)"
    [ -n "$ratios" ] || { echo "- - - - - -"; return; }
    printf '%s %s %s %s\n' "$(median <<<"$ratios")" "$(sort -g <<<"$ratios" | head -1)" \
        "$(sort -g <<<"$ratios" | tail -1)" "$(geometric_interval <<<"$ratios")"
}

# per_op_median FILE FIELD: the median over FILE's runs of field FIELD in
# µs per operation (field 1 is the run's operations), to two places.
per_op_median() {
    awk -v f="$2" '$1 > 0 { printf "%.4f\n", $f * 1e6 / $1 }' "$1" | median | xargs printf '%.2f'
}

# split_text FILE...: "client user / system" per operation (µs, medians of
# GNU time's split, see run_client) of each file of runs, named by its
# file's first dot-separated part.
split_text() {
    local f parts=()
    for f in "$@"; do
        parts+=("$(basename "$f" | cut -d. -f1) $(per_op_median "$f" 5) / $(per_op_median "$f" 6)")
    done
    local IFS=,
    echo "${parts[*]}" | sed 's/,/, /g'
}

# "paired median (min-max), mean geometric-mean (95% CI lo-hi)" of A over
# B, for a summary line.
paired_text() {
    local m lo hi g glo ghi
    read -r m lo hi g glo ghi <<<"$(paired "$1" "$2")"
    [ "$m" = - ] && return
    awk -v m="$m" -v lo="$lo" -v hi="$hi" -v g="$g" -v glo="$glo" -v ghi="$ghi" 'BEGIN {
        printf "paired %.2f (%.2f-%.2f)", m, lo, hi
        if (glo != "-") printf ", mean %.3f (95%% CI %.3f-%.3f)", g, glo, ghi
    }'
}

# runs_rows SECTION PROFILE CLIENT FILE: with --runs-csv ($runs_csv set),
# appends FILE's runs to it, a row each: the CPU charged (task-clock, or
# GNU time's user + system), GNU time's user and system parts, and
# memcached's CPU, in seconds.
runs_rows() {
    [ -n "${runs_csv:-}" ] || return 0
    awk -v s="$1" -v p="$2" -v c="$3" '{
        printf "%s,%s,%s,%d,%d,%.6f,%.6f,%.6f,%d,%.6f\n", s, p, c, NR, $1, $2 + $3, $5, $6, $4, $7 }' "$4" >>"$runs_csv"
}
