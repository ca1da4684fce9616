#!/usr/bin/env bash
# Reproduces "Memory of a long watch" in BENCHMARKS.md: `hadeck status --watch 0.2` (as fast
# as it polls) on a 10-node lab with sshd (127.0.7.11-20), its resident memory (all, and the
# anonymous part: its own heap and stacks) read from /proc every STEP seconds.
# Run as root (the lab's mount namespaces). Usage: Benchmarks/watch-memory.sh [SECONDS] [STEP]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600} step=${2:-60}
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
swift build --product hadeck >&2
swift build --product hadeck-node >&2
bin=$(swift build --show-bin-path)
work=$(mktemp -d)
watcher=""
cleanup() {
    [ -n "$watcher" ] && kill "$watcher" 2>/dev/null || true
    XDG_STATE_HOME=$work/state "$bin/hadeck" lab down --dir "$work/lab" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT
export XDG_STATE_HOME=$work/state XDG_RUNTIME_DIR=$work/run
mkdir -p "$XDG_RUNTIME_DIR"
"$bin/hadeck" lab up --dir "$work/lab" --nodes 10 --ssh --subnet 7 >&2
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r); debug build"
"$bin/hadeck" status --watch 0.2 -i "$work/lab/cluster.yaml" >/dev/null 2>&1 &
watcher=$!
for ((t = step; t <= seconds; t += step)); do
    sleep "$step"
    echo "$t s: $(awk '/^(VmRSS|RssAnon|Threads):/ {printf "%s %s  ", $1, $2}' "/proc/$watcher/status")"
done
