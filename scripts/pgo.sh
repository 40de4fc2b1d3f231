#!/usr/bin/env bash
# Builds memaslap, and the floor probe (benches/floor), with profile-guided
# optimization: an instrumented build runs every mode against a private
# memcached for a few seconds each, and the release build then uses what
# those runs counted to lay out and inline the code (hot paths together,
# rarely run ones out of their way). The client then runs over fewer lines
# of code between two system calls, whose network code evicts it from the
# instruction cache (benches/code_footprint.sh), and makes fewer
# instructions a request; README's cost section has the figures.
#
# A mode left out of the training would be laid out as rarely run code:
# every mode compare.sh measures is trained (text, binary and meta at
# depths 1 and 16, UDP, multi-get, zipf keys, trace replay, open loop,
# TLS when openssl is installed and memcached speaks it), the floor in
# each of its modes.
#
# Usage: scripts/pgo.sh [--seconds N]
#   --seconds N   length of each training run (default 2)
#
# Writes target/pgo/release/memaslap and target/pgo/release/floor (the
# instrumented build and its counts stay in target/pgo-gen). Needs
# llvm-profdata of the LLVM version rustc is built on: rustup's llvm-tools
# component, or Debian's llvm-N package (installed when missing and apt
# can). Extra RUSTFLAGS are passed on to both builds.
set -euo pipefail
cd "$(dirname "$0")/.."
source benches/common.sh

seconds=2
while [ $# -gt 0 ]; do
    case "$1" in
        --seconds)
            [[ "${2:-}" =~ ^[1-9][0-9]*$ ]] || { echo "--seconds takes a whole number of seconds above 0, not '${2:-}'" >&2; exit 2; }
            seconds="$2"; shift 2 ;;
        -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done

major="$(rustc -vV | sed -n 's/^LLVM version: \([0-9]*\).*/\1/p')"
[ -n "$major" ] || { echo "rustc -vV names no LLVM version" >&2; exit 1; }
profdata="$(find_profdata "$major" "$(rustc --print sysroot)")"
if [ -z "$profdata" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing llvm-$major for llvm-profdata" >&2
    apt_install "llvm-$major" || true
    profdata="$(find_profdata "$major" "$(rustc --print sysroot)")"
fi
if [ -z "$profdata" ]; then
    echo "no llvm-profdata of LLVM $major (rustc's): run 'rustup component add llvm-tools'" \
        "or install llvm-$major" >&2
    exit 1
fi

install_tools
server_cpu="${SERVER_CPU:-0}"
make_work
gen="$PWD/target/pgo-gen"
counts="$gen/profiles"
build() {
    local flags="$1" dir="$2"
    RUSTFLAGS="${RUSTFLAGS:-} $flags" CARGO_TARGET_DIR="$dir" \
        cargo build --release --locked -p memaslap-cli -p memaslap-benches --bin memaslap --bin floor
}

build "-Cprofile-generate=$counts" "$gen"
# Counts written while building (build scripts) are not the client's.
rm -rf "$counts"

ours="$gen/release/memaslap"
floor="$gen/release/floor"
train() {
    echo "training: $*" >&2
    "$@" >"$work/train.out" 2>&1 || { tail -5 "$work/train.out" >&2; exit 1; }
}

start_server 4096
target=(-s "127.0.0.1:$port" -T 1 -c 32)
for protocol in ascii binary meta; do
    for depth in 1 16; do
        train "$ours" "${target[@]}" -t "${seconds}s" --protocol "$protocol" --depth "$depth"
    done
done
for flags in "-U" "-d 10" "--keys 10000 --key-dist zipf:0.99 --prefill" "--rate 20000"; do
    read -r -a extra <<<"$flags"
    train "$ours" "${target[@]}" -t "${seconds}s" "${extra[@]}"
done
write_trace "$work/trace.csv" $((seconds * 50000))
train "$ours" "${target[@]}" --trace "$work/trace.csv" --trace-speed max
for flags in "" "--depth 16" "--binary" "--udp" "--work" "--work --depth 16"; do
    read -r -a extra <<<"$flags"
    train "$floor" -s "127.0.0.1:$port" -c 32 -t "$seconds" "${extra[@]}"
done
stop_server
# TLS where openssl makes the certificates and memcached was built with it.
if command -v openssl >/dev/null 2>&1 && [[ "$(memcached -h 2>/dev/null)" == *--enable-ssl* ]]; then
    server_tls="$work/certs"
    make_certs "$server_tls"
    start_server 4096
    for depth in 1 16; do
        train "$ours" -s "127.0.0.1:$tls_port" -T 1 -c 32 -t "${seconds}s" --depth "$depth" \
            --tls --tls-ca "$server_tls/ca.pem"
    done
    stop_server
fi

"$profdata" merge -o "$gen/merged.profdata" "$counts"
build "-Cprofile-use=$gen/merged.profdata" "$PWD/target/pgo"
echo "built target/pgo/release/memaslap and target/pgo/release/floor" >&2
