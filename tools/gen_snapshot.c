// A large synthetic latscope snapshot, for benchmarking diff and check on
// inputs far bigger than a real trace produces (tools/bench/snapshots.sh).
//
//   gen_snapshot ROWS [SLOW_PERCENT] > snap.json
//
// ROWS syscall-shaped rows ("row000001", ...) of 1000 samples each, spread
// over 24 histogram buckets; SLOW_PERCENT of them (default 0) have every
// sample 50 % slower, so diff against a run with 0 finds exactly those.
#include <stdio.h>
#include <stdlib.h>
#include <linux/types.h>
#include "../bpf/hist.h"

#define BUCKETS 24

static void row(long i, int slow)
{
	unsigned long long base = 1000 + (unsigned long long)(i % 97) * 37, total = 0, low;
	unsigned int first = hist_bucket_of(slow ? base * 3 / 2 : base);

	printf("%s\"row%06ld\":{\"count\":1000,\"errors\":0,\"rate_per_s\":100.0,", i ? "," : "",
	       i);
	for (unsigned int b = 0; b < BUCKETS; b++)
		total += (hist_bucket_low(first + b) + hist_bucket_width(first + b) / 2) *
			 (1000 / BUCKETS + (b < 1000 % BUCKETS));
	low = hist_bucket_low(first);
	printf("\"total_ns\":%llu,\"min_ns\":%llu,\"max_ns\":%llu,", total, low,
	       hist_bucket_low(first + BUCKETS) - 1);
	printf("\"p50_ns\":%llu,\"p90_ns\":%llu,\"p95_ns\":%llu,\"p99_ns\":%llu,\"p999_ns\":%llu,",
	       hist_bucket_low(first + BUCKETS / 2), hist_bucket_low(first + BUCKETS * 9 / 10),
	       hist_bucket_low(first + BUCKETS - 2), hist_bucket_low(first + BUCKETS - 1),
	       hist_bucket_low(first + BUCKETS - 1));
	printf("\"histogram\":[");
	for (unsigned int b = 0; b < BUCKETS; b++)
		printf("%s[%llu,%llu,%u]", b ? "," : "", hist_bucket_low(first + b),
		       hist_bucket_width(first + b), 1000 / BUCKETS + (b < 1000 % BUCKETS));
	printf("]}");
}

int main(int argc, char **argv)
{
	long rows = argc > 1 ? strtol(argv[1], NULL, 10) : 0;
	int slow_pct = argc > 2 ? atoi(argv[2]) : 0;

	if (rows < 1 || slow_pct < 0 || slow_pct > 100) {
		fprintf(stderr, "usage: gen_snapshot ROWS [SLOW_PERCENT]\n");
		return 2;
	}
	printf("{\"schema\":\"latscope.snapshot\",\"version\":1,\"time\":{\"duration_s\":10.0},"
	       "\"syscalls\":{");
	for (long i = 0; i < rows; i++)
		row(i, i % 100 < slow_pct);
	printf("}}\n");
	return 0;
}
