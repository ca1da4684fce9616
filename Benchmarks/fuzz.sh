#!/usr/bin/env bash
# Coverage-guided fuzzing of HADeck's parsers (XML, env, inventory, theme) with libFuzzer: the
# targets of FuzzTests (Tests/HADeckTestSupport/FuzzTargets.swift), driven by coverage instead
# of a seeded generator. Crashes, hangs (over 5 s) and broken promises land in WORKDIR/artifacts;
# replay one with `$(swift build --show-bin-path)/hadeck-fuzz FILE`.
# Usage: Benchmarks/fuzz.sh [SECONDS] [WORKDIR]   (SECONDS per run; default 300)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300} work=${2:-.build/fuzz-run}
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
# A scratch path of its own: every module is built with coverage instrumentation, and the
# fuzzer's build must not replace the ordinary one. libFuzzer's driver is kept (-u) and
# exported so that the program's own main finds it. gold fails to link it (an internal error);
# lld links it.
flags=(--product hadeck-fuzz --scratch-path .build/fuzz -c release -Xswiftc -sanitize=fuzzer -Xswiftc -use-ld=lld
       -Xlinker --export-dynamic -Xlinker -u -Xlinker LLVMFuzzerRunDriver)
swift build "${flags[@]}" >&2
bin=$(swift build "${flags[@]}" --show-bin-path)/hadeck-fuzz
mkdir -p "$work/corpus" "$work/artifacts"
"$bin" --seeds "$work/corpus"
# Swift's own backtracer would take the crash signal before libFuzzer could save the input.
SWIFT_BACKTRACE=enable=no "$bin" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=4096 -max_len=65536 -print_final_stats=1 \
    -artifact_prefix="$work/artifacts/" "$work/corpus"
echo "corpus: $(ls "$work/corpus" | wc -l) inputs; artifacts: $(ls "$work/artifacts" | wc -l)"
