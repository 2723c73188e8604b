/*
 * latscope's histogram as a Prometheus native histogram (schema 5).
 *
 * Schema 5 splits each power of two into 32 buckets, as latscope does, but
 * its buckets are logarithmic and in seconds: bucket i holds
 * (2^((i-1)/32), 2^(i/32)] s, where latscope's are linear and in integer
 * nanoseconds, [low, low + width). The boundaries never line up (a power
 * of two in ns is not one in seconds, and equal widths are not equal
 * ratios), so no count is split: each latscope bucket goes whole to the
 * schema-5 bucket holding its midpoint, low + width / 2 — the value
 * latscope itself reports for the samples in it. The map is fixed, so
 * counts stay integers, buckets only grow, and histograms of many series
 * and scrapes add up exactly. Error figures: README "Native histograms".
 *
 * Bucket 0 (a duration measured as 0 ns: below the clock's resolution,
 * midpoint 0.5 ns) is Prometheus' zero bucket, whose threshold 2^-30 s
 * (0.93 ns) is a schema-5 boundary below every other bucket's midpoint.
 * Below 64 ns latscope's buckets are one nanosecond wide: up to 45 ns each
 * has a schema-5 bucket of its own, above that two may share one (a
 * schema-5 bucket there is wider than a nanosecond).
 *
 * Pure arithmetic; the protobuf writer (protobuf.c) sends the result.
 */
#ifndef LATSCOPE_METRICS_NATIVE_H
#define LATSCOPE_METRICS_NATIVE_H

#include <linux/types.h>
#include <stdint.h>
#include "latscope.h"

#define NATIVE_SCHEMA	      5
#define NATIVE_ZERO_THRESHOLD (1.0 / (1U << 30)) /* seconds */
#define NATIVE_ZERO_BUCKET    INT32_MIN

struct native_span {
	__s32 offset; /* from the previous span's end; the first: its index */
	__u32 length;
};

/* Positive buckets as spans of consecutive indices and count deltas. */
struct native_hist {
	__u64 count, zero_count;
	double sum_s;
	int n_spans, n_deltas;
	struct native_span spans[HIST_BUCKETS];
	__s64 deltas[HIST_BUCKETS]; /* each count minus the one before */
};

/* The schema-5 bucket holding @seconds (> 0). */
__s32 native_index_of(double seconds);
/* @map[b]: the schema-5 index latscope bucket b counts in. */
void native_map_init(__s32 map[HIST_BUCKETS]);
void native_encode(const __s32 map[HIST_BUCKETS], const struct lat_stats *h,
		   struct native_hist *out);

#endif
