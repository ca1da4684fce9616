#!/usr/bin/env bash
# Reproduces "Start-up" in BENCHMARKS.md: `hadeck --version` as the package builds it (Swift
# runtime linked in, -static-stdlib, debug information stripped) and as `swift build -c
# release` builds it (runtime as shared libraries), against two minimal Foundation programs
# built both ways: `import Foundation; print("0.1.0")`, which a static link reduces to the Swift
# runtime (nothing of Foundation is called, so nothing of it is linked in: 9 MB), and the same
# printing through `String(format:)`, which links Foundation in as hadeck does (70 MB, 5,084
# protocol conformance records against hadeck's 6,252); RUNS rounds, the programs interleaved
# within each round so that the machine's other load falls on all alike. More programs to
# compare (e.g. an older build's) may be named after RUNS as LABEL=PATH.
# Usage: Benchmarks/startup.sh [RUNS] [LABEL=PATH...]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
runs=${1:-300}
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
swift build -c release --static-swift-stdlib --product hadeck >&2
cp .build/release/hadeck "$work/hadeck-static" && strip --strip-debug "$work/hadeck-static"
swift build -c release --product hadeck >&2
cp .build/release/hadeck "$work/hadeck-dynamic"
printf 'import Foundation\nprint("0.1.0")\n' >"$work/minimal.swift"
printf 'import Foundation\nprint(String(format: "%%d.%%d.%%d", 0, 1, 0))\n' >"$work/foundation.swift"
for program in minimal foundation; do
    swiftc -O -static-stdlib "$work/$program.swift" -o "$work/$program-static" 2>/dev/null && strip --strip-debug "$work/$program-static"
    swiftc -O "$work/$program.swift" -o "$work/$program-dynamic"
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$runs" "minimal static=$work/minimal-static" "foundation static=$work/foundation-static" "hadeck static=$work/hadeck-static" \
    "minimal dynamic=$work/minimal-dynamic" "foundation dynamic=$work/foundation-dynamic" "hadeck dynamic=$work/hadeck-dynamic" "$@" <<'PY'
import os, statistics, subprocess, sys, time
runs = int(sys.argv[1])
programs = [arg.split("=", 1) for arg in sys.argv[2:]]
env = {k: v for k, v in os.environ.items() if k != "SWIFT_BACKTRACE"}
devnull = os.open(os.devnull, os.O_WRONLY)
def once(path, args):
    start = time.perf_counter_ns()
    pid = os.posix_spawn(path, [path] + args, env, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
    os.waitpid(pid, 0)
    return (time.perf_counter_ns() - start) / 1e6
for label, path in programs:  # warm the page cache
    for _ in range(5): once(path, ["--version"])
times = {label: [] for label, _ in programs}
for _ in range(runs):
    for label, path in programs:
        times[label].append(once(path, ["--version"]))
print(f"{'program':<24} {'median ms':>9} {'mean':>7} {'min':>7} {'p90':>7}  × print-only  × String(format:)  (same linking)")
for label, path in programs:
    t = sorted(times[label])
    linking = "dynamic" if "dynamic" in label else "static"
    ratios = [statistics.median(t) / statistics.median(times[f"{base} {linking}"]) for base in ("minimal", "foundation")]
    print(f"{label:<24} {statistics.median(t):9.2f} {statistics.mean(t):7.2f} {t[0]:7.2f} {t[int(len(t)*0.9)]:7.2f}  {ratios[0]:10.2f}×  {ratios[1]:15.2f}×")
PY
