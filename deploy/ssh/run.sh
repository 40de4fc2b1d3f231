#!/usr/bin/env bash
# Runs one memaslap run on several client machines over ssh: copies the
# binary to every host, starts instance i of N on the i-th host, all at one
# shared time, collects their results and merges them here.
#
# Usage: deploy/ssh/run.sh -H HOSTS -s SERVERS [options] [-- MEMASLAP_OPTIONS...]
#   -H HOSTS      a file of ssh destinations ([user@]host), one per line;
#                 blank lines and # comments are skipped (required)
#   -s SERVERS    the servers, as memaslap's -s takes them (required)
#   -b BINARY     the memaslap to copy and to merge with (default: memaslap
#                 on PATH, else target/release/memaslap)
#   -l SECONDS    how far ahead the shared start is (default 10): long
#                 enough to reach every host and connect
#   -S SEED       the run's seed (default: drawn here, the same for all)
#   -o DIR        where the results go (default ./memaslap-RUN_ID)
# MEMASLAP_OPTIONS: the rest of the run, e.g. -- -t 60s -T 4 -c 64 -S 1s
# Environment: SSH and SCP, the commands to reach a host (default
# "ssh -o BatchMode=yes" and "scp -q -o BatchMode=yes"). The hosts' clocks
# must agree (NTP) to well under the interval.
#
# DIR receives instance-I.json and instance-I.txt (each instance's result
# and report), run.json (the merged result) and report.txt (the merged
# report). The exit status is merge's: 0, 1 if an instance failed, 2 if the
# results do not merge.
set -euo pipefail

usage() { sed -n '2,26p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
hosts_file="" servers="" binary="" lead=10 seed="" out=""
while [ $# -gt 0 ]; do
    case "$1" in
        -H) hosts_file="$2"; shift 2 ;;
        -s) servers="$2"; shift 2 ;;
        -b) binary="$2"; shift 2 ;;
        -l) lead="$2"; shift 2 ;;
        -S) seed="$2"; shift 2 ;;
        -o) out="$2"; shift 2 ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "run.sh: unknown option $1" >&2; usage ;;
    esac
done
[ -n "$hosts_file" ] && [ -n "$servers" ] || usage
[ -r "$hosts_file" ] || { echo "run.sh: cannot read the hosts file $hosts_file" >&2; exit 2; }
case "$lead" in ''|*[!0-9]*) echo "run.sh: -l takes whole seconds" >&2; exit 2 ;; esac
if [ -z "$binary" ]; then
    binary="$(command -v memaslap || echo target/release/memaslap)"
fi
[ -x "$binary" ] || { echo "run.sh: no memaslap binary at $binary (give -b)" >&2; exit 2; }
read -r -a ssh <<<"${SSH:-ssh -o BatchMode=yes}"
read -r -a scp <<<"${SCP:-scp -q -o BatchMode=yes}"

hosts=()
while read -r line; do
    line="${line%%#*}"
    read -r host _ <<<"$line" || true
    [ -n "${host:-}" ] && hosts+=("$host")
done <"$hosts_file"
n=${#hosts[@]}
[ "$n" -gt 0 ] || { echo "run.sh: no host in $hosts_file" >&2; exit 2; }
[ -n "$seed" ] || seed="$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')"
run_id="$(date +%s)-$$"
out="${out:-memaslap-$run_id}"
mkdir -p "$out"
remote="/tmp/memaslap-$run_id"

echo "run $run_id: $n instances on ${hosts[*]} against $servers (seed $seed)"
for host in "${hosts[@]}"; do
    "${scp[@]}" "$binary" "$host:$remote"
done
start_at=$(( $(date +%s) + lead ))
pids=()
for i in "${!hosts[@]}"; do
    args=("$remote" -s "$servers" --instance "$i/$n" --seed "$seed" \
        --start-at "$start_at" --json "$remote-$i.json" "$@")
    # ssh runs its arguments through the remote shell: quote each one.
    "${ssh[@]}" "${hosts[$i]}" "$(printf '%q ' "${args[@]}")" \
        >"$out/instance-$i.txt" 2>&1 &
    pids+=($!)
done
failed=0
for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
        echo "instance $i/$n on ${hosts[$i]} failed; its report: $out/instance-$i.txt" >&2
        failed=1
    fi
done
for i in "${!hosts[@]}"; do
    "${scp[@]}" "${hosts[$i]}:$remote-$i.json" "$out/instance-$i.json" ||
        echo "no result from instance $i/$n on ${hosts[$i]}" >&2
    "${ssh[@]}" "${hosts[$i]}" "rm -f $remote $remote-$i.json" || true
done
status=0
"$binary" merge "$out"/instance-*.json --json "$out/run.json" >"$out/report.txt" || status=$?
cat "$out/report.txt"
echo "results: $out (run.json, report.txt)"
if [ "$status" -eq 0 ] && [ "$failed" -ne 0 ]; then status=1; fi
exit "$status"
