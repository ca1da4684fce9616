#!/usr/bin/env bash
# Reproduces the console benchmark in BENCHMARKS.md:
#  1. frame: build + diff one 200x60 frame with 500 nodes of state (in process);
#  2. key to screen: the real console (ncurses, 500 synthetic nodes) in tmux at 200x60; `j` is
#     sent and the screen read back until it changed (tmux's own round trip included);
#  2b. key to screen in the log view (`l`) while the log grows by $HADECK_BENCH_LOG_RATE (5,000) lines a
#     second, and the console's RSS after 3 s and 60 s of it (the scrollback is bounded);
#  3. RSS of `hadeck` after MINUTES (default 10) of 2 s refreshes on a 20-node lab with sshd.
# Run as root (the lab's mount namespaces). Usage: Benchmarks/console.sh [MINUTES]
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/packages.sh
ensure_packages "${HADECK_PACKAGES[@]}"
ensure_swift
swift build -c release --product hadeck >&2
swift build -c release --product hadeck-node >&2
swift build -c release --product hadeck-bench-console >&2
bin=.build/release
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(uname -r), tmux $(tmux -V | cut -d' ' -f2)"

echo "== 1. frame"
$bin/hadeck-bench-console frame 500

echo "== 2. key to screen"
socket="hadeck-bench-$$"
trap 'tmux -L "$socket" kill-server 2>/dev/null || true' EXIT
tmux -L "$socket" new-session -d -s b -x 200 -y 60 "$bin/hadeck-bench-console console 500"
python3 - "$socket" <<'PY'
import subprocess, sys, time
socket = sys.argv[1]
def screen():
    return subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", "b"], capture_output=True, text=True).stdout
deadline = time.time() + 20
while "node1 " not in screen() and time.time() < deadline: time.sleep(0.05)
capture = []
for _ in range(20):
    start = time.perf_counter(); screen(); capture.append(time.perf_counter() - start)
times = []
for i in range(100):
    before = screen()
    start = time.perf_counter()
    subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "b", "j" if i % 20 < 10 else "k"])
    while screen() == before: pass
    times.append(time.perf_counter() - start)
times.sort(); capture.sort()
print(f"key to changed screen: median {times[50]*1000:.1f} ms, p90 {times[90]*1000:.1f} ms, max {times[-1]*1000:.1f} ms (100 keys; "
      f"includes tmux send-keys and capture-pane, one capture alone takes {capture[10]*1000:.1f} ms)")
PY
tmux -L "$socket" kill-server

echo "== 2b. key to screen in the log view while the log grows by ${HADECK_BENCH_LOG_RATE:-5000} lines a second"
# The synthetic backend's log is a local awk writing ${HADECK_BENCH_LOG_RATE:-5000} lines a second, followed
# as `l` follows a node's log. While it streams (the screen changes all the time), `w` is sent and the
# time taken until the title shows the wrap turned on (or off) is measured.
tmux -L "$socket" new-session -d -s b -x 200 -y 60 "HADECK_BENCH_LOG_RATE=${HADECK_BENCH_LOG_RATE:-5000} $bin/hadeck-bench-console console 20"
python3 - "$socket" <<'PY'
import subprocess, sys, time
socket = sys.argv[1]
def screen():
    return subprocess.run(["tmux", "-L", socket, "capture-pane", "-p", "-e", "-t", "b"], capture_output=True, text=True).stdout
def title():
    return screen().split("\n")[1]
def pid():
    out = subprocess.run(["pgrep", "-f", "^[^ ]*hadeck-bench-console console 20"], capture_output=True, text=True).stdout.split()
    return out[0] if out else None
def rss(p):
    for line in open(f"/proc/{p}/status"):
        if line.startswith("VmRSS:"): return int(line.split()[1]) // 1024
deadline = time.time() + 20
while "node1 " not in screen() and time.time() < deadline: time.sleep(0.05)
subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "b", "l"])
time.sleep(3)
p = pid()
print(f"RSS after 3 s of the log: {rss(p)} MiB")
times = []
for i in range(100):
    wanted = i % 2 == 0
    start = time.perf_counter()
    subprocess.run(["tmux", "-L", socket, "send-keys", "-t", "b", "w"])
    while ("wrapped" in title()) != wanted: pass
    times.append(time.perf_counter() - start)
times.sort()
print(f"key to changed screen, log growing: median {times[50]*1000:.1f} ms, p90 {times[90]*1000:.1f} ms, max {times[-1]*1000:.1f} ms (100 keys)")
title = screen().split("\n")[1]
print("title:", title.strip()[:80])
time.sleep(57)
print(f"RSS after 60 s of the log: {rss(p)} MiB; {screen().split(chr(10))[1].strip()[:80]}")
PY
tmux -L "$socket" kill-server

echo "== 3. RSS on a 20-node lab, ${1:-10} minutes of 2 s refreshes"
dir=$(mktemp -d /tmp/hadeck-bench-lab.XXXXXX)
chmod 755 "$dir" # PostgreSQL (user postgres) must reach the lab below it
trap 'tmux -L "$socket" kill-server 2>/dev/null || true; $bin/hadeck lab down --dir "$dir/lab" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
$bin/hadeck lab up --nodes 20 --ssh --subnet 9 --dir "$dir/lab" >/dev/null # 127.0.9.x: clear of the tests' labs
mkdir -p "$dir/run"
tmux -L "$socket" new-session -d -s b -x 200 -y 60 "XDG_RUNTIME_DIR=$dir/run $bin/hadeck -i $dir/lab/cluster.yaml --refresh 2"
sleep 20
pid=$(pgrep -f "^$bin/hadeck -i $dir/lab/cluster.yaml" | head -1)
# RSS, and its parts: anonymous (the process's own memory) and file-backed (mostly the shared
# Swift runtime and Foundation libraries), and PSS (shared pages divided among their users).
memory() { echo "$(awk '/^(VmRSS|RssAnon|RssFile):/ { printf "%s %s KiB  ", $1, $2 }' "/proc/$pid/status")$(awk '/^Pss:/ { printf "Pss: %s KiB", $2 }' "/proc/$pid/smaps_rollup")"; }
echo "after 20 s:   $(memory)"
tmux -L "$socket" capture-pane -p -t b | sed -n 2p
sleep $(( ${1:-10} * 60 ))
echo "after ${1:-10} min: $(memory)"
tmux -L "$socket" capture-pane -p -t b | sed -n 2p
