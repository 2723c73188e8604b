#!/bin/bash
# The loader's memory over a long run: the demo server under a steady load,
# traced by `latscope record -p PID -i 1 -o FILE --slow 20ms` twice at once,
# plainly (VmRSS sampled every 10 s) and under heaptrack; then the live heap
# between intervals, per 30 s and per 10 min, from heaptrack's record.
#
#   tools/heap_profile.sh BUILD_DIR [SECONDS] [OUT_DIR]   (default 3600 s)
#
# Needs heaptrack (make bench-deps); run as root. Not a test: it asserts
# nothing, and its figures go in README "Exit codes and reliability".
set -eu
build=$(realpath "$1") seconds=${2:-3600} out=${3:-$(mktemp -d /tmp/latscope-heap-XXXXXX)}
mkdir -p "$out" && cd "$out"
"$build/tools/demo_server" >server.out 2>&1 & server=$!
trap 'kill $server $load 2>/dev/null || true' EXIT
sleep 0.5
port=$(awk '{print $2}' server.out)
( end=$((SECONDS + seconds + 20)); while [ $SECONDS -lt $end ]; do
	"$build/tools/loadgen" --port "$port" --count 5 --paths /fast,/error,/upstream >/dev/null 2>&1
	sleep 1; done ) & load=$!
"$build/latscope" record -p $server -i 1 -o plain.json -d "$seconds" --slow 20ms >/dev/null 2>plain.err &
plain=$!
heaptrack -o heap "$build/latscope" record -p $server -i 1 -o heap.json -d "$seconds" \
	--slow 20ms >/dev/null 2>heap.err &
profiled=$!
while kill -0 $plain 2>/dev/null; do
	echo "$SECONDS $(awk '/VmRSS/ {print $2}' /proc/$plain/status 2>/dev/null)" >>rss.txt
	sleep 10
done
wait $profiled || true
heaptrack_print -f heap.zst -M heap.massif --print-peaks 0 --print-leaks 0 \
	--print-allocators 0 --print-temporary 0 >/dev/null 2>&1
heaptrack_print -f heap.zst -n 6 --print-leaks 1 >heap_summary.txt 2>&1
grep -E "^time=|^mem_heap_B=" heap.massif | paste - - | awk -F'[= \t]+' '{print $2, $4}' >heap_curve.txt
echo "RSS (KB) every 6 minutes, plain run:"
awk 'NR == 1 || NR % 36 == 0 {printf "  %5ds %s\n", $1, $2}' rss.txt
echo "live heap between intervals (lowest in each window), bytes:"
awk -v end="$seconds" '$1 < end {b = int($1 / 600); if (!(b in lo) || $2 < lo[b]) lo[b] = $2}
     END {for (b = 0; b in lo; b++) printf "  %5ds %d\n", b * 600, lo[b]}' heap_curve.txt
grep -E "peak heap memory|total memory leaked|calls to allocation functions:" heap_summary.txt
echo "files in $out"
