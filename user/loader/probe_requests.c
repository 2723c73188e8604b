// Probe family "requests": per-connection request/response latency.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "loader/probe.h"
#include "requests.skel.h"

struct requests_probe {
	struct requests_bpf *skel;
	struct lat_stats *lat;		/* lookup buffers: one value per CPU */
	struct req_group_counts *counts;
};

static bool requests_wanted(const struct trace_opts *opts)
{
	return opts->requests;
}

/* As many groups as LATSCOPE_REQ_STATS_BUDGET holds, at least 16. */
static __u32 max_groups(int n_cpus)
{
	__u64 per_group = (__u64)sizeof(struct lat_stats) * n_cpus;
	__u64 n = LATSCOPE_REQ_STATS_BUDGET / per_group;

	if (n > LATSCOPE_MAX_REQ_GROUPS)
		n = LATSCOPE_MAX_REQ_GROUPS;
	return n < 16 ? 16 : n;
}

/*
 * Records per CPU between forced wake-ups of the loader: all CPUs together
 * then fill at most a quarter of the ring buffer before one.
 */
static __u32 wakeup_every(__u32 ring_bytes, int n_cpus)
{
	__u64 n = ring_bytes / 4 / sizeof(struct request_rec) / n_cpus;

	return n ? n : 1;
}

static int requests_load(struct probe_ctx *ctx, void **state)
{
	struct requests_probe *p = calloc(1, sizeof(*p));
	struct requests_bpf *skel;
	int err;

	if (!p)
		return -ENOMEM;
	*state = p;
	p->lat = calloc(ctx->n_cpus, sizeof(*p->lat));
	p->counts = calloc(ctx->n_cpus, sizeof(*p->counts));
	p->skel = skel = requests_bpf__open();
	if (!p->lat || !p->counts || !skel)
		return -ENOMEM;
	skel->rodata->max_groups = max_groups(ctx->n_cpus);
	skel->rodata->wakeup_every = wakeup_every(ctx->opts->ringbuf_bytes,
						  ctx->n_cpus);
	err = bpf_map__set_max_entries(skel->maps.req_stats, skel->rodata->max_groups);
	if (!err)
		err = bpf_map__set_max_entries(skel->maps.req_counts,
					       skel->rodata->max_groups);
	if (err)
		return err;
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	if (err)
		return err;
	return requests_bpf__load(skel);
}

static int requests_attach(void *state)
{
	struct requests_probe *p = state;

	return requests_bpf__attach(p->skel);
}

static int requests_register_costs(void *state, struct overhead *oh)
{
	struct requests_probe *p = state;

	return probe_register_object(oh, p->skel->obj, false);
}

/* Sums group @id's per-CPU values; a group with no sample yet reads as 0. */
static void read_group(struct requests_probe *p, int n_cpus, __u32 id,
		       struct lat_stats *lat, struct req_group_counts *counts)
{
	struct requests_bpf *skel = p->skel;

	memset(lat, 0, sizeof(*lat));
	memset(counts, 0, sizeof(*counts));
	if (!bpf_map__lookup_elem(skel->maps.req_stats, &id, sizeof(id), p->lat,
				  n_cpus * sizeof(*p->lat), 0))
		for (int cpu = 0; cpu < n_cpus; cpu++)
			lat_stats_merge(lat, &p->lat[cpu]);
	if (bpf_map__lookup_elem(skel->maps.req_counts, &id, sizeof(id),
				 p->counts, n_cpus * sizeof(*p->counts), 0))
		return;
	for (int cpu = 0; cpu < n_cpus; cpu++) {
		const struct req_group_counts *c = &p->counts[cpu];

		counts->aborted += c->aborted;
		counts->bytes_in += c->bytes_in;
		counts->bytes_out += c->bytes_out;
		for (int i = 0; i < LATSCOPE_STATUS_CLASSES; i++)
			counts->status[i] += c->status[i];
	}
}

static int requests_collect(void *state, const struct probe_ctx *ctx,
			    struct model *model)
{
	struct requests_probe *p = state;
	struct bpf_map *groups = p->skel->maps.req_groups;
	struct req_group_key key, next, *prev = NULL;
	struct req_group_counts counts;
	struct lat_stats lat;
	__u32 id;
	int err;

	/* Values are cumulative and never deleted: read, don't drain. */
	while (!bpf_map__get_next_key(groups, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(groups, &key, sizeof(key), &id,
					 sizeof(id), 0))
			continue;
		read_group(p, ctx->n_cpus, id, &lat, &counts);
		err = requests_set_group(model->requests, id, &key, &lat, &counts);
		if (err && err != -ERANGE)
			return err;
	}
	return 0;
}

static void requests_destroy(void *state)
{
	struct requests_probe *p = state;

	if (!p)
		return;
	requests_bpf__destroy(p->skel);
	free(p->lat);
	free(p->counts);
	free(p);
}

const struct probe_family probe_requests = {
	.name = "requests",
	.wanted = requests_wanted,
	.load = requests_load,
	.attach = requests_attach,
	.register_costs = requests_register_costs,
	.collect = requests_collect,
	.destroy = requests_destroy,
};
