// Probe family "block": block I/O requests per process.
#include <errno.h>
#include <stddef.h>
#include "block.skel.h"
#include "model/model.h"
#include "loader/probe.h"

static bool block_wanted(const struct trace_opts *opts)
{
	return probe_resource_wanted(opts, "block");
}

static void block_off(struct trace_opts *opts)
{
	probe_resource_off(opts, "block");
}

static int block_load(struct probe_ctx *ctx, void **state)
{
	struct block_bpf *skel = block_bpf__open();
	int err;

	if (!skel)
		return -errno;
	*state = skel;
	/* Before 6.5 there is no block_io_start: attribute at issue. */
	if (probe_kernel_lacks(ctx, "block_io_start")) {
		skel->rodata->attribute_at_issue = true;
		bpf_program__set_autoload(skel->progs.block_start, false);
	}
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	return err ? err : block_bpf__load(skel);
}

static int block_attach(void *state)
{
	return block_bpf__attach(state);
}

static int block_register_costs(void *state, struct overhead *oh)
{
	struct block_bpf *skel = state;

	return probe_register_object(oh, skel->obj, false);
}

static int block_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct block_bpf *skel = state;
	int err;

	err = probe_collect_counts(skel->maps.block_counts, ctx->n_cpus, model, "block");
	if (!err)
		err = probe_collect_hists(skel->maps.block_lat_stats, ctx->n_cpus, model, "block",
					  0);
	return err;
}

static void block_destroy(void *state)
{
	block_bpf__destroy(state);
}

static const struct tracepoint_need block_needs[] = {
	{ .name = "block_io_start", .since = "Linux 6.5+", .optional = true },
	{ .name = "block_rq_issue" },
	{ .name = "block_rq_complete" },
	{ .name = NULL },
};

const struct probe_family probe_block = {
	.name = "block",
	.needs = block_needs,
	.provides = "the block group",
	.wanted = block_wanted,
	.turn_off = block_off,
	.load = block_load,
	.attach = block_attach,
	.register_costs = block_register_costs,
	.collect = block_collect,
	.destroy = block_destroy,
};
