#!/usr/bin/env bash
# `make bench`: diff and check --snapshot on large generated snapshots
# (build/tools/gen_snapshot): wall time and peak RSS per size, so that
# matching stays linear in the rows. Figures are printed, never asserted.
#
#   tools/bench/snapshots.sh [BUILD_DIR]
#
#   BENCH_SNAPSHOT_ROWS  sizes to try (default "8000 32000 128000")
set -euo pipefail

BUILD=${1:-build}
ROWS=${BENCH_SNAPSHOT_ROWS:-8000 32000 128000}
GEN=$BUILD/tools/gen_snapshot
LATSCOPE=$BUILD/latscope
TIME=/usr/bin/time

[[ -x $GEN && -x $LATSCOPE ]] || { echo "bench: build first (make)" >&2; exit 1; }
[[ -x $TIME ]] || { echo "bench: /usr/bin/time missing (package time)" >&2; exit 1; }
dir=$(mktemp -d /tmp/latscope-bench-snapshots-XXXXXX)
trap 'rm -rf "$dir"' EXIT

printf '%-8s %10s  %-24s %-24s\n' ROWS FILE "diff (s, peak RSS)" "check --snapshot (s, RSS)"
for n in $ROWS; do
	"$GEN" "$n" > "$dir/base.json"
	"$GEN" "$n" 10 > "$dir/new.json"
	size=$(du -h "$dir/base.json" | cut -f1)
	d=$({ $TIME -f '%e %M' "$LATSCOPE" diff "$dir/base.json" "$dir/new.json" > /dev/null; } 2>&1 | tail -1 || true)
	c=$({ $TIME -f '%e %M' "$LATSCOPE" check --snapshot "$dir/base.json" \
		--assert 'syscalls.count > 0' --assert 'syscalls.row000005.p99 < 1s' > /dev/null; } 2>&1 | tail -1 || true)
	printf '%-8s %10s  %-24s %-24s\n' "$n" "$size" \
		"$(awk '{printf "%.2f s, %d MB", $1, $2 / 1024}' <<< "$d")" \
		"$(awk '{printf "%.2f s, %d MB", $1, $2 / 1024}' <<< "$c")"
done
