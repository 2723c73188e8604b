/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Adding one sample to a `struct lat_stats`: the same arithmetic in the
 * kernel (lat_stats_add() on a per-CPU map value) and in user space
 * (histograms of endpoints classified from ring-buffer records).
 */
#ifndef LATSCOPE_LAT_RECORD_H
#define LATSCOPE_LAT_RECORD_H

#include "latscope.h"

/* Adds one sample to @stats (NULL: the sample has nowhere to go). */
static inline void lat_stats_record(struct lat_stats *stats, __u64 ns, bool failed)
{
	__u32 bucket = hist_bucket_of(ns);

	if (!stats)
		return;
	/* Per-CPU values in the kernel: plain increments, no atomics needed. */
	stats->count++;
	stats->total_ns += ns;
	if (failed)
		stats->errors++;
	if (!stats->min_ns || ns < stats->min_ns)
		stats->min_ns = ns;
	if (ns > stats->max_ns)
		stats->max_ns = ns;
	if (bucket < HIST_BUCKETS)
		stats->buckets[bucket]++;
}

#endif /* LATSCOPE_LAT_RECORD_H */
