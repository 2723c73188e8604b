#!/bin/sh
# Runs one libFuzzer harness for a bounded time from its committed seeds.
#
#   tools/fuzz.sh BINARY SEEDS_DIR SECONDS OUT_DIR
#
# New inputs go to OUT_DIR/corpus/NAME (the seeds stay as committed), a
# crash to OUT_DIR/crashes/NAME-*, reproducible with `BINARY FILE`. Exit 1
# on a crash, a leak or a sanitizer report, with the fuzzer's own output.
set -eu
bin=$1 seeds=$2 seconds=$3 out=$4
name=$(basename "$bin" | sed 's/^fuzz_//')
mkdir -p "$out/corpus/$name" "$out/crashes"
log="$out/fuzz-$name.log"
if "$bin" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
	-print_final_stats=1 -artifact_prefix="$out/crashes/$name-" \
	"$out/corpus/$name" "$seeds" >"$log" 2>&1; then
	echo "fuzz $name: $(sed -n 's/^stat::number_of_executed_units: *//p' "$log") runs in ${seconds}s, no crash"
else
	cat "$log"
	echo "fuzz $name: FAILED (log $log; crashes in $out/crashes/)"
	exit 1
fi
