/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Lookup-or-create for the hash maps that hold statistics, written once
 * for all of them and shared verbatim with the unit tests
 * (tests/unit/test_map_init.c), which run it against a map that behaves
 * like one raced by another CPU, or full.
 *
 * Needs in scope: bpf_map_lookup_elem(), bpf_map_update_elem(),
 * BPF_NOEXIST and health_inc() (common.bpf.h in a program, stand-ins in
 * the test).
 */
#ifndef LATSCOPE_MAP_INIT_H
#define LATSCOPE_MAP_INIT_H

#ifndef EEXIST
#define EEXIST 17 /* vmlinux.h carries no errno values */
#endif

/*
 * @key's value in @map, created from @init on first use. Two CPUs can
 * both miss the lookup; the one that updates second gets -EEXIST, which
 * only means the value is there now: it is used, nothing is lost. NULL,
 * counted in HEALTH_STATS_FULL, only when the sample really is lost (the
 * map is full, no memory, the bucket busy).
 */
static __always_inline void *map_lookup_or_init(void *map, const void *key, const void *init)
{
	void *value = bpf_map_lookup_elem(map, key);
	long err;

	if (value)
		return value;
	err = bpf_map_update_elem(map, key, init, BPF_NOEXIST);
	if (!err || err == -EEXIST)
		value = bpf_map_lookup_elem(map, key);
	if (!value)
		health_inc(HEALTH_STATS_FULL);
	return value;
}

#endif /* LATSCOPE_MAP_INIT_H */
