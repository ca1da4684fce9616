#!/usr/bin/env bash
# Reproduces "Console memory over two hours" in BENCHMARKS.md: the console (`hadeck -i LAB
# --refresh 2`, in tmux at 200x60) on a 20-node lab with sshd, its memory read from /proc every
# STEP minutes for MINUTES minutes: RSS, its anonymous part (the console's own heap and
# stacks), and the first line of the screen (so that a stalled console would show).
# The binaries are the package's (release, Swift runtime linked in: scripts/package's build)
# unless HADECK_BIN names a folder holding hadeck and hadeck-node.
# Run as root (the lab's mount namespaces). Usage: Benchmarks/console-soak.sh [MINUTES] [STEP] [SUBNET]
set -euo pipefail
cd "$(dirname "$0")/.."
minutes=${1:-120} step=${2:-5} subnet=${3:-9}
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
bin=${HADECK_BIN:-}
if [ -z "$bin" ]; then
    swift build -c release --static-swift-stdlib --product hadeck >&2
    swift build -c release --static-swift-stdlib --product hadeck-node >&2
    bin=$(swift build -c release --static-swift-stdlib --show-bin-path)
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), $(ssh -V 2>&1); $(date -u +%FT%TZ)"
echo "binary: $bin/hadeck, $("$bin/hadeck" --version)"
socket="hadeck-soak-$$"
dir=$(mktemp -d /tmp/hadeck-soak.XXXXXX)
chmod 755 "$dir" # PostgreSQL (user postgres) must reach the lab below it
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; "$bin/hadeck" lab down --dir "$dir/lab" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
export XDG_STATE_HOME=$dir/state
"$bin/hadeck" lab up --nodes 20 --ssh --subnet "$subnet" --dir "$dir/lab" >/dev/null
mkdir -p "$dir/run"
tmux -L "$socket" new-session -d -s b -x 200 -y 60 "XDG_RUNTIME_DIR=$dir/run XDG_STATE_HOME=$dir/state $bin/hadeck -i $dir/lab/cluster.yaml --refresh 2"
sleep 20
pid=$(pgrep -f "^$bin/hadeck -i $dir/lab/cluster.yaml" | head -1)
memory() { awk '/^(VmRSS|RssAnon):/ { printf "%s %6d KiB  ", $1, $2 }' "/proc/$pid/status"; }
line() { printf '%-9s %s load %s | %s\n' "$1" "$(memory)" "$(cut -d' ' -f1 /proc/loadavg)" "$(tmux -L "$socket" capture-pane -p -t b | sed -n 2p | cut -c1-90)"; }
line "20 s"
for ((t = step; t <= minutes; t += step)); do
    sleep $(( t == step ? step * 60 - 20 : step * 60 ))
    line "$t min"
done
