/* Filling a `struct lat_stats` by hand, the way the BPF side does. */
#ifndef LATSCOPE_TEST_LAT_SAMPLES_H
#define LATSCOPE_TEST_LAT_SAMPLES_H

#include <linux/types.h>
#include <stdbool.h>
#include "latscope.h"

static inline void lat_sample_add(struct lat_stats *s, __u64 ns, bool failed)
{
	if (!s->count || ns < s->min_ns)
		s->min_ns = ns;
	if (ns > s->max_ns)
		s->max_ns = ns;
	s->count++;
	s->errors += failed;
	s->total_ns += ns;
	s->buckets[hist_bucket_of(ns)]++;
}

/* @n samples of @ns each. */
static inline void lat_samples_add(struct lat_stats *s, __u64 ns, int n, bool failed)
{
	for (int i = 0; i < n; i++)
		lat_sample_add(s, ns, failed);
}

#endif
