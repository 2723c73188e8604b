#!/usr/bin/env bash
# Redis benchmark: what naming every Redis command costs a busy server,
# latscope against the syscall tracer people would otherwise use.
#
#   tools/bench/redis.sh [BUILD_DIR]     (default build; needs root)
#
#   BENCH_REDIS_ROUNDS    interleaved rounds (default 5)
#   BENCH_REDIS_REQUESTS  redis-benchmark -n per command and run (default 200000)
#
# redis-server (Debian, persistence off, pinned to CPU 0) on 127.0.0.1,
# loaded by redis-benchmark (-c 50, SET and GET, one command per round
# trip, pinned to the other CPUs). Each round runs every mode once, in
# turn: untraced, latscope with request tracing alone (--no-syscalls
# --no-block --no-net: per-command rows), latscope's default probe set,
# and libbpf-tools `syscount -L -p`. Reported per mode: the median of
# redis-benchmark's requests/s (SET and GET averaged) over the rounds,
# and its ratio to untraced. Then the same with -P 16 (pipelining): the
# cost is per exchange, so it shrinks per command.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_REDIS_ROUNDS:-5}
REQUESTS=${BENCH_REDIS_REQUESTS:-200000}
ATTACH_TIMEOUT=30
LATSCOPE=$BUILD/latscope
BENCH=redis
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REDIS_ROUNDS must be a positive integer"
[[ $REQUESTS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REDIS_REQUESTS must be a positive integer"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$LATSCOPE" ] || die "$LATSCOPE not found; run 'make' first"
command -v redis-server >/dev/null || die "redis-server not found; run 'make deps'"
command -v redis-benchmark >/dev/null || die "redis-benchmark not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-redis.XXXXXX)
REDIS_PID=""
TRACER_PID=""

trap server_bench_cleanup EXIT
mount_tracefs

# Starts MODE's tracer on TARGET_PID; returns once it is attached.
start_tracer() {
	local mode=$1 log=$TMP/tracer.log
	: > "$log"
	case $mode in
	untraced) return 0 ;;
	latscope-requests)
		"$LATSCOPE" record -p "$TARGET_PID" --no-syscalls --no-block --no-net > /dev/null 2> "$log" &
		TRACER_PID=$!; wait_attached "$log" "latscope: tracing" ;;
	latscope-default)
		"$LATSCOPE" record -p "$TARGET_PID" > /dev/null 2> "$log" &
		TRACER_PID=$!; wait_attached "$log" "latscope: tracing" ;;
	syscount)
		stdbuf -oL syscount -L -p "$TARGET_PID" > "$log" 2>&1 &
		TRACER_PID=$!; wait_attached "$log" "Tracing" ;;
	esac
}

port=$(free_port)
taskset -c 0 redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" > "$TMP/redis.log" 2>&1 &
REDIS_PID=$!
TARGET_PID=$REDIS_PID
wait_port "$port" || die "redis-server did not start: $(tail -3 "$TMP/redis.log")"
client_cpus=$(seq -s, 1 $(( $(nproc) - 1 )))
[ -n "$client_cpus" ] || client_cpus=0

MODES=(untraced latscope-requests latscope-default)
command -v syscount >/dev/null && MODES+=(syscount) || echo "bench/redis: syscount not found, skipped" >&2

# The mean of SET's and GET's requests/s in redis-benchmark --csv output.
parse_csv() { awk -F'"' '/^"(SET|GET)"/ { s += $4; n++ } END { printf "%.0f\n", n ? s / n : 0 }' "$1"; }

run_case() {
	local pipeline=$1 tag=$2
	echo "redis benchmark ($tag): redis-server (pid $REDIS_PID, CPU 0) <- redis-benchmark -c 50 -P $pipeline -t set,get -n $REQUESTS (CPUs $client_cpus), $ROUNDS rounds per mode"
	for round in $(seq "$ROUNDS"); do
		for mode in "${MODES[@]}"; do
			if ! start_tracer "$mode"; then
				echo "bench/redis: $mode did not attach: $(tail -3 "$TMP/tracer.log")" >&2
				stop_tracer
				continue
			fi
			taskset -c "$client_cpus" redis-benchmark -p "$port" -c 50 -P "$pipeline" \
				-t set,get -n "$REQUESTS" --csv > "$TMP/bench.csv" 2>&1
			stop_tracer
			parse_csv "$TMP/bench.csv" >> "$TMP/$tag-$mode.results"
		done
		echo "  round $round/$ROUNDS done"
	done
	printf '\n%-20s %12s %10s\n' MODE "REQ/S" "REQ/S x"
	base=$(median < "$TMP/$tag-untraced.results")
	for mode in "${MODES[@]}"; do
		[ -s "$TMP/$tag-$mode.results" ] || { printf '%-20s %12s\n' "$mode" "failed"; continue; }
		rps=$(median < "$TMP/$tag-$mode.results")
		awk -v m="$mode" -v r="$rps" -v b="$base" \
			'BEGIN { printf "%-20s %12.0f %10.3f\n", m, r, r / b }'
	done
	echo "(REQ/S x: redis-benchmark's requests/s relative to untraced, 1.000 = no loss)"
	echo
}

run_case 1 "one by one"
run_case 16 "pipelined"
