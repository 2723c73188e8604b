// Probe family "syscalls": per-syscall latency histograms and errnos.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "loader/probe.h"
#include "syscalls.skel.h"

struct syscalls_probe {
	struct syscalls_bpf *skel;
	struct lat_stats *percpu; /* lookup buffer: one value per CPU */
};

static int syscalls_load(struct probe_ctx *ctx, void **state)
{
	struct syscalls_probe *p = calloc(1, sizeof(*p));
	struct syscalls_bpf *skel;
	int err;

	if (!p)
		return -ENOMEM;
	*state = p;
	p->percpu = calloc(ctx->n_cpus, sizeof(*p->percpu));
	p->skel = skel = syscalls_bpf__open();
	if (!p->percpu || !skel)
		return -ENOMEM;
	skel->rodata->slow_ns = ctx->opts->slow_ns;
	err = probe_share_common_maps(ctx, PROBE_COMMON_MAPS(skel));
	if (err)
		return err;
	return syscalls_bpf__load(skel);
}

static int syscalls_attach(void *state)
{
	struct syscalls_probe *p = state;

	return syscalls_bpf__attach(p->skel);
}

static int syscalls_register_costs(void *state, struct overhead *oh)
{
	struct syscalls_probe *p = state;

	return probe_register_object(oh, p->skel->obj, true);
}

static int collect_stats(struct syscalls_probe *p, int n_cpus, struct model *model)
{
	const __u32 *slot_of = p->skel->bss->syscall_slot_of;
	struct bpf_map *map = p->skel->maps.syscall_stats;
	size_t value_size = n_cpus * sizeof(*p->percpu);
	struct lat_stats merged;
	int err;

	/* Values are cumulative and never reset: read, don't drain. */
	for (__u32 nr = 0; nr < LATSCOPE_MAX_SYSCALLS; nr++) {
		__u32 idx = slot_of[nr] - 1;

		if (!slot_of[nr])
			continue;
		if (bpf_map__lookup_elem(map, &idx, sizeof(idx), p->percpu, value_size, 0))
			return -errno;
		memset(&merged, 0, sizeof(merged));
		for (int cpu = 0; cpu < n_cpus; cpu++)
			lat_stats_merge(&merged, &p->percpu[cpu]);
		err = syscalls_set(&model->syscalls, nr, &merged);
		if (err)
			return err;
	}
	return 0;
}

static void collect_errnos(struct syscalls_probe *p, int n_cpus, struct model *model)
{
	struct bpf_map *map = p->skel->maps.syscall_errnos;
	struct syscall_errno_key key, next, *prev = NULL;
	__u64 counts[n_cpus];

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), counts, sizeof(counts), 0))
			continue;
		/* Beyond MODEL_MAX_ERRNOS distinct errnos, the rarest drop out. */
		syscalls_set_errno(&model->syscalls, key.nr, key.err,
				   probe_sum_percpu(counts, n_cpus));
	}
}

static int syscalls_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct syscalls_probe *p = state;
	int err = collect_stats(p, ctx->n_cpus, model);

	if (!err)
		collect_errnos(p, ctx->n_cpus, model);
	return err;
}

static void syscalls_destroy(void *state)
{
	struct syscalls_probe *p = state;

	if (!p)
		return;
	syscalls_bpf__destroy(p->skel);
	free(p->percpu);
	free(p);
}

static void syscalls_off(struct trace_opts *opts)
{
	opts->syscalls = false;
}

static bool syscalls_wanted(const struct trace_opts *opts)
{
	return opts->syscalls;
}

static const struct tracepoint_need syscalls_needs[] = {
	{ .name = "sys_enter" },
	{ .name = "sys_exit" },
	{ .name = NULL },
};

const struct probe_family probe_syscalls = {
	.name = "syscalls",
	.needs = syscalls_needs,
	.provides = "syscall latency",
	.wanted = syscalls_wanted,
	.turn_off = syscalls_off,
	.load = syscalls_load,
	.attach = syscalls_attach,
	.register_costs = syscalls_register_costs,
	.collect = syscalls_collect,
	.destroy = syscalls_destroy,
};
