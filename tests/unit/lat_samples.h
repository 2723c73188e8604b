/* Test helper: feed samples into a lat_stats the way the kernel does. */
#ifndef LATSCOPE_TEST_LAT_SAMPLES_H
#define LATSCOPE_TEST_LAT_SAMPLES_H

#include <stdbool.h>
#include "latscope.h"

static inline void add_samples(struct lat_stats *s, __u64 ns, int n, bool failed)
{
	for (int i = 0; i < n; i++) {
		if (!s->count || ns < s->min_ns)
			s->min_ns = ns;
		if (ns > s->max_ns)
			s->max_ns = ns;
		s->count++;
		s->errors += failed;
		s->total_ns += ns;
		s->buckets[hist_bucket_of(ns)]++;
	}
}

#endif
