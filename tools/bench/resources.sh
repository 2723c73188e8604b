#!/usr/bin/env bash
# `make bench`, resources part: what each resource probe group costs.
#
#   tools/bench/resources.sh [BUILD_DIR]     (default BUILD_DIR: build; needs root)
#
#   BENCH_RES_SECONDS   length of the trace (default 5)
#
# The groups' programs run for every process on the machine and let the
# others go at the tgid prefilter, so their cost follows the machine-wide
# rate of their events. This traces an idle sleeper with every group on
# while untraced load makes those events: a pipe (context switches),
# /bin/true in a loop (page faults, fork/exec), a loopback TCP transfer
# (socket calls) and O_DIRECT writes (block requests). It prints latscope's
# own overhead table: runs/s, ns per run and CPU share per program, and
# the "by probe family" subtotals that README "Resources per process" quotes.
set -euo pipefail

BUILD=${1:-build}
SECONDS_TRACED=${BENCH_RES_SECONDS:-5}
LATSCOPE=$BUILD/latscope
RESLOAD=$BUILD/workloads/resload

[[ $(id -u) -eq 0 ]] || { echo "bench/resources: needs root" >&2; exit 1; }
[[ -x $LATSCOPE && -x $RESLOAD ]] || { echo "bench/resources: build first" >&2; exit 1; }

tmp=$(mktemp -d)
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

sleep 600 & sleeper=$!; pids+=("$sleeper")
( while :; do dd if=/dev/zero bs=512 count=100000 2>/dev/null | cat > /dev/null; done ) & pids+=($!)
( while :; do /bin/true; done ) & pids+=($!)
( while :; do "$RESLOAD" transfer 200000000 >/dev/null 2>&1; done ) & pids+=($!)
( while :; do dd if=/dev/zero of="$tmp/direct" bs=4k count=5000 oflag=direct 2>/dev/null; done ) & pids+=($!)
sleep 1

echo "### resource groups: cost per program under untraced load (${SECONDS_TRACED}s)"
"$LATSCOPE" record --sched --faults --block --net -p "$sleeper" -d "$SECONDS_TRACED" |
	sed -n '/^overhead/,$p'
