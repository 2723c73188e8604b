#!/usr/bin/env bash
# `make bench`: what tracing a syscall storm costs, latscope against the tools
# people would otherwise use, measured side by side in one run.
#
#   tools/bench/syscalls.sh [BUILD_DIR]          (default BUILD_DIR: build; needs root)
#
#   BENCH_ROUNDS  rounds of the round-robin (default 5)
#   BENCH_CALLS   getppid() calls per storm run (default 2000000)
#
# Pass 1 (wall-clock): each round runs the storm (BUILD/tools/storm) once
# untraced and once under each tracer, in this order: untraced, latscope
# (every syscall traced: --max-overhead off), the yardsticks of
# tools/bench/floor.bpf.c (floor: the cheapest latency tracer, a prefiltered
# enter/exit pair that only reads the clock; empty: a pair that returns at
# once; switch: a pair switched off by a flag, what shedding without
# detaching would still cost), libbpf-tools syscount, bpftrace. Every tracer
# attaches to the waiting storm
# by PID, and only once it is attached does the storm get SIGUSR1 and start;
# the storm times its own loop. Reported per tracer: the median ns per call,
# the ns it adds per syscall over the untraced median, the slowdown, and
# latscope's added cost as a fraction of that tracer's.
#
# Pass 2 (in-kernel): with kernel.bpf_stats_enabled=1 each BPF tracer traces
# one storm; its programs (the ones loaded since it started and attached by
# its PID, per `bpftool perf show`) are read with `bpftool prog show` before
# and during the storm, and the difference gives ns per program run.
#
# Last, what detaching costs instead: the loader time of attaching and
# detaching the floor pair (floor toggle), which duty-cycling pays per
# window.
#
# A missing comparison tool is reported and skipped. A tracer that fails to
# attach is reported with its output, dropped, and makes the exit status 1.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_ROUNDS:-5}
CALLS=${BENCH_CALLS:-2000000}
ATTACH_TIMEOUT=30	# seconds for a tracer to report it is attached
STORM_TIMEOUT=120	# seconds for one storm run
TRACEFS=/sys/kernel/tracing

LATSCOPE=$BUILD/latscope
STORM=$BUILD/tools/storm
FLOOR=$BUILD/tools/bench/floor

BENCH=syscalls
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_ROUNDS must be a positive integer, got '$ROUNDS'"
[[ $CALLS =~ ^[1-9][0-9]*$ ]] || die "BENCH_CALLS must be a positive integer, got '$CALLS'"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing); run 'sudo make bench'"
[ -x "$STORM" ] || die "$STORM not found; run 'make' first"
command -v bpftool >/dev/null || die "bpftool not found; run 'make deps'"

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/latscope-bench.XXXXXX)
STORM_PID=""
TRACER_PID=""
STATS_OLD=""

# shellcheck disable=SC2317  # invoked by the trap
cleanup() {
	local pid
	for pid in $TRACER_PID $STORM_PID; do
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [ -n "$STATS_OLD" ]; then
		sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null 2>&1 ||
			echo "bench: could not restore kernel.bpf_stats_enabled=$STATS_OLD" >&2
	fi
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# ---------------------------------------------------------------- helpers

# start_storm: a storm waiting for SIGUSR1; sets STORM_PID.
start_storm() {
	"$STORM" "$CALLS" --wait-signal >"$TMP/storm.out" 2>&1 &
	STORM_PID=$!
	local deadline=$((SECONDS + 10))
	until grep -q '^ready ' "$TMP/storm.out"; do
		alive "$STORM_PID" || die "storm exited before it was ready: $(cat "$TMP/storm.out")"
		[ "$SECONDS" -lt "$deadline" ] || die "storm did not print 'ready' within 10s"
		sleep 0.02
	done
}

# run_storm: start the waiting storm, wait for it; sets NS (its ns_per_call).
run_storm() {
	kill -USR1 "$STORM_PID"
	finish_storm
}

# finish_storm: wait for the started storm; sets NS.
finish_storm() {
	if ! wait_gone "$STORM_PID" "$STORM_TIMEOUT"; then
		kill -KILL "$STORM_PID" 2>/dev/null || true
		die "storm did not finish $CALLS calls within ${STORM_TIMEOUT}s"
	fi
	local rc=0
	wait "$STORM_PID" || rc=$?
	STORM_PID=""
	[ "$rc" -eq 0 ] || die "storm exited with status $rc: $(cat "$TMP/storm.out")"
	NS=$(awk '$1 == "ns_per_call" { print $2 }' "$TMP/storm.out")
	[ -n "$NS" ] || die "storm printed no ns_per_call: $(cat "$TMP/storm.out")"
}

# perf_prog_ids PID: ids of the BPF programs PID holds attached (bpftool perf).
perf_prog_ids() {
	{ bpftool perf show 2>/dev/null || true; } | awk -v pid="$1" '
		$1 == "pid" && $2 == pid {
			for (i = 3; i < NF; i++) if ($i == "prog_id") print $(i + 1)
		}' | sort
}

all_prog_ids() {
	{ bpftool prog show 2>/dev/null || true; } | awk -F: '/^[0-9]+:/ { print $1 }' | sort
}

# tracer_cmd NAME STORM_PID: the command line of a tracer, one word a line.
tracer_cmd() {
	local pid=$2
	case $1 in
	latscope) printf '%s\n' "$LATSCOPE" record -p "$pid" --no-overhead --max-overhead off ;;
	floor | empty | switch)
		local pair=$1
		[ "$pair" = floor ] && pair=clock
		printf '%s\n' "$FLOOR" "$pair" "$pid" ;;
	# stdbuf: syscount's "Tracing syscalls" line must reach the log now.
	syscount) printf '%s\n' stdbuf -oL syscount -L -p "$pid" ;;
	bpftrace) printf '%s\n' bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $pid/ { @s[tid] = nsecs; } tracepoint:raw_syscalls:sys_exit /pid == $pid && @s[tid]/ { @lat = hist(nsecs - @s[tid]); delete(@s[tid]); }" ;;
	esac
}

