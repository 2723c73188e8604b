// Probe family "lifecycle": fork/exec/exit, and owner of the shared maps.
#include <errno.h>
#include <string.h>
#include "lifecycle.skel.h"
#include "model/model.h"
#include "loader/probe.h"

static int lifecycle_load(struct probe_ctx *ctx, void **state)
{
	struct lifecycle_bpf *skel = lifecycle_bpf__open();
	int err;

	if (!skel)
		return -errno;
	*state = skel;
	skel->rodata->follow_children = ctx->opts->follow_children;
	skel->rodata->target_cgroup_id = ctx->opts->target_cgroup_id;
	if (ctx->opts->target_comm)
		strncpy((char *)skel->rodata->target_comm, ctx->opts->target_comm,
			sizeof(skel->rodata->target_comm) - 1);
	err = bpf_map__set_max_entries(skel->maps.events, ctx->opts->ringbuf_bytes);
	if (!err)
		err = lifecycle_bpf__load(skel);
	if (err)
		return err;
	ctx->traced_tgids = skel->maps.traced_tgids;
	ctx->tgid_filter = skel->maps.tgid_filter;
	ctx->events = skel->maps.events;
	ctx->health = skel->maps.health;
	return 0;
}

static int lifecycle_attach(void *state)
{
	return lifecycle_bpf__attach(state);
}

static int lifecycle_register_costs(void *state, struct overhead *oh)
{
	struct lifecycle_bpf *skel = state;

	return probe_register_object(oh, skel->obj, false);
}

/* The health counters live here, with the other shared maps. */
static int lifecycle_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct lifecycle_bpf *skel = state;
	__u64 counts[ctx->n_cpus];

	for (__u32 key = 0; key < HEALTH_COUNTERS; key++) {
		if (bpf_map__lookup_elem(skel->maps.health, &key, sizeof(key), counts,
					 sizeof(counts), 0))
			return -errno;
		model->health[key] = probe_sum_percpu(counts, ctx->n_cpus);
	}
	return 0;
}

static void lifecycle_destroy(void *state)
{
	lifecycle_bpf__destroy(state);
}

static const struct tracepoint_need lifecycle_needs[] = {
	{ .name = "sched_process_fork" },
	{ .name = "sched_process_exec" },
	{ .name = "sched_process_exit" },
	{ .name = "cgroup_attach_task" },
	{ .name = NULL },
};

/* It owns the shared maps, and target exits come from it. */
const struct probe_family probe_lifecycle = {
	.name = "lifecycle",
	.needs = lifecycle_needs,
	.provides = "the process lifecycle (exits, forks)",
	.essential = true,
	.load = lifecycle_load,
	.attach = lifecycle_attach,
	.register_costs = lifecycle_register_costs,
	.collect = lifecycle_collect,
	.destroy = lifecycle_destroy,
};
