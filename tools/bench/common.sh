# Shared by the server benchmarks (requests.sh, redis.sh): sourced, not run.
# The caller sets BENCH (its name, for messages), TMP, LATSCOPE and
# ATTACH_TIMEOUT, and TARGET_PID before start_tracer.

die() { echo "bench/$BENCH: $*" >&2; exit 1; }

# The anchors attach classic tracepoints, which need tracefs.
mount_tracefs() {
	[ -d /sys/kernel/tracing/events ] ||
		mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null ||
		echo "bench/$BENCH: could not mount tracefs; anchors may fail" >&2
}

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

wait_port() {
	local port=$1
	for _ in $(seq 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return
		sleep 0.05
	done
	return 1
}

# Waits until FILE contains PATTERN (the tracer says it is attached).
wait_attached() {
	local file=$1 pattern=$2 deadline=$((SECONDS + ATTACH_TIMEOUT))
	while ! grep -q "$pattern" "$file" 2>/dev/null; do
		[ $SECONDS -lt $deadline ] || return 1
		kill -0 "$TRACER_PID" 2>/dev/null || return 1
		sleep 0.05
	done
}

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
	bpftrace)
		bpftrace -e "tracepoint:raw_syscalls:sys_enter /pid == $TARGET_PID/ { @s[tid] = nsecs; }
			tracepoint:raw_syscalls:sys_exit /pid == $TARGET_PID && @s[tid]/ {
				@lat[args->id] = hist(nsecs - @s[tid]); delete(@s[tid]); }" \
			> "$log" 2>&1 &
		TRACER_PID=$!; wait_attached "$log" "Attaching" ;;
	esac
}

stop_tracer() {
	[ -n "$TRACER_PID" ] || return 0
	kill -INT "$TRACER_PID" 2>/dev/null || true
	wait "$TRACER_PID" 2>/dev/null || true
	TRACER_PID=""
}

median() { sort -g | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
