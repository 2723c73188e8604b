#!/usr/bin/env bash
# HTTPS benchmark: what decoding TLS through OpenSSL uprobes costs a busy
# web server.
#
#   tools/bench/tls.sh [BUILD_DIR]     (default build; needs root)
#
#   BENCH_TLS_ROUNDS   interleaved rounds (default 5)
#   BENCH_TLS_SECONDS  wrk run per mode and round (default 3)
#
# nginx (Debian, one process, pinned to CPU 0) serves a 2 KB static file
# over TLS (a self-signed certificate made here) on 127.0.0.1; wrk (-t2
# -c50, keep-alive, pinned to the other CPUs) loads it over https. Each
# round runs every mode once, in turn: untraced, latscope with request
# tracing alone (--no-syscalls --no-block --no-net), latscope's default
# probe set, and the default with --no-tls (the socket programs only: what
# the uprobes add is the difference). Reported per mode: median requests/s
# and wrk's p99 over the rounds, and their ratios to untraced. Then, with
# BPF stats on, one run of the default mode: uprobe hits per request and
# the kernel ns of each latscope program per request.
set -euo pipefail

BUILD=${1:-build}
ROUNDS=${BENCH_TLS_ROUNDS:-5}
SECONDS_PER_RUN=${BENCH_TLS_SECONDS:-3}
ATTACH_TIMEOUT=30
LATSCOPE=$BUILD/latscope
BENCH=tls
# shellcheck source=tools/bench/lib.sh
. "$(dirname "$0")/lib.sh"

[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || die "BENCH_TLS_ROUNDS must be a positive integer"
[[ $SECONDS_PER_RUN =~ ^[1-9][0-9]*$ ]] || die "BENCH_TLS_SECONDS must be a positive integer"
[ "$(id -u)" -eq 0 ] || die "needs root (BPF tracing)"
[ -x "$LATSCOPE" ] || die "$LATSCOPE not found; run 'make' first"
command -v nginx >/dev/null || die "nginx not found; run 'make deps'"
command -v wrk >/dev/null || die "wrk not found; run 'make deps'"
command -v openssl >/dev/null || die "openssl not found; run 'make deps'"

TMP=$(mktemp -d /tmp/latscope-bench-tls.XXXXXX)
NGINX_PID=""
TRACER_PID=""

trap server_bench_cleanup EXIT

start_nginx() {
	local port=$1
	mkdir -p "$TMP/www"
	head -c 2048 /dev/zero | tr '\0' x > "$TMP/www/index.html"
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" \
		-days 1 -subj /CN=localhost >/dev/null 2>&1 || die "openssl could not make a certificate"
	cat > "$TMP/nginx.conf" <<CONF
daemon off; master_process off; worker_processes 1;
pid $TMP/nginx.pid; error_log $TMP/error.log;
events { worker_connections 1024; }
http {
  access_log off; keepalive_requests 1000000;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP;
  uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server { listen 127.0.0.1:$port ssl; root $TMP/www;
    ssl_certificate $TMP/cert.pem; ssl_certificate_key $TMP/key.pem; }
}
CONF
	taskset -c 0 nginx -p "$TMP" -e "$TMP/error.log" -c "$TMP/nginx.conf" &
	NGINX_PID=$!
	TARGET_PID=$NGINX_PID
	wait_port "$port" || die "nginx did not start: $(cat "$TMP/error.log" 2>/dev/null)"
}

# start_mode MODE: latscope attached to nginx as MODE says (sets TRACER_PID).
start_mode() {
	local mode=$1 log=$TMP/tracer.log args=()
	case $mode in
	untraced) return 0 ;;
	latscope-requests) args=(--no-syscalls --no-block --no-net) ;;
	latscope-default) ;;
	latscope-no-tls) args=(--no-tls) ;; # the socket programs only
	*) die "unknown mode $mode" ;;
	esac
	: > "$log"
	"$LATSCOPE" record -p "$TARGET_PID" "${args[@]}" > /dev/null 2> "$log" &
	TRACER_PID=$!
	wait_attached "$log" "latscope: tracing"
}


MODES=(untraced latscope-requests latscope-default latscope-no-tls)
port=$(free_port)
start_nginx "$port"
url="https://127.0.0.1:$port/index.html"
wrk_cpus=$(seq -s, 1 $(( $(nproc) - 1 )))
[ -n "$wrk_cpus" ] || wrk_cpus=0
echo "https benchmark: nginx (pid $NGINX_PID, CPU 0, TLS) <- wrk -t2 -c50 (CPUs $wrk_cpus), ${SECONDS_PER_RUN}s x $ROUNDS rounds per mode"

for round in $(seq "$ROUNDS"); do
	for mode in "${MODES[@]}"; do
		if ! start_mode "$mode"; then
			echo "bench/tls: $mode did not attach: $(tail -3 "$TMP/tracer.log")" >&2
			stop_tracer
			continue
		fi
		taskset -c "$wrk_cpus" wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" --latency "$url" > "$TMP/wrk.out" 2>&1 || true
		stop_tracer
		parse_wrk "$TMP/wrk.out" >> "$TMP/$mode.results"
	done
	echo "  round $round/$ROUNDS done"
done

wrk_ratio_table "${MODES[@]}"

# Pass 2: program runs and kernel ns per request served, from the
# kernel's own BPF stats (before and after one wrk run): the tls_*
# programs' runs are the uprobe hits (each hit also costs its trap, which
# the stats do not see).
echo
echo "== pass 2: uprobe hits and kernel ns per request (latscope-default, kernel.bpf_stats_enabled=1, one ${SECONDS_PER_RUN}s run) =="
STATS_OLD=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1 >/dev/null
: > "$TMP/tracer.log"
"$LATSCOPE" record -p "$TARGET_PID" --json > "$TMP/report.json" 2> "$TMP/tracer.log" &
TRACER_PID=$!
wait_attached "$TMP/tracer.log" "latscope: tracing" || die "latscope did not attach"
pid_prog_stats "$TRACER_PID" > "$TMP/before.stats"
taskset -c "$wrk_cpus" wrk -t2 -c50 -d"${SECONDS_PER_RUN}s" "$url" > "$TMP/wrk.out" 2>&1 || true
pid_prog_stats "$TRACER_PID" > "$TMP/after.stats"
stop_tracer
sysctl -qw kernel.bpf_stats_enabled="$STATS_OLD" >/dev/null
requests=$(awk '/requests in/ { print $1 }' "$TMP/wrk.out")
[ -n "$requests" ] && [ "$requests" -gt 0 ] || die "wrk served nothing: $(cat "$TMP/wrk.out")"
printf '%-24s %14s %12s\n' PROGRAM "RUNS/REQUEST" "NS/REQUEST"
join <(sort "$TMP/before.stats") <(sort "$TMP/after.stats") |
	awk -v n="$requests" '{ runs = $7 - $4; ns = $6 - $3; if (runs > 0)
		printf "%-24s %14.2f %12.0f\n", $2, runs / n, ns / n }' | sort
join <(sort "$TMP/before.stats") <(sort "$TMP/after.stats") |
	awk -v n="$requests" '$2 ~ /^tls_/ { hits += $7 - $4 }
		END { printf "uprobe hits per request (tls_*): %.2f over %d requests\n", hits / n, n }'
