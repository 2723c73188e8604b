#!/usr/bin/env bash
# The uprobe case of `make bench`: what tracing a hot function costs per
# call, latscope against libbpf-tools funclatency and a bpftrace
# uprobe/uretprobe histogram, measured side by side in one run.
#
#   tools/bench/uprobe.sh [BUILD_DIR]        (default: build; needs root)
#
#   BENCH_ROUNDS        rounds of the round-robin (default 3)
#   BENCH_UPROBE_CALLS  calls of the hot function per run (default 200000)
#
# Two hot functions of BUILD/workloads/funcs, identical but for their first
# instruction: hot_push starts with `push %rbp` (the kernel emulates it) and
# hot_lea with `lea` (single-stepped out of line). For each, every round runs
# the workload untraced and under each tracer, interleaved. Each tracer
# attaches by PID to the waiting workload; once its uprobe and uretprobe show
# in `bpftool perf show`, the workload gets SIGUSR1 and times its own loop
# ("ns_per_call"). Reported: median ns per call, ns added per call over the
# untraced median, and each tracer's added cost relative to latscope's.
#
# Then, with kernel.bpf_stats_enabled=1, one more run per tracer: the BPF
# run time per hit (entry + return program, read with `bpftool prog show`
# for the programs `bpftool perf show` lists for the tracer's PID). On a
# noisy machine this part is the steadier comparison: the traps, which
# dominate the wall-clock figure, cost every tracer the same.
# A missing tool is reported and skipped.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_ROUNDS:-3}
CALLS=${BENCH_UPROBE_CALLS:-200000}
ATTACH_TIMEOUT=30
RUN_TIMEOUT=120
FUNCS=$(realpath "$BUILD/workloads/funcs")
LATSCOPE=$(realpath "$BUILD/latscope")

BENCH=uprobe
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer"
[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "BENCH_UPROBE_CALLS must be a positive integer"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$FUNCS" ] && [ -x "$LATSCOPE" ] || die "run 'make' first"
command -v bpftool >/dev/null || die "bpftool not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-uprobe.XXXXXX)
WORK_PID=""
TRACER_PID=""
STATS_OLD=""
# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	local pid
	for pid in $TRACER_PID $WORK_PID; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	[ -z "$STATS_OLD" ] || sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" || true
	rm -rf "$TMP"
}
trap cleanup EXIT

TRACERS=(untraced latscope)
if command -v funclatency >/dev/null; then TRACERS+=(funclatency)
else echo "bench/uprobe: funclatency (libbpf-tools) not found: skipped" >&2; fi
if command -v bpftrace >/dev/null; then TRACERS+=(bpftrace)
else echo "bench/uprobe: bpftrace not found: skipped" >&2; fi

# Starts tracer $1 on pid $2 for function $3; sets TRACER_PID.
start_tracer() {
	local tracer=$1 pid=$2 fn=$3 out=$TMP/tracer.out
	case $tracer in
	latscope)
		"$LATSCOPE" record -p "$pid" -u "$fn" --no-overhead >"$out" 2>&1 & ;;
	funclatency)
		funclatency -p "$pid" ":$fn" >"$out" 2>&1 & ;;
	bpftrace)
		bpftrace -p "$pid" -e "
			uprobe:$FUNCS:$fn { @start[tid] = nsecs; }
			uretprobe:$FUNCS:$fn /@start[tid]/ {
				@ns = hist(nsecs - @start[tid]); delete(@start[tid]);
			}" >"$out" 2>&1 & ;;
	esac
	TRACER_PID=$!
}

# Waits until the tracer's uprobe and uretprobe are attached.
wait_uprobes_attached() {
	local deadline=$((SECONDS + ATTACH_TIMEOUT))
	while [ "$(bpftool perf show 2>/dev/null | grep -cE "^pid $TRACER_PID .*(uprobe|uretprobe)")" -lt 2 ]; do
		kill -0 "$TRACER_PID" 2>/dev/null || { cat "$TMP/tracer.out" >&2; return 1; }
		[ $SECONDS -lt $deadline ] || return 1
		sleep 0.1
	done
}

