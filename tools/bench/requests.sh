#!/usr/bin/env bash
# Server benchmark: what tracing a busy web server costs, latscope against
# the tools people would otherwise point at it, measured side by side.
#
#   tools/bench/requests.sh [BUILD_DIR]     (default build; needs root)
#
#   BENCH_REQ_ROUNDS   interleaved rounds (default 5)
#   BENCH_REQ_SECONDS  wrk run per mode and round (default 3)
#   BENCH_REQ_STATS_ROUNDS  interleaved rounds of pass 2 (default 3)
#   BENCH_BASELINE     another latscope binary (an older build, say) to
#                      measure alongside in both latscope modes, as
#                      baseline-requests and baseline-default
#   BENCH_REQ_BUDGET   --max-overhead of the latscope-budget mode (default 1%)
#
# nginx (Debian, one process, `master_process off`, pinned to CPU 0) serves
# a 2 KB static file on 127.0.0.1; wrk (-t2 -c50, pinned to the other CPUs)
# loads it. Each round runs every mode once, in turn: untraced, latscope
# with request tracing alone (--no-syscalls --no-block --no-net), latscope's
# default probe set (nginx listens, so its syscalls are sampled 1/16 of the
# time), the default with --max-overhead $BENCH_REQ_BUDGET (latscope-budget),
# the default with every syscall traced (--syscalls: the default before the
# budget), libbpf-tools `syscount -L -p`, and a bpftrace per-PID syscall
# latency histogram. A tracer attaches by PID and wrk starts only once it reports
# itself attached. Reported per mode: median requests/s and p99 over the
# rounds, and their ratios to the untraced medians. Noise on a shared
# 2-core VM is large (±15 %): read ratios from many rounds, not one.
# Then, with BPF stats on, interleaved runs per latscope mode: the kernel
# ns per nginx request (all of the tracer's programs), that as a share of
# one CPU (what --max-overhead bounds), and ns per run; and how far the
# estimated writev count (one a response) is from the requests served,
# which is what sampling syscalls does to their counts.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_REQ_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_REQ_SECONDS:-3}
STATS_ROUNDS=${BENCH_REQ_STATS_ROUNDS:-3}
ATTACH_TIMEOUT=30
LATSCOPE=$BUILD/latscope
BASELINE=${BENCH_BASELINE:-}
BUDGET=${BENCH_REQ_BUDGET:-1%}

BENCH=requests
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REQ_ROUNDS must be a positive integer"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "BENCH_REQ_SECONDS must be a positive integer"
[[ $STATS_ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_REQ_STATS_ROUNDS must be a positive integer"
[ -z "$BASELINE" ] || [ -x "$BASELINE" ] || die "BENCH_BASELINE=$BASELINE is not an executable"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$LATSCOPE" ] || die "$LATSCOPE not found; run 'make' first"
command -v nginx >/dev/null || die "nginx not found; run 'make deps'"
command -v wrk >/dev/null || die "wrk not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-req.XXXXXX)
NGINX_PID=""
TRACER_PID=""

trap server_bench_cleanup EXIT

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
	wait_port "$port" || die "nginx did not start: $(cat "$TMP/error.log" 2>/dev/null)"
}

# A latscope mode's binary: this build's, or BENCH_BASELINE's.
latscope_bin() {
	case $1 in
	baseline-*) echo "$BASELINE" ;;
	*) echo "$LATSCOPE" ;;
	esac
}

# A latscope mode's probe set: requests alone, the default set, the
# default under a budget, the default with every syscall traced.
latscope_opts() {
	case $1 in
	*-requests) echo "--no-syscalls --no-block --no-net" ;;
	*-budget) echo "--max-overhead $BUDGET" ;;
	*-syscalls) echo "--syscalls" ;;
	*) echo "" ;;
	esac
}

# Starts latscope MODE on nginx, its report to OUT, its stderr to LOG; more
# options may follow.
start_latscope() {
	local mode=$1 out=$2 log=$3
	shift 3
	# shellcheck disable=SC2046  # the options are words
	"$(latscope_bin "$mode")" record -p "$NGINX_PID" $(latscope_opts "$mode") "$@" > "$out" 2> "$log" &
	TRACER_PID=$!
	wait_attached "$log" "latscope: tracing"
}

start_tracer() {
	local mode=$1 log=$TMP/tracer.log
	: > "$log"
	case $mode in
	untraced) return 0 ;;
	latscope-*|baseline-*) start_latscope "$mode" /dev/null "$log" ;;
	syscount)
		stdbuf -oL syscount -L -p "$NGINX_PID" > "$log" 2>&1 &
		TRACER_PID=$!; wait_attached "$log" "Tracing" ;;
	bpftrace)
		bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $NGINX_PID/ { @s[tid] = nsecs; }
			tracepoint:raw_syscalls:sys_exit /pid == $NGINX_PID && @s[tid]/ {
				@lat[args->id] = hist(nsecs - @s[tid]); delete(@s[tid]); }" \
			> "$log" 2>&1 &
		TRACER_PID=$!; wait_attached "$log" "Attaching" ;;
	esac
}



LATSCOPE_MODES=(latscope-requests latscope-default latscope-budget latscope-syscalls)
[ -z "$BASELINE" ] || LATSCOPE_MODES+=(baseline-requests baseline-default)
MODES=(untraced "${LATSCOPE_MODES[@]}")
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

