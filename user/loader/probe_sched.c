// Probe family "sched": on-CPU time, off-CPU and run-queue latency.
#include <errno.h>
#include <stddef.h>
#include "model/model.h"
#include "loader/probe.h"
#include "sched.skel.h"

static bool sched_wanted(const struct trace_opts *opts)
{
	return probe_resource_wanted(opts, "sched");
}

static void sched_off(struct trace_opts *opts)
{
	probe_resource_off(opts, "sched");
}

static int sched_load(struct probe_ctx *ctx, void **state)
{
	struct sched_bpf *skel = sched_bpf__open();
	int err;

	if (!skel)
		return -errno;
	*state = skel;
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	return err ? err : sched_bpf__load(skel);
}

static int sched_attach(void *state)
{
	return sched_bpf__attach(state);
}

static int sched_register_costs(void *state, struct overhead *oh)
{
	struct sched_bpf *skel = state;

	return probe_register_object(oh, skel->obj, false);
}

static int sched_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct sched_bpf *skel = state;
	int err;

	err = probe_collect_counts(skel->maps.sched_counts, ctx->n_cpus, model, "sched");
	if (!err)
		err = probe_collect_hists(skel->maps.off_cpu_stats, ctx->n_cpus, model, "sched", 0);
	if (!err)
		err = probe_collect_hists(skel->maps.runq_stats, ctx->n_cpus, model, "sched", 1);
	return err;
}

static void sched_destroy(void *state)
{
	sched_bpf__destroy(state);
}

static const struct tracepoint_need sched_needs[] = {
	{ .name = "sched_switch" },
	{ .name = "sched_wakeup" },
	{ .name = "sched_wakeup_new" },
	{ .name = NULL },
};

const struct probe_family probe_sched = {
	.name = "sched",
	.needs = sched_needs,
	.provides = "the sched group",
	.wanted = sched_wanted,
	.turn_off = sched_off,
	.load = sched_load,
	.attach = sched_attach,
	.register_costs = sched_register_costs,
	.collect = sched_collect,
	.destroy = sched_destroy,
};