# BPF ns per hit: the average run time of each of the tracer's programs, summed.
bpf_ns_per_hit() {
	local id ids
	ids=$(bpftool perf show 2>/dev/null | awk -v p="$TRACER_PID" '$1 == "pid" && $2 == p && /uprobe|uretprobe/ {
		for (i = 1; i < NF; i++) if ($i == "prog_id") print $(i + 1) }' | sort -u)
	for id in $ids; do
		bpftool prog show id "$id" 2>/dev/null |
			awk '{ for (i = 1; i < NF; i++) { if ($i == "run_time_ns") t = $(i + 1); if ($i == "run_cnt") c = $(i + 1) } }
			     END { if (c > 0) print t / c }'
	done | awk '{ s += $1 } END { printf "%.1f\n", s }'
}

# One run: prints the workload's ns per call (with $1 == stats: BPF ns per hit).
run_once() {
	local tracer=$1 kind=$2 deadline
	rm -f "$TMP/work.out" "$TMP/work.err"
	"$FUNCS" --wait-signal --hold "$kind" "$CALLS" >"$TMP/work.out" 2>"$TMP/work.err" &
	WORK_PID=$!
	deadline=$((SECONDS + ATTACH_TIMEOUT))
	until grep -qs '^ready' "$TMP/work.out"; do
		[ $SECONDS -lt $deadline ] || die "workload never got ready"
		sleep 0.05
	done
	if [ "$tracer" != untraced ]; then
		start_tracer "$tracer" "$WORK_PID" "hot_$kind"
		wait_uprobes_attached || die "$tracer did not attach"
	fi
	kill -USR1 "$WORK_PID"
	# --hold: the workload waits after its loop, so tracers are still attached.
	deadline=$((SECONDS + RUN_TIMEOUT))
	until grep -qs '^done' "$TMP/work.out"; do
		[ $SECONDS -lt $deadline ] || die "workload did not finish"
		sleep 0.05
	done
	[ "${3:-}" != stats ] || bpf_ns_per_hit
	kill -USR1 "$WORK_PID"
	wait "$WORK_PID" || true
	WORK_PID=""
	if [ -n "$TRACER_PID" ]; then
		kill -INT "$TRACER_PID" 2>/dev/null || true
		wait "$TRACER_PID" 2>/dev/null || true
		TRACER_PID=""
	fi
	[ "${3:-}" = stats ] || awk '/^ns_per_call/ { print $2 }' "$TMP/work.err"
}

echo "uprobe benchmark: $CALLS calls per run, $ROUNDS rounds, tracers: ${TRACERS[*]}"
for kind in push lea; do
	for ((r = 1; r <= ROUNDS; r++)); do
		for tracer in "${TRACERS[@]}"; do
			run_once "$tracer" "$kind" >>"$TMP/$kind.$tracer"
		done
	done
	base=$(median <"$TMP/$kind.untraced")
	lat_added=$(awk -v m="$(median <"$TMP/$kind.latscope")" -v b="$base" 'BEGIN { print m - b }')
	echo
	echo "hot_$kind (first instruction: $kind):"
	printf '  %-12s %12s %14s %16s\n' TRACER "ns/call" "added ns/call" "added vs latscope"
	for tracer in "${TRACERS[@]}"; do
		m=$(median <"$TMP/$kind.$tracer")
		awk -v t="$tracer" -v m="$m" -v b="$base" -v l="$lat_added" 'BEGIN {
			a = m - b
			if (t == "untraced") printf "  %-12s %12.1f %14s %16s\n", t, m, "-", "-"
			else printf "  %-12s %12.1f %14.1f %15.2fx\n", t, m, a, (l > 0 ? a / l : 0)
		}'
	done
done

echo
echo "BPF run time per hit (entry + return programs, kernel.bpf_stats_enabled=1):"
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
printf '  %-12s %12s %12s\n' TRACER "hot_push ns" "hot_lea ns"
for tracer in "${TRACERS[@]:1}"; do
	printf '  %-12s %12s %12s\n' "$tracer" "$(run_once "$tracer" push stats)" \
		"$(run_once "$tracer" lea stats)"
done
