// Helpers the resource probe families share: per-tgid maps into the model.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "loader/probe.h"

bool probe_resource_wanted(const struct trace_opts *opts, enum res_group group)
{
	return opts->resource_groups & RES_GROUP_BIT(group);
}

typedef void (*tgid_value_fn)(struct res_process *row, const void *percpu,
			      int n_cpus, const void *arg);

/* Calls @fn with each tgid's per-CPU values; values are never deleted. */
static int for_each_tgid(struct bpf_map *map, int n_cpus, size_t value_size,
			 struct model *model, tgid_value_fn fn, const void *arg)
{
	size_t size = n_cpus * value_size;
	__u32 key, next, *prev = NULL;
	void *values = malloc(size);

	if (!values)
		return -ENOMEM;
	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		struct res_process *row;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), values, size, 0))
			continue;
		row = resources_process(&model->res, key);
		if (!row) {
			free(values);
			return -ENOMEM;
		}
		fn(row, values, n_cpus, arg);
	}
	free(values);
	return 0;
}

struct counts_slot {
	size_t offset, size; /* in struct res_counters */
};

static void set_counts(struct res_process *row, const void *percpu, int n_cpus,
		       const void *arg)
{
	const struct counts_slot *slot = arg;
	__u64 *dst = (__u64 *)((char *)&row->now + slot->offset);
	size_t fields = slot->size / sizeof(__u64);
	const __u64 *v = percpu;

	for (size_t f = 0; f < fields; f++) {
		dst[f] = 0;
		for (int cpu = 0; cpu < n_cpus; cpu++)
			dst[f] += v[cpu * fields + f];
	}
}

int probe_collect_counts(struct bpf_map *map, int n_cpus, struct model *model,
			 size_t offset, size_t size)
{
	struct counts_slot slot = { offset, size };

	return for_each_tgid(map, n_cpus, size, model, set_counts, &slot);
}

static void set_hist(struct res_process *row, const void *percpu, int n_cpus,
		     const void *arg)
{
	struct lat_stats *dst = res_process_hist(row, *(const enum res_hist *)arg);
	const struct lat_stats *v = percpu;

	if (!dst)
		return; /* out of memory: the histogram stays empty */
	memset(dst, 0, sizeof(*dst));
	for (int cpu = 0; cpu < n_cpus; cpu++)
		lat_stats_merge(dst, &v[cpu]);
}

int probe_collect_hists(struct bpf_map *map, int n_cpus, struct model *model,
			enum res_hist hist)
{
	return for_each_tgid(map, n_cpus, sizeof(struct lat_stats), model,
			     set_hist, &hist);
}
