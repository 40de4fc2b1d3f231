#!/usr/bin/env bash
# Runs memaslap as a Kubernetes Indexed Job (job.yaml): N pods, each one
# instance of one run, all starting at one time; then merges their results
# (merge.yaml) and saves the merged report.
#
# Usage: deploy/kubernetes/run.sh -n N -s SERVERS -i IMAGE [options] [-- MEMASLAP_OPTIONS...]
#   -n N          instances (pods) (required)
#   -s SERVERS    the servers, as memaslap's -s takes them (required)
#   -i IMAGE      the image built from deploy/Dockerfile (required)
#   -l SECONDS    how far ahead the shared start is (default 60): long
#                 enough for every pod to be scheduled and connected
#   -S SEED       the run's seed (default: drawn here, the same for all)
#   -o DIR        where the report goes (default .)
#   --render DIR  write the filled-in manifests to DIR and stop (no kubectl)
# MEMASLAP_OPTIONS: the rest of the run, e.g. -- -t 60s -T 4 -c 64 -S 1s
#
# The results stay on the volume memaslap-results-RUN_ID: one file per
# instance and merged/run.json. Remove the run with
#   kubectl delete job,pvc -l memaslap-run=RUN_ID
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
instances="" servers="" image="" lead=60 seed="" out="." render=""
while [ $# -gt 0 ]; do
    case "$1" in
        -n) instances="$2"; shift 2 ;;
        -s) servers="$2"; shift 2 ;;
        -i) image="$2"; shift 2 ;;
        -l) lead="$2"; shift 2 ;;
        -S) seed="$2"; shift 2 ;;
        -o) out="$2"; shift 2 ;;
        --render) render="$2"; shift 2 ;;
        --) shift; break ;;
        -h|--help) usage ;;
        *) echo "run.sh: unknown option $1" >&2; usage ;;
    esac
done
[ -n "$instances" ] && [ -n "$servers" ] && [ -n "$image" ] || usage
case "$instances" in ''|*[!0-9]*|0) echo "run.sh: -n takes a count of 1 or more" >&2; exit 2 ;; esac
case "$lead" in ''|*[!0-9]*) echo "run.sh: -l takes whole seconds" >&2; exit 2 ;; esac
[ -n "$seed" ] || seed="$(od -An -N8 -tu8 /dev/urandom | tr -d ' ')"

run_id="$(date +%s)"
start_at=$(( $(date +%s) + lead ))

# fill TEMPLATE: the template with every ${NAME} replaced, and the line that
# is only "${ARGS}" replaced by one list item per memaslap option.
fill() {
    RUN_ID="$run_id" INSTANCES="$instances" SERVERS="$servers" IMAGE="$image" \
        SEED="$seed" START_AT="$start_at" \
        awk -v nargs="$#" '
        BEGIN { for (i = 1; i <= nargs; i++) args[i] = ARGV[i + 1]; ARGC = 2 }
        /^ *- "\$\{ARGS\}"$/ {
            indent = substr($0, 1, index($0, "-") - 1)
            for (i = 1; i <= nargs; i++) {
                a = args[i]; gsub(/\\/, "\\\\", a); gsub(/"/, "\\\"", a)
                print indent "- \"" a "\""
            }
            next
        }
        {
            split("RUN_ID INSTANCES SERVERS IMAGE SEED START_AT", names, " ")
            for (n in names) gsub("\\$\\{" names[n] "\\}", ENVIRON[names[n]])
            print
        }' "$template" "$@"
}

if [ -n "$render" ]; then
    mkdir -p "$render"
    template="$here/job.yaml" fill "$@" >"$render/job.yaml"
    template="$here/merge.yaml" fill "$@" >"$render/merge.yaml"
    echo "run $run_id: $instances instances, start at $start_at, seed $seed"
    exit 0
fi

echo "run $run_id: $instances instances of memaslap against $servers," \
    "starting at $(date -u -d "@$start_at" +%FT%TZ) (seed $seed)"
template="$here/job.yaml" fill "$@" | kubectl apply -f -
timeout=$(( lead + 3600 ))
kubectl wait --for=condition=complete --timeout="${timeout}s" "job/memaslap-$run_id"
template="$here/merge.yaml" fill "$@" | kubectl apply -f -
kubectl wait --for=condition=complete --timeout=300s "job/memaslap-merge-$run_id"
mkdir -p "$out"
kubectl logs "job/memaslap-merge-$run_id" >"$out/memaslap-$run_id.txt"
cat "$out/memaslap-$run_id.txt"
echo "report: $out/memaslap-$run_id.txt; results on volume memaslap-results-$run_id"
