#!/bin/sh
# make demo: trace the bundled demo service two ways and show what latscope
# reports. Needs root (BPF).
set -eu
build=${1:-build}
latscope="$build/latscope"
app="$build/tools/demo_app"
snapshot="$build/demo-snapshot.json"

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root: latscope loads BPF programs" >&2
	exit 1
fi

echo "### 1. Attach to a running process by PID: 4 s, a report every 2 s,"
echo "###    every syscall slower than 30 ms printed as it happens."
"$app" 8 >/dev/null &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
sleep 0.5
"$latscope" record -p "$pid" -d 4 -i 2 --slow 30ms --sched
kill "$pid" 2>/dev/null || true
wait "$pid" 2>/dev/null || true
trap - EXIT

echo
echo "### 2. Start a command under latscope (traced from its first instruction),"
echo "###    following its threads, and write a JSON snapshot."
"$latscope" record -c "$app 2" -o "$snapshot" --slow 30ms > /dev/null
echo "wrote $snapshot ($(wc -c < "$snapshot") bytes); its syscall names, by total time:"
grep -o '^    "[a-z0-9_]*": {' "$snapshot" | tr -d ' ":{' | head -n 8 | paste -sd' ' -
echo
echo "Try it on anything: $latscope record -p \$(pidof <process>) -d 5"
echo "Live view (q quits): $latscope top -c '$app 60' --warn 30ms"
