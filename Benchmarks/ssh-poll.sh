#!/usr/bin/env bash
# Reproduces the SSH poll benchmark in BENCHMARKS.md: NODES sshd nodes on loopback, one
# status poll, hadeck cold/warm against pdsh -R ssh and clush. Run as root (the nodes log
# in as the user hadeck-test, created if missing). More hadeck binaries to time in the same rounds
# (e.g. an older build) may follow as LABEL=PATH. Usage: Benchmarks/ssh-poll.sh [NODES] [RUNS] [LABEL=PATH...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}" pdsh clustershell
ensure_swift
swift build -c release --product hadeck >&2
swift build --product hadeck-bench-ssh >&2
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), $(ssh -V 2>&1)" >&2
exec .build/debug/hadeck-bench-ssh .build/release/hadeck "${1:-20}" "${2:-7}" "${@:3}"
