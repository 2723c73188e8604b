#!/usr/bin/env bash
# Server benchmark: what tracing a busy web server costs, latscope against
# the tools people would otherwise point at it, measured side by side.
#
#   tools/bench/requests.sh [BUILD_DIR]     (default build; needs root)
#
#   BENCH_REQ_ROUNDS   interleaved rounds (default 5)
#   BENCH_REQ_SECONDS  wrk run per mode and round (default 3)
#
# nginx (Debian, one process, `master_process off`, pinned to CPU 0) serves
# a 2 KB static file on 127.0.0.1; wrk (-t2 -c50, pinned to the other CPUs)
# loads it. Each round runs every mode once, in turn: untraced, latscope
# with request tracing alone (--no-syscalls --no-block --no-net), latscope's
# default probe set,
# libbpf-tools `syscount -L -p`, and a bpftrace per-PID syscall latency
# histogram. A tracer attaches by PID and wrk starts only once it reports
# itself attached. Reported per mode: median requests/s and p99 over the
# rounds, and their ratios to the untraced medians. Noise on a shared
# 2-core VM is large (±15 %): read ratios from many rounds, not one.
# Then one run per latscope mode with BPF stats on: ns per program run.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_REQ_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_REQ_SECONDS:-3}
ATTACH_TIMEOUT=30
LATSCOPE=$BUILD/latscope
BENCH=requests
# shellcheck source=tools/bench/common.sh
. "$(dirname "$0")/common.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REQ_ROUNDS must be a positive integer"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "BENCH_REQ_SECONDS must be a positive integer"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$LATSCOPE" ] || die "$LATSCOPE not found; run 'make' first"
command -v nginx >/dev/null || die "nginx not found; run 'make deps'"
command -v wrk >/dev/null || die "wrk not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-req.XXXXXX)
NGINX_PID=""
TRACER_PID=""

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	local pid
	for pid in $TRACER_PID $NGINX_PID; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
	[ -z "${STATS_OLD:-}" ] ||
		sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1 || true
}
trap cleanup EXIT

mount_tracefs

start_nginx() {
	local port=$1
	mkdir -p "$TMP/www"
	head -c 2048 /dev/zero | tr '\0' x > "$TMP/www/index.html"
	cat > "$TMP/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
pid $TMP/nginx.pid; error_log $TMP/error.log;
events { worker_connections 1024; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP;
  uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server { listen 127.0.0.1:$port; root $TMP/www; }
}
CONF
	taskset -c 0 nginx -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" &
	NGINX_PID=$!
	TARGET_PID=$NGINX_PID
	wait_port "$port" || die "nginx did not start: $(cat "$TMP/error.log" 2>/dev/null)"
}

# "Requests/sec: 12345.67" and the 99% line of --latency, in microseconds.
parse_wrk() {
	awk '/Requests\/sec:/ { rps = $2 }
	     $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	                   f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1e6 : 0;
	                   p99 = v * f }
	     END { printf "%s %s\n", rps, p99 }' "$1"
}

MODES=(untraced latscope-requests latscope-default)
command -v syscount >/dev/null && MODES+=(syscount) || echo "bench/requests: syscount not found, skipped" >&2
command -v bpftrace >/dev/null && MODES+=(bpftrace) || echo "bench/requests: bpftrace not found, skipped" >&2

port=$(free_port)
start_nginx "$port"
url="http://127.0.0.1:$port/index.html"
wrk_cpus=$(seq -s, 1 $(( $(nproc) - 1 )))
[ -n "$wrk_cpus" ] || wrk_cpus=0
echo "server benchmark: nginx (pid $NGINX_PID, CPU 0) <- wrk -t2 -c50 (CPUs $wrk_cpus), ${SECONDS_PER_RUN}s x $ROUNDS rounds per mode"

for round in $(seq "$ROUNDS"); do
	for mode in "${MODES[@]}"; do
		if ! start_tracer "$mode"; then
			echo "bench/requests: $mode did not attach: $(tail -3 "$TMP/tracer.log")" >&2
			stop_tracer
			continue
		fi
		taskset -c "$wrk_cpus" wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" --latency "$url" > "$TMP/wrk.out" 2>&1
		stop_tracer
		parse_wrk "$TMP/wrk.out" >> "$TMP/$mode.results"
	done
	echo "  round $round/$ROUNDS done"
done

printf '\n%-20s %12s %10s %10s %10s\n' MODE "REQ/S" "P99 us" "REQ/S x" "P99 x"
base_rps=$(cut -d' ' -f1 "$TMP/untraced.results" | median)
base_p99=$(cut -d' ' -f2 "$TMP/untraced.results" | median)
for mode in "${MODES[@]}"; do
	[ -s "$TMP/$mode.results" ] || { printf '%-20s %12s\n' "$mode" "failed"; continue; }
	rps=$(cut -d' ' -f1 "$TMP/$mode.results" | median)
	p99=$(cut -d' ' -f2 "$TMP/$mode.results" | median)
	awk -v m="$mode" -v r="$rps" -v p="$p99" -v br="$base_rps" -v bp="$base_p99" \
		'BEGIN { printf "%-20s %12.0f %10.0f %10.3f %10.2f\n", m, r, p, r / br, p / bp }'
done
echo "(REQ/S x: requests/s relative to untraced, 1.000 = no loss; P99 x: wrk's client-side p99 relative to untraced)"

# Pass 2 (in-kernel): with kernel.bpf_stats_enabled=1 latscope's overhead
# section is exact ("continuous"): ns per run of each program. wrk's side
# of every socket call runs the programs too, filtered out by tgid (~10 ns
# above the empty-program floor), so a request costs nginx about
# 2 x (recv + send averages) minus two filtered runs. The stats themselves
# add ~60 ns per run (two clock reads): steadier than req/s, not free.
echo
echo "== pass 2: ns per BPF program run (kernel.bpf_stats_enabled=1, one ${SECONDS_PER_RUN}s wrk run each) =="
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 >/dev/null
for mode in latscope-requests latscope-default; do
	case $mode in
	latscope-requests) set -- --no-syscalls --no-block --no-net ;;
	*) set -- ;;
	esac
	: > "$TMP/tracer.log"
	"$LATSCOPE" record -p "$NGINX_PID" "$@" > "$TMP/report.txt" 2> "$TMP/tracer.log" &
	TRACER_PID=$!
	if ! wait_attached "$TMP/tracer.log" "latscope: tracing"; then
		echo "bench/requests: $mode did not attach" >&2
		stop_tracer
		continue
	fi
	taskset -c "$wrk_cpus" wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" "$url" > "$TMP/wrk.out" 2>&1
	stop_tracer
	echo "$mode ($(awk '/Requests\/sec:/ { printf "%.0f req/s", $2 }' "$TMP/wrk.out")):"
	# "  NAME  RUNS/s  AVG ns  CPU%" rows of programs that ran.
	awk '/^overhead/ { on = 1; next }
	     on && /by probe family/ { exit }
	     on && NF == 4 && $2 ~ /^[0-9.]+[kMG]?$/ && $2 != "0" { printf "  %-22s %8s runs/s %8s ns/run\n", $1, $2, $3 }' \
		"$TMP/report.txt"
done
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null
