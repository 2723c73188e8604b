// Probe family "faults": page faults per process at the fault tracepoints.
#include <errno.h>
#include <stddef.h>
#include "faults.skel.h"
#include "model/model.h"
#include "loader/probe.h"

static bool faults_wanted(const struct trace_opts *opts)
{
	return probe_resource_wanted(opts, "faults");
}

static void faults_off(struct trace_opts *opts)
{
	probe_resource_off(opts, "faults");
}

static int faults_load(struct probe_ctx *ctx, void **state)
{
	struct faults_bpf *skel = faults_bpf__open();
	int err;

	if (!skel)
		return -errno;
	*state = skel;
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	return err ? err : faults_bpf__load(skel);
}

static int faults_attach(void *state)
{
	return faults_bpf__attach(state);
}

static int faults_register_costs(void *state, struct overhead *oh)
{
	struct faults_bpf *skel = state;

	return probe_register_object(oh, skel->obj, false);
}

static int faults_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct faults_bpf *skel = state;

	return probe_collect_counts(skel->maps.fault_counts, ctx->n_cpus, model, "faults");
}

static void faults_destroy(void *state)
{
	faults_bpf__destroy(state);
}

/* The exception tracepoints are x86's; elsewhere /proc's counters remain. */
static const struct tracepoint_need faults_needs[] = {
	{ .name = "page_fault_user", .since = "x86 only" },
	{ .name = "page_fault_kernel", .since = "x86 only" },
	{ .name = NULL },
};

const struct probe_family probe_faults = {
	.name = "faults",
	.needs = faults_needs,
	.provides = "the faults group (/proc's fault counts remain)",
	.wanted = faults_wanted,
	.turn_off = faults_off,
	.load = faults_load,
	.attach = faults_attach,
	.register_costs = faults_register_costs,
	.collect = faults_collect,
	.destroy = faults_destroy,
};