wrk_ratio_table "${MODES[@]}"
[ -z "$BASELINE" ] || echo "(baseline-*: $BASELINE)"

# Pass 2 (in-kernel): with kernel.bpf_stats_enabled=1 the kernel times
# every program run. Read from the kernel itself (run_time_ns and run_cnt
# of each program the tracer holds, before and after a wrk run), so any
# latscope build is measured the same way: the sum over its programs per
# request served is what tracing costs the kernel per nginx request. It
# includes wrk's side of every socket call, which runs the programs too
# and is filtered out by tgid, and anything else the machine runs then.
# The stats themselves add ~60 ns per run (two clock reads), so a probe
# set with more program runs per request pays more of them: steadier
# than req/s, not free.
echo
echo "== pass 2: kernel ns per request and per BPF program run (kernel.bpf_stats_enabled=1, ${SECONDS_PER_RUN}s wrk runs, $STATS_ROUNDS interleaved rounds, medians) =="

# The median of column COL over FILE's lines for program PROG.
column_median() {
	awk -v p="$2" -v c="$3" '$1 == p { print $c }' "$1" | median
}

STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 >/dev/null
for round in $(seq "$STATS_ROUNDS"); do
	for mode in "${LATSCOPE_MODES[@]}"; do
		: > "$TMP/tracer.log"
		if ! start_latscope "$mode" "$TMP/report.json" "$TMP/tracer.log" --json; then
			echo "bench/requests: $mode did not attach" >&2
			stop_tracer
			continue
		fi
		pid_prog_stats "$TRACER_PID" > "$TMP/before.stats"
		taskset -c "$wrk_cpus" wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" "$url" > "$TMP/wrk.out" 2>&1 || true
		pid_prog_stats "$TRACER_PID" > "$TMP/after.stats"
		stop_tracer
		served=$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")
		if [ -z "$served" ] || [ ! -s "$TMP/after.stats" ]; then
			echo "bench/requests: $mode, stats round $round: no figures (wrk: $(tail -1 "$TMP/wrk.out");" \
				"latscope: $(tail -1 "$TMP/tracer.log"))" >&2
			continue
		fi
		# One line per program: "NAME NS_PER_RUN RUNS_PER_REQUEST NS_PER_REQUEST".
		awk -v served="$served" 'NR == FNR { ns[$1] = $3; runs[$1] = $4; next }
			{ d = $3 - ns[$1]; r = $4 - runs[$1]
			  if (r > 0) printf "%s %.1f %.3f %.1f\n", $2, d / r, r / served, d / served }' \
			"$TMP/before.stats" "$TMP/after.stats" >> "$TMP/$mode.progs"
		# writev calls in the report (nginx answers each request with one).
		writev=$(awk '/^    "writev": \{/ { on = 1 } on && /"count":/ { gsub(/[^0-9]/, "", $2); print $2; exit }' \
			"$TMP/report.json")
		# "NS_PER_REQUEST CPU_SHARE WRITEV_PER_REQUEST" (- without writev).
		awk -v served="$served" -v secs="$SECONDS_PER_RUN" -v writev="${writev:--}" \
			'NR == FNR { ns[$1] = $3; next } { d += $3 - ns[$1] }
			END { printf "%.0f %.5f %s\n", d / served, d / (secs * 1e9),
				(writev == "-") ? "-" : sprintf("%.3f", writev / served) }' \
			"$TMP/before.stats" "$TMP/after.stats" >> "$TMP/$mode.per_request"
	done
	echo "  stats round $round/$STATS_ROUNDS done"
done
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null

printf '\n%-20s %14s %12s %14s\n' MODE "KERNEL ns/REQ" "% ONE CPU" "WRITEV/REQ"
for mode in "${LATSCOPE_MODES[@]}"; do
	[ -s "$TMP/$mode.per_request" ] || { printf '%-20s %14s\n' "$mode" "failed"; continue; }
	writev_ratio=$(awk '$3 != "-" { print $3 }' "$TMP/$mode.per_request" | median || echo -)
	printf '%-20s %14.0f %12.2f %14s\n' "$mode" "$(cut -d' ' -f1 "$TMP/$mode.per_request" | median)" \
		"$(cut -d' ' -f2 "$TMP/$mode.per_request" | median | awk '{ print $1 * 100 }')" "$writev_ratio"
done
echo "(kernel: sum over the tracer's BPF programs of run time per request wrk got served, BPF stats on;"
echo " % one CPU: that run time per second of the run, the figure --max-overhead bounds ($BUDGET for latscope-budget);"
echo " writev/req: writev calls in latscope's report per request served, 1 when counted exactly,"
echo " an estimate where syscalls are sampled)"
for mode in "${LATSCOPE_MODES[@]}"; do
	[ -s "$TMP/$mode.progs" ] || continue
	echo "$mode, per program (medians over the rounds):"
	awk '!seen[$1]++ { print $1 }' "$TMP/$mode.progs" | while read -r prog; do
		printf '  %-22s %8.1f ns/run %8.2f runs/req %8.0f ns/req\n' "$prog" \
			"$(column_median "$TMP/$mode.progs" "$prog" 2)" \
			"$(column_median "$TMP/$mode.progs" "$prog" 3)" \
			"$(column_median "$TMP/$mode.progs" "$prog" 4)"
	done
done
