# shellcheck shell=bash
# The one library of the benchmark scripts (tools/bench/*.sh); sourced, not
# run. The caller sets BENCH (its name, for messages) before sourcing, and
# TRACER_PID (the tracer's process, "" when none) where it starts one.
# ATTACH_TIMEOUT (seconds, default 30) bounds wait_attached.

# die MESSAGE: the message on stderr, prefixed with the script's name; exit 1.
die() { echo "bench/${BENCH:-bench}: $*" >&2; exit 1; }

# median: the median of the numbers on stdin (sort -g: 1e+06 and 12.5 alike);
# fails on empty input.
median() {
	sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit 1; print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# The anchors (libbpf-tools, bpftrace) attach classic tracepoints, which
# need tracefs.
mount_tracefs() {
	[ -d /sys/kernel/tracing/events ] ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "bench/${BENCH:-bench}: could not mount tracefs; anchors may fail" >&2
}

# free_port: a loopback TCP port nothing listens on.
free_port() {
	local port
	for port in $(shuf -i 20000-30000 -n 50); do
		if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "$port"
			return
		fi
	done
	die "no free port found"
}

# wait_port PORT: until something accepts on 127.0.0.1:PORT; 1 after 5 s.
wait_port() {
	local port=$1
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
		sleep 0.05
	done
	return 1
}

# wait_attached FILE PATTERN: until FILE contains PATTERN (the tracer says
# it is attached); 1 if the tracer died or ATTACH_TIMEOUT passed.
wait_attached() {
	local file=$1 pattern=$2 deadline=$((SECONDS + ${ATTACH_TIMEOUT:-30}))
	while ! grep -q "$pattern" "$file" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		kill -0 "$TRACER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
}

# alive PID: the process exists and is not a zombie awaiting `wait`.
alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}

# wait_gone PID SECONDS: poll until PID has exited; 1 on timeout.
wait_gone() {
	local pid=$1 deadline=$((SECONDS + $2))
	while alive "$pid"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.05
	done
}

# reap PID: collect an exited child without letting its status trip set -e.
reap() { wait "$1" 2>/dev/null || true; }

# stop_tracer [SIGNALS]: send each signal in turn (default: INT TERM KILL)
# to TRACER_PID until it exits, giving it 10 s after each.
stop_tracer() {
	[ -n "$TRACER_PID" ] || return 0
	local sig
	for sig in ${1:-INT TERM KILL}; do
		alive "$TRACER_PID" || break
		kill -"$sig" "$TRACER_PID" 2>/dev/null || true
		wait_gone "$TRACER_PID" 10 && break
		echo "bench/${BENCH:-bench}: ${TRACER:-tracer} did not stop on SIG$sig" >&2
	done
	reap "$TRACER_PID"
	TRACER_PID=""
}

# pid_prog_stats PID: "ID NAME RUN_NS RUNS" for each BPF program PID holds
# (its fds, /proc/PID/fdinfo), from `bpftool prog show`. RUN_NS and RUNS
# count only while kernel.bpf_stats_enabled is 1.
pid_prog_stats() {
	local ids
	# Nothing when PID is gone (a tracer that died): the caller sees no rows.
	ids=" $({ grep -h '^prog_id:' /proc/"$1"/fdinfo/* 2>/dev/null || true; } | awk '{ print $2 }' | sort -u | tr '\n' ' ') "
	bpftool prog show | awk -v ids="$ids" '
		/^[0-9]+:/ { id = $1; sub(":", "", id)
			if (!index(ids, " " id " ")) next
			name = ""; ns = 0; runs = 0
			for (i = 2; i < NF; i++) {
				if ($i == "name") name = $(i + 1)
				if ($i == "run_time_ns") ns = $(i + 1)
				if ($i == "run_cnt") runs = $(i + 1)
			}
			print id, name, ns, runs }'
}

# The EXIT trap of the server cases: stop the tracer and the server
# (NGINX_PID or REDIS_PID), remove $TMP, and put kernel.bpf_stats_enabled
# back if the script changed it (STATS_OLD).
# shellcheck disable=SC2317  # invoked by the trap
server_bench_cleanup() {
	local pid
	for pid in $TRACER_PID ${NGINX_PID:-} ${REDIS_PID:-}; do
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$TMP"
	[ -z "${STATS_OLD:-}" ] ||
		sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1 || true
}

# "Requests/sec: 12345.67" and the 99% line of --latency, in microseconds.
parse_wrk() {
	awk '/Requests\/sec:/ { rps = $2 }
	     $1 == "99%" { v = $2; u = v; sub(/[0-9.]+/, "", u); sub(/[a-z]+$/, "", v);
	                   f = (u == "us") ? 1 : (u == "ms") ? 1000 : (u == "s") ? 1e6 : 0;
	                   p99 = v * f }
	     END { printf "%s %s\n", rps, p99 }' "$1"
}

# wrk_ratio_table MODE...: median requests/s and p99 of each mode's
# $TMP/MODE.results ("RPS P99" lines), and their ratios to untraced's.
wrk_ratio_table() {
	local mode rps p99 base_rps base_p99
	printf '\n%-20s %12s %10s %10s %10s\n' MODE "REQ/S" "P99 us" "REQ/S x" "P99 x"
	base_rps=$(cut -d' ' -f1 "$TMP/untraced.results" | median)
	base_p99=$(cut -d' ' -f2 "$TMP/untraced.results" | median)
	for mode in "$@"; do
		[ -s "$TMP/$mode.results" ] || { printf '%-20s %12s\n' "$mode" "failed"; continue; }
		rps=$(cut -d' ' -f1 "$TMP/$mode.results" | median)
		p99=$(cut -d' ' -f2 "$TMP/$mode.results" | median)
		awk -v m="$mode" -v r="$rps" -v p="$p99" -v br="$base_rps" -v bp="$base_p99" \
			'BEGIN { printf "%-20s %12.0f %10.0f %10.3f %10.2f\n", m, r, p, r / br, p / bp }'
	done
	echo "(REQ/S x: requests/s relative to untraced, 1.000 = no loss; P99 x: wrk's client-side p99 relative to untraced)"
}