# What each tracer prints once it is attached (bpftrace: once it starts to).
ready_pattern() {
	case $1 in
	latscope) echo 'latscope: tracing' ;;
	floor | empty | switch) echo 'floor: attached' ;;
	syscount) echo 'Tracing syscalls' ;;
	bpftrace) echo 'Attaching [0-9]* probes' ;;
	esac
}

show_log() { if [ -s "$1" ]; then sed 's/^/    /' "$1"; else echo "    (nothing)"; fi; }

# start_tracer NAME: attach NAME to the waiting storm; sets TRACER_PID.
# Returns 1 (with the tracer's output on stderr) if it never gets attached.
start_tracer() {
	TRACER=$1
	local log=$TMP/tracer.log pattern deadline cmd=()
	mapfile -t cmd < <(tracer_cmd "$1" "$STORM_PID")
	pattern=$(ready_pattern "$1")
	"${cmd[@]}" >"$log" 2>&1 &
	TRACER_PID=$!
	deadline=$((SECONDS + ATTACH_TIMEOUT))
	until grep -q -- "$pattern" "$log"; do
		if ! alive "$TRACER_PID" || [ "$SECONDS" -ge "$deadline" ]; then
			{
				echo "bench: $1 did not print '$pattern' within ${ATTACH_TIMEOUT}s" \
					"(command: ${cmd[*]}); its output:"
				show_log "$log"
			} >&2
			stop_tracer "TERM KILL"
			return 1
		fi
		sleep 0.05
	done
	if [ "$1" = bpftrace ]; then
		# "Attaching 2 probes..." comes before the attach: wait until both
		# tracepoints hold a bpftrace program, then a little more.
		until [ "$(perf_prog_ids "$TRACER_PID" | wc -l)" -ge 2 ]; do
			if ! alive "$TRACER_PID" || [ "$SECONDS" -ge "$deadline" ]; then
				{
					echo "bench: bpftrace never attached its 2 probes within ${ATTACH_TIMEOUT}s; its output:"
					show_log "$log"
				} >&2
				stop_tracer "TERM KILL"
				return 1
			fi
			sleep 0.05
		done
		sleep 0.5
	fi
}

# check_traced NAME: warn if the tracer's output shows no sign of the storm.
check_traced() {
	local log=$TMP/tracer.log
	case $1 in
	latscope | syscount) grep -q getppid "$log" && return 0 ;;
	floor) grep -q '^calls [1-9]' "$log" && return 0 ;;
	empty | switch) return 0 ;; # they count nothing
	bpftrace) grep -q '^@lat' "$log" && return 0 ;;
	esac
	echo "bench: warning: $1 did not report the storm's getppid calls; its output:" >&2
	show_log "$log" >&2
}

# stop_after_storm NAME: latscope leaves when its target exits; the others
# are stopped with SIGINT so that they print their summaries.
stop_after_storm() {
	if [ "$1" = latscope ] && ! wait_gone "$TRACER_PID" 10; then
		echo "bench: latscope still running 10s after its target exited" >&2
	fi
	stop_tracer
}


# ---------------------------------------------------------------- setup
STATUS=0
TRACERS=()
add_tracer() { TRACERS+=("$1"); }

