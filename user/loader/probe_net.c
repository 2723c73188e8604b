// Probe family "net": bytes, TCP connections, retransmits and resets.
#include <errno.h>
#include <stddef.h>
#include "model/model.h"
#include "net.skel.h"
#include "loader/probe.h"

static bool net_wanted(const struct trace_opts *opts)
{
	return probe_resource_wanted(opts, "net");
}

static int net_load(struct probe_ctx *ctx, void **state)
{
	struct net_bpf *skel = net_bpf__open();
	int err;

	if (!skel)
		return -errno;
	*state = skel;
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	return err ? err : net_bpf__load(skel);
}

static int net_attach(void *state)
{
	return net_bpf__attach(state);
}

static int net_register_costs(void *state, struct overhead *oh)
{
	struct net_bpf *skel = state;

	return probe_register_object(oh, skel->obj, false);
}

static int net_collect(void *state, const struct probe_ctx *ctx,
		       struct model *model)
{
	struct net_bpf *skel = state;
	int err;

	err = probe_collect_counts(skel->maps.net_counts, ctx->n_cpus, model,
				   "net");
	if (!err)
		err = probe_collect_hists(skel->maps.connect_stats, ctx->n_cpus,
					  model, "net", 0);
	return err;
}

static void net_destroy(void *state)
{
	net_bpf__destroy(state);
}

const struct probe_family probe_net = {
	.name = "net",
	.wanted = net_wanted,
	.load = net_load,
	.attach = net_attach,
	.register_costs = net_register_costs,
	.collect = net_collect,
	.destroy = net_destroy,
};
