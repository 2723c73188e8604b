/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Add one latency sample to a per-CPU `struct lat_stats`: every
 * latency-producing program aggregates through lat_stats_record() (in
 * lat_record.h, shared with user space), either directly or through
 * lat_stats_add() for maps keyed by __u32.
 */
#ifndef LATSCOPE_LAT_STATS_BPF_H
#define LATSCOPE_LAT_STATS_BPF_H

#include "common.bpf.h"
#include "lat_record.h"
#include "map_init.h"

/* Seeds new map entries; too large for the 512-byte BPF stack. */
static const struct lat_stats lat_stats_zero;

static __always_inline struct lat_stats *lat_stats_lookup_or_init(void *map, __u32 key)
{
	return map_lookup_or_init(map, &key, &lat_stats_zero);
}

static __always_inline void lat_stats_add(void *map, __u32 key, __u64 ns, bool failed)
{
	lat_stats_record(lat_stats_lookup_or_init(map, key), ns, failed);
}

#endif /* LATSCOPE_LAT_STATS_BPF_H */