if [ -x "$LATSCOPE" ]; then add_tracer latscope
else echo "bench: $LATSCOPE not found (run 'make'); benchmarking the others" >&2; STATUS=1
fi
if [ -x "$FLOOR" ]; then add_tracer floor; add_tracer empty; add_tracer switch
else echo "bench: $FLOOR not found (run 'make'); no floor pair" >&2; STATUS=1
fi
syscount_help=$(syscount --help 2>&1 || true)
if [[ $syscount_help != *--latency* ]]; then
	echo "bench: libbpf-tools syscount not found (apt-get install libbpf-tools); skipping it" >&2
elif ! command -v stdbuf >/dev/null; then
	echo "bench: stdbuf (coreutils) not found, needed to read syscount's output; skipping syscount" >&2
else
	add_tracer syscount
fi
if command -v bpftrace >/dev/null; then add_tracer bpftrace
else echo "bench: bpftrace not found (apt-get install bpftrace); skipping it" >&2
fi

# libbpf-tools and bpftrace attach classic tracepoints through tracefs. It
# stays mounted afterwards: another tracer may have come to rely on it.
if [ ! -d "$TRACEFS/events" ]; then
	mount -t tracefs nodev "$TRACEFS" || die "cannot mount tracefs on $TRACEFS"
	echo "bench: mounted tracefs on $TRACEFS"
fi

drop_tracer() {
	local t kept=()
	for t in "${TRACERS[@]}"; do [ "$t" = "$1" ] || kept+=("$t"); done
	TRACERS=("${kept[@]}")
	STATUS=1
}

cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
echo "latscope bench: $ROUNDS rounds x $CALLS getppid() calls per run"
echo "machine: nproc $(nproc), kernel $(uname -r) $(uname -m)${cpu_model:+, $cpu_model}," \
	"load average $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "tracers: untraced ${TRACERS[*]}"
echo

# ---------------------------------------------------------------- pass 1
echo "== pass 1: storm ns per getppid() call, round-robin =="
mkdir -p "$TMP/runs"
for ((round = 1; round <= ROUNDS; round++)); do
	line="round $round/$ROUNDS:"
	for t in untraced "${TRACERS[@]}"; do
		start_storm
		if [ "$t" != untraced ] && ! start_tracer "$t"; then
			kill -KILL "$STORM_PID" 2>/dev/null || true
			reap "$STORM_PID"; STORM_PID=""
			echo "bench: dropping $t from the benchmark" >&2
			drop_tracer "$t"
			continue
		fi
		run_storm
		if [ "$t" != untraced ]; then
			stop_after_storm "$t"
			check_traced "$t"
		fi
		echo "$NS" >>"$TMP/runs/$t"
		line+=$(printf '  %s %s' "$t" "$NS")
	done
	echo "$line"
done
echo

# ---------------------------------------------------------------- report 1
declare -A MED
for t in untraced "${TRACERS[@]}"; do
	[ -s "$TMP/runs/$t" ] || continue
	MED[$t]=$(median <"$TMP/runs/$t")
done
base=${MED[untraced]}
ls_added=""
[ -n "${MED[latscope]:-}" ] && ls_added=$(awk -v a="${MED[latscope]}" -v b="$base" 'BEGIN { print a - b }')

printf '%-10s %14s %14s %10s %18s   %s\n' tracer "median ns/call" "added ns/call" slowdown "latscope/this add" "runs (ns/call)"
for t in untraced "${TRACERS[@]}"; do
	[ -n "${MED[$t]:-}" ] || continue
	runs=$(paste -sd' ' "$TMP/runs/$t")
	awk -v t="$t" -v m="${MED[$t]}" -v b="$base" -v l="$ls_added" -v runs="$runs" 'BEGIN {
		added = m - b
		if (t == "untraced") { add = "-"; ratio = "-" }
		else {
			add = sprintf("%+.1f", added)
			if (l == "") ratio = "n/a"
			else if (added <= 0) ratio = "n/a (no cost)"
			else ratio = sprintf("%.2f", l / added)
		}
		printf "%-10s %14.1f %14s %9.2fx %18s   %s\n", t, m, add, m / b, ratio, runs
	}'
done
echo
echo "added ns/call: median minus the untraced median (what tracing adds to one getppid)."
echo "latscope/this add: latscope's added ns over this tracer's; below 1 means latscope costs less."
# The issue's goals: at most half of what syscount adds, within 1.5x the floor.
for t in syscount floor; do
	[ -n "${MED[$t]:-}" ] && [ -n "$ls_added" ] || continue
	awk -v t="$t" -v m="${MED[$t]}" -v b="$base" -v l="$ls_added" 'BEGIN {
		goal = (t == "syscount") ? "<= 0.5" : "<= 1.5"
		if (m - b > 0) printf "latscope added / %s added: %.2f (goal %s)\n", t, l / (m - b), goal
	}'
done
echo

