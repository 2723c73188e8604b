// Helpers the resource probe families share: per-tgid maps into the model.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "loader/probe.h"

bool probe_resource_wanted(const struct trace_opts *opts, const char *family)
{
	return opts->resource_groups & res_group_bit(family);
}

void probe_resource_off(struct trace_opts *opts, const char *family)
{
	opts->resource_groups &= ~res_group_bit(family);
}

typedef void (*tgid_value_fn)(struct res_process *row, const void *percpu, int n_cpus,
			      const void *arg);

/* Calls @fn with each tgid's per-CPU values; values are never deleted. */
static int for_each_tgid(struct bpf_map *map, int n_cpus, size_t value_size, struct model *model,
			 tgid_value_fn fn, const void *arg)
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

static void set_counts(struct res_process *row, const void *percpu, int n_cpus, const void *arg)
{
	const struct res_family *f = arg;
	const __u64 *v = percpu;

	for (int s = 0; s < f->n_slots; s++) {
		__u64 sum = 0;

		for (int cpu = 0; cpu < n_cpus; cpu++)
			sum += v[cpu * f->n_slots + s];
		res_process_slot(row, f, s)->now = sum;
	}
}

static const struct res_family *family_of(const char *name)
{
	const struct res_family *f = res_family_find(name);

	if (!f)
		fprintf(stderr, "latscope: no resource family '%s' in the table\n", name);
	return f;
}

int probe_collect_counts(struct bpf_map *map, int n_cpus, struct model *model, const char *family)
{
	const struct res_family *f = family_of(family);

	if (!f)
		return -ENOENT;
	return for_each_tgid(map, n_cpus, f->n_slots * sizeof(__u64), model, set_counts, f);
}

struct hist_slot {
	const struct res_family *family;
	int h;
};

static void set_hist(struct res_process *row, const void *percpu, int n_cpus, const void *arg)
{
	const struct hist_slot *slot = arg;
	struct lat_stats *dst = res_process_hist(row, slot->family, slot->h);
	const struct lat_stats *v = percpu;

	if (!dst)
		return; /* out of memory: the histogram stays empty */
	memset(dst, 0, sizeof(*dst));
	for (int cpu = 0; cpu < n_cpus; cpu++)
		lat_stats_merge(dst, &v[cpu]);
}

int probe_collect_hists(struct bpf_map *map, int n_cpus, struct model *model, const char *family,
			int h)
{
	struct hist_slot slot = { family_of(family), h };

	if (!slot.family || h >= slot.family->n_hists)
		return -ENOENT;
	return for_each_tgid(map, n_cpus, sizeof(struct lat_stats), model, set_hist, &slot);
}
