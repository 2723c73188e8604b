#!/usr/bin/env bash
# `make bench`: the budget's own behaviour. A syscall load steps up and down
# (BUILD/tools/stepload, paced by the clock) under `latscope record
# --max-overhead BUDGET -i 1`; once a second the kernel's own BPF run-time
# statistics for latscope's programs (kernel.bpf_stats_enabled=1, read from
# outside latscope with bpftool) give what tracing cost in that second.
# Printed: one row a second with the load's rate and calls, latscope's duty
# for syscalls and its own cost estimate, the cost the kernel measured, and
# the budget; then how often and how far the measured cost passed it.
#
#   tools/bench/budget.sh [BUILD_DIR]      (default build; needs root)
#
#   BENCH_BUDGET        the budget, --max-overhead (default 1%)
#   BENCH_BUDGET_STEPS  the load, RATE:SECONDS steps (default
#                       "20000:4 300000:4 1000000:5 300000:4 20000:8")
#
# With stats on for the whole run latscope's figures are exact
# ("continuous"), and every program run costs ~60 ns more than in a normal
# run (the stats' two clock reads): the budget is kept on that higher cost.
set -euo pipefail

BUILD=${1:-build}
BUDGET=${BENCH_BUDGET:-1%}
STEPS=${BENCH_BUDGET_STEPS:-20000:4 300000:4 1000000:5 300000:4 20000:8}
LATSCOPE=$BUILD/latscope
LOAD=$BUILD/tools/stepload

BENCH=budget
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$LATSCOPE" ] && [ -x "$LOAD" ] || die "$LATSCOPE or $LOAD not found; run 'make' first"
command -v bpftool >/dev/null || die "bpftool not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-budget.XXXXXX)
LOAD_PID=""
TRACER_PID=""
STATS_OLD=""

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	local pid
	for pid in $TRACER_PID $LOAD_PID; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -z "$STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1 || true
	rm -rf "$TMP"
}
trap cleanup EXIT

wait_for() {
	local file=$1 pattern=$2 pid=$3 deadline=$((SECONDS + 30))
	until grep -q "$pattern" "$file" 2>/dev/null; do
		kill -0 "$pid" 2>/dev/null || die "pid $pid ended before '$pattern': $(cat "$file")"
		[ $SECONDS -lt $deadline ] || die "no '$pattern' within 30s"
		sleep 0.05
	done
}

STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 >/dev/null

# shellcheck disable=SC2086  # the steps are words
"$LOAD" --wait-signal $STEPS > "$TMP/load.out" &
LOAD_PID=$!
wait_for "$TMP/load.out" '^ready ' "$LOAD_PID"
"$LATSCOPE" record -p "$LOAD_PID" --max-overhead "$BUDGET" -i 1 --jsonl -o "$TMP/trace.jsonl" \
	> "$TMP/report.txt" 2> "$TMP/latscope.log" &
TRACER_PID=$!
wait_for "$TMP/latscope.log" 'latscope: tracing' "$TRACER_PID"

echo "budget benchmark: stepload ($STEPS calls/s:seconds) under latscope --max-overhead $BUDGET -i 1"
echo "machine: nproc $(nproc), kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
kill -USR1 "$LOAD_PID"
# One reading a second while the load runs: "MONO_NS RUN_NS" of latscope's programs.
while kill -0 "$LOAD_PID" 2>/dev/null; do
	echo "$(date +%s%N) $(pid_prog_stats "$TRACER_PID" | awk '{ s += $3 } END { print s + 0 }')" \
		>> "$TMP/cost.txt"
	sleep 1
done
wait "$LOAD_PID" || true
LOAD_PID=""
wait "$TRACER_PID" || true
TRACER_PID=""
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null
STATS_OLD=""

# Per second: the load's own line, latscope's interval line, the kernel's delta.
awk '$1 == "second" { print $4, $6 }' "$TMP/load.out" > "$TMP/load.rows"
awk 'NR > 1 { printf "%.5f\n", ($2 - rt) / ($1 - t) } { t = $1; rt = $2 }' "$TMP/cost.txt" > "$TMP/cost.rows"
# "LEVEL SELF_ESTIMATE GETPPID_ESTIMATE" from each interval snapshot.
awk '{
	level = "?"; if (match($0, /"now":\{"level":"[^"]*"/)) { level = substr($0, RSTART + 16, RLENGTH - 17) }
	cost = "?"; if (match($0, /"last_period_cost_share":[0-9.e+-]*/)) { cost = substr($0, RSTART + 25, RLENGTH - 25) * 100 }
	n = 0; iv = index($0, "\"interval\":")
	if (iv && match(substr($0, iv), /"getppid":\{"count":[0-9]*/)) {
		s = substr(substr($0, iv), RSTART, RLENGTH); sub(/.*"count":/, "", s); n = s
	}
	print level, cost, n
}' "$TMP/trace.jsonl" > "$TMP/trace.rows"

limit=$(echo "$BUDGET" | tr -d '%')
echo
printf '%6s %10s %10s %8s %12s %12s %14s %8s\n' SECOND "RATE/s" CALLS DUTY "LATSCOPE %" "MEASURED %" "GETPPID EST" "BUDGET %"
paste -d' ' "$TMP/load.rows" "$TMP/trace.rows" "$TMP/cost.rows" | awk -v limit="$limit" '
	NF >= 6 {
		printf "%6d %10d %10d %8s %12.3f %12.3f %14d %8s%s\n", NR - 1, $1, $2, $3, $4, $6 * 100, $5, limit,
			($6 * 100 > limit) ? "  over" : ""
		n++; if ($6 * 100 > limit) { over++; if ($6 * 100 - limit > worst) worst = $6 * 100 - limit }
		sum += $6 * 100
	}
	END {
		printf "\n%d seconds, mean measured cost %.3f %% of one CPU; over the budget in %d of them", n, sum / n, over + 0
		if (over) printf " (by up to %.3f points: the second the load stepped up, before the controller saw it)", worst
		printf "\n"
	}'
echo "(RATE/s and CALLS: the load's own figures for that second; DUTY: the share of time latscope attached its"
echo " syscall programs at the end of its interval; LATSCOPE %: its own estimate of the last period's kernel"
echo " cost; MEASURED %: latscope's BPF run time in that second, from the kernel; GETPPID EST: latscope's"
echo " count for its interval, scaled while sampled. Rows pair the three clocks second by second, not exactly)"
echo
echo "latscope's final report, the budget's lines:"
awk '/^== latscope/ { buf = "" } { buf = buf $0 "\n" } END { printf "%s", buf }' "$TMP/report.txt" |
	grep -E '^(traced|cost):|^  (budget|shed|restored)' || true
