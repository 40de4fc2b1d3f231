#!/usr/bin/env bash
# Pools the runs of several compare.sh invocations (the files their
# --runs-csv writes) into one comparison. One invocation's ratio moves by
# several hundredths with the hour (the floor against itself gave 0.92 to
# 1.06 over thirteen 7-round invocations); the rounds of several
# invocations of the same builds, each ratio still taken within its own
# round, give an interval as narrow as that many rounds would, over hours
# and host states one invocation does not see.
#
# For each section (the profiles, the --depth test at each depth) and
# profile it prints each client's median µs of CPU per operation over all
# its runs (least-most) with GNU time's user and system parts (medians),
# and each client's ratio to the reference client
# over every round of every file where both ran: the median of the
# rounds' ratios (least-most) and their geometric mean with its 95 %
# confidence interval (Student's t over the logarithms). The reference is
# the client --against names where it ran, else the floor, else the
# original memaslap, else ours' base (a mode's run without the mode).
#
# Usage: benches/pool.sh [--against CLIENT] FILE...
#   --against CLIENT  the reference client (floor, work, original, ours,
#                     base, floorbase, again)
#   FILE              a --runs-csv file of compare.sh
set -euo pipefail
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/runs.sh"

against=""
files=()
while [ $# -gt 0 ]; do
    case "$1" in
        --against)
            case "${2-}" in
                floor|work|original|ours|base|floorbase|again) against="$2"; shift 2 ;;
                *) echo "--against takes a client: floor, work, original, ours, base, floorbase or again, not '${2-}'" >&2; exit 2 ;;
            esac ;;
        -h|--help) script_help "$0"; exit 0 ;;
        -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
        *) files+=("$1"); shift ;;
    esac
done
if [ ${#files[@]} -eq 0 ]; then
    echo "benches/pool.sh takes one or more files compare.sh --runs-csv wrote (see --help)" >&2
    exit 2
fi
for f in "${files[@]}"; do
    [ -r "$f" ] && [ -f "$f" ] || { echo "$f: cannot be read (a file compare.sh --runs-csv wrote is wanted)" >&2; exit 2; }
    first="$(head -1 "$f" | tr -d '\r')"
    [ "$first" = "$runs_csv_header" ] ||
        { echo "$f: not a compare.sh --runs-csv file: its first line is not '$runs_csv_header'" >&2; exit 2; }
    bad="$(awk -F, 'NR > 1 && (NF != 10 || $4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ || $6 !~ /^[0-9.]+$/) { print NR; exit }' "$f")"
    [ -z "$bad" ] || { echo "$f: line $bad is not a run (section,profile,client,round,ops,cpu_s,...)" >&2; exit 2; }
done

# rows: "file-index section profile client round us/op user sys" (µs a
# operation) for every run with operations, the files numbered in the
# order given.
rows="$(for i in "${!files[@]}"; do
    awk -F, -v i="$i" 'NR > 1 && $5 > 0 {
        printf "%d %s %s %s %d %.6f %.6f %.6f\n", i, $1, $2, $3, $4, $6 * 1e6 / $5, $7 * 1e6 / $5, $8 * 1e6 / $5 }' "${files[$i]}"
done)"
[ -n "$rows" ] || { echo "no run with operations in ${files[*]}" >&2; exit 2; }

echo "${#files[@]} invocation(s): ${files[*]}"
printf '%-9s %-10s %-10s %5s %18s %11s   %-9s %6s  %s\n' section profile client runs "us/op (min-max)" "user/system" against rounds \
    "ratio: paired median (min-max), mean (95% CI)"
# Each section and profile in the order they first appear.
awk '!seen[$2 " " $3]++ { print $2, $3 }' <<<"$rows" | while read -r section profile; do
    group="$(awk -v s="$section" -v p="$profile" '$2 == s && $3 == p' <<<"$rows")"
    clients="$(awk '!seen[$4]++ { print $4 }' <<<"$group")"
    ref=""
    for c in $against floor original base; do
        grep -qx "$c" <<<"$clients" && { ref="$c"; break; }
    done
    for client in $clients; do
        values="$(awk -v c="$client" '$4 == c { print $6 }' <<<"$group")"
        split="$(printf '%.2f/%.2f' "$(awk -v c="$client" '$4 == c { print $7 }' <<<"$group" | median)" \
            "$(awk -v c="$client" '$4 == c { print $8 }' <<<"$group" | median)")"
        line="$(printf '%-9s %-10s %-10s %5d %7.3f (%.3f-%.3f) %11s' "$section" "$profile" "$client" \
            "$(wc -l <<<"$values")" "$(median <<<"$values")" "$(sort -g <<<"$values" | head -1)" \
            "$(sort -g <<<"$values" | tail -1)" "$split")"
        if [ -n "$ref" ] && [ "$client" != "$ref" ]; then
            # A round's ratio: the client's run over the reference's run of
            # the same round of the same file.
            ratios="$(awk -v c="$client" -v r="$ref" '
                $4 == r { ref[$1 " " $5] = $6 }
                $4 == c { mine[$1 " " $5] = $6 }
                END { for (k in mine) if ((k in ref) && ref[k] > 0) printf "%.6f\n", mine[k] / ref[k] }' <<<"$group")"
            if [ -n "$ratios" ]; then
                read -r m least most g lo hi <<<"$(ratio_stats <<<"$ratios")"
                line+="$(printf '   %-9s %6d  %.3f (%.3f-%.3f), %s' "$ref" "$(wc -l <<<"$ratios")" "$m" "$least" "$most" \
                    "$(awk -v g="$g" -v lo="$lo" -v hi="$hi" 'BEGIN { if (lo == "-") printf "%.3f", g; else printf "%.3f (%.3f-%.3f)", g, lo, hi }')")"
            fi
        fi
        echo "$line"
    done
done