# ---------------------------------------------------------------- pass 2
echo "== pass 2: ns per BPF program run (kernel.bpf_stats_enabled=1, one storm each) =="
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 >/dev/null

# prog_stats IDS_FILE: "id name run_time_ns run_cnt" for the listed programs.
prog_stats() {
	{ bpftool prog show 2>/dev/null || true; } | awk -v ids="$1" '
		BEGIN { while ((getline id < ids) > 0) want[id] = 1 }
		/^[0-9]+:/ {
			id = $1; sub(":", "", id)
			if (!(id in want)) next
			name = "-"; rt = 0; cnt = 0
			for (i = 2; i < NF; i++) {
				if ($i == "name") name = $(i + 1)
				if ($i == "run_time_ns") rt = $(i + 1)
				if ($i == "run_cnt") cnt = $(i + 1)
			}
			print id, name, rt, cnt
		}'
}

printf '%-10s %6s %-18s %12s %14s %12s\n' tracer prog_id name runs run_time_ns "ns/run"
for t in "${TRACERS[@]}"; do
	all_prog_ids >"$TMP/before"
	start_storm
	if ! start_tracer "$t"; then
		kill -KILL "$STORM_PID" 2>/dev/null || true
		reap "$STORM_PID"; STORM_PID=""
		STATUS=1
		continue
	fi
	# The tracer's programs: loaded since it started and attached by its PID
	# (a concurrent BPF user cannot slip in); all new ones if perf says none.
	all_prog_ids | comm -13 "$TMP/before" - >"$TMP/new"
	perf_prog_ids "$TRACER_PID" | comm -12 "$TMP/new" - >"$TMP/ids"
	[ -s "$TMP/ids" ] || cp "$TMP/new" "$TMP/ids"
	if [ ! -s "$TMP/ids" ]; then
		echo "bench: found no BPF programs of $t" >&2
		kill -USR1 "$STORM_PID"; wait_gone "$STORM_PID" "$STORM_TIMEOUT" || true
		kill -KILL "$STORM_PID" 2>/dev/null || true; reap "$STORM_PID"; STORM_PID=""
		stop_tracer
		continue
	fi
	prog_stats "$TMP/ids" >"$TMP/stats0"
	kill -USR1 "$STORM_PID"
	# Sample while the storm runs (latscope detaches as soon as it ends),
	# then once more after it, keeping the last complete sample.
	cp "$TMP/stats0" "$TMP/stats1"
	deadline=$((SECONDS + STORM_TIMEOUT))
	while :; do
		done_storm=0
		alive "$STORM_PID" || done_storm=1
		prog_stats "$TMP/ids" >"$TMP/sample"
		[ "$(wc -l <"$TMP/sample")" -eq "$(wc -l <"$TMP/ids")" ] && cp "$TMP/sample" "$TMP/stats1"
		[ "$done_storm" = 0 ] || break
		[ "$SECONDS" -lt "$deadline" ] || break
		sleep 0.1
	done
	finish_storm
	stop_after_storm "$t"
	awk -v t="$t" -v calls="$CALLS" '
		NR == FNR { rt0[$1] = $3; cnt0[$1] = $4; next }
		{
			runs = $4 - cnt0[$1]; rt = $3 - rt0[$1]
			if (runs > 0) printf "%-10s %6s %-18s %12d %14d %12.1f\n", t, $1, $2, runs, rt, rt / runs
			else printf "%-10s %6s %-18s %12d %14d %12s\n", t, $1, $2, 0, rt, "-"
			if (runs > 0 && runs >= calls / 2) { hot += rt / runs; nhot++ }
		}
		END {
			if (nhot) printf "%-10s %6s %-18s %12s %14s %12.1f\n", t, "", "= per syscall", "", "(" nhot " hot progs)", hot
		}' "$TMP/stats0" "$TMP/stats1"
done
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null
STATS_OLD=""
echo
echo "ns/run: kernel run_time_ns / run_cnt, counted from just before the storm to its end."
echo
echo "== what shedding by detaching costs instead: attach and detach the floor pair =="
if [ -x "$FLOOR" ]; then
	"$FLOOR" toggle $$ 100 | awk '
		$1 == "attach_us" { a = $2 } $1 == "detach_us" { d = $2 } $1 == "cpu_us_per_cycle" { c = $2 }
		END { printf "attach %.0f us, detach %.0f us (wall), %.0f us of CPU per attach + detach of two programs\n", a, d, c }'
	echo "(back to back, the worst case: an attach soon after a detach waits for the kernel;"
	echo " a shed family pays one cycle per window, at most 4 a second; the switch pair above is what"
	echo " the programs would cost every syscall if they were switched off instead of detached)"
fi
echo "per syscall: sum over the programs that ran at least once per 2 storm calls."
exit "$STATUS"
