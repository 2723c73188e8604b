/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Helpers the resource objects (sched, faults, block, net) share: per-tgid
 * counter structs in per-CPU hashes, created on first use.
 */
#ifndef LATSCOPE_RESOURCES_BPF_H
#define LATSCOPE_RESOURCES_BPF_H

#include "common.bpf.h"
#include "map_init.h"

/*
 * The counters of @tgid in @map (a per-CPU hash keyed by tgid), created
 * from @zero on first use; NULL (and counted) when the map is full.
 */
static __always_inline void *counts_of(void *map, __u32 tgid, const void *zero)
{
	return map_lookup_or_init(map, &tgid, zero);
}

static __always_inline __u32 current_tgid(void)
{
	return bpf_get_current_pid_tgid() >> 32;
}

/* Declares a per-CPU hash of @value_type, for up to @n tgids. */
#define TGID_MAP(name, value_type, n)                   \
	struct {                                        \
		__uint(type, BPF_MAP_TYPE_PERCPU_HASH); \
		__uint(map_flags, BPF_F_NO_PREALLOC);   \
		__uint(max_entries, n);                 \
		__type(key, __u32);                     \
		__type(value, value_type);              \
	} name SEC(".maps")

/* Per-tgid counter structs: small, as many as traced processes. */
#define TGID_COUNTS_MAP(name, value_type) TGID_MAP(name, value_type, LATSCOPE_MAX_TGIDS)

/* Per-tgid latency histograms (lat_stats_add()): large, fewer. */
#define TGID_LAT_MAP(name) TGID_MAP(name, struct lat_stats, LATSCOPE_MAX_HIST_TGIDS)

#endif /* LATSCOPE_RESOURCES_BPF_H */
