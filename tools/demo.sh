#!/bin/sh
# make demo: trace the bundled web service under load and show, per
# endpoint, latency, status and where the time goes (its upstream); judge
# requirements on that trace; then write a JSON snapshot of a command
# started under latscope. Needs root (BPF).
set -eu
build=${1:-build}
latscope="$build/latscope"
server="$build/tools/demo_server"
loadgen="$build/tools/loadgen"
app="$build/tools/demo_app"
snapshot="$build/demo-snapshot.json"
server_snapshot="$build/demo-server.json"
out=$(mktemp)

if [ "$(id -u)" -ne 0 ]; then
	echo "make demo needs root: latscope loads BPF programs" >&2
	exit 1
fi

cleanup() {
	[ -n "${spid:-}" ] && kill "$spid" 2>/dev/null || true
	rm -f "$out"
}
trap cleanup EXIT

echo "### 1. A web service (tools/demo_server, HTTP/1.1 on 127.0.0.1): /fast answers at"
echo "###    once, /slow sleeps 80 ms, every 5th /error is a 500, /upstream waits on a"
echo "###    TCP service (30 ms), /rpc is a WebSocket JSON-RPC endpoint (ping at once,"
echo "###    slow_op after 40 ms, every 5th fail an error, log a notification)."
echo "###    latscope attaches by PID for 7 s while tools/loadgen sends 15 requests per"
echo "###    endpoint on keep-alive connections and 15 on one-request connections,"
echo "###    resets 2 connections mid-request, and calls each JSON-RPC method 15 times."
"$server" --slow-ms 80 --upstream-ms 30 --error-every 5 --rpc-slow-ms 40 > "$out" &
spid=$!
sleep 0.3
port=$(awk '{print $2}' "$out")
(sleep 1; "$loadgen" --port "$port" --count 15 --resets 2 --rpc 15 > "$out.lg") &
"$latscope" record -p "$spid" -d 7 -o "$server_snapshot" | sed -n '/^REQUESTS/,/^\(overhead\|resources\)/p' | grep -v '^\(overhead\|resources\)'
echo
echo "### What the load generator sent and got back (latscope must agree):"
cat "$out.lg"
rm -f "$out.lg"
echo
echo "Read it: GET /slow is the slow endpoint (p50 ~80 ms); GET /error carries the 5xx;"
echo "GET /upstream spends almost all its time in the 127.0.0.1 call under UPSTREAMS."
echo "The 2 reset connections are ABORT on GET /fast, not fast requests."
echo "Over the one WebSocket (its upgrade is the GET /rpc row): a row per JSON-RPC method,"
echo "ws /rpc slow_op at ~40 ms, ws /rpc fail with its errors (ERR), ws /rpc log's"
echo "notifications under 1WAY (no reply, no latency)."
kill "$spid" 2>/dev/null || true
wait "$spid" 2>/dev/null || true
spid=

echo
echo "### 2. Performance requirements as a CI check, judged on that trace's snapshot"
echo "###    ($server_snapshot). Exit status 1 means a requirement failed."
status=0
"$latscope" check --snapshot "$server_snapshot" \
	--assert 'requests["GET /fast"].p99 < 10ms' \
	--assert 'requests["GET /slow"].p95 < 50ms' \
	--assert 'requests.error_rate < 1%' || status=$?
echo "(exit status $status)"

echo
echo "### 3. Start a command under latscope (traced from its first instruction) and write"
echo "###    a JSON snapshot: syscalls, resources, slow events, overhead."
"$latscope" record -c "$app 2" -o "$snapshot" --slow 30ms > /dev/null
echo "wrote $snapshot ($(wc -c < "$snapshot") bytes)"
echo
echo "Try it on anything: $latscope record -p \$(pidof nginx) -d 10"
echo "Live view (q quits): $latscope top -c '$app 60' --warn 30ms"
