#!/usr/bin/env bash
# Reproduces the node-shells benchmark in BENCHMARKS.md: the console's poll of NODES sshd nodes
# one-shot against its long-lived shells (round time, processes started on the nodes).
# Run as root (the nodes' login user hadeck-test, and process accounting). Usage:
# Benchmarks/node-shells.sh [NODES] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
swift build -c release --product hadeck-bench-node-shells >&2
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), $(ssh -V 2>&1)" >&2
exec .build/release/hadeck-bench-node-shells "${1:-20}" "${2:-30}"
