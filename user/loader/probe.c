// Helpers every probe family uses.
#include <bpf/bpf.h>
#include "model/overhead.h"
#include "loader/probe.h"

int probe_share_common_maps(const struct probe_ctx *ctx, const struct common_maps *maps)
{
	int err = bpf_map__reuse_fd(maps->traced_tgids, bpf_map__fd(ctx->traced_tgids));

	if (!err)
		err = bpf_map__reuse_fd(maps->tgid_filter, bpf_map__fd(ctx->tgid_filter));
	if (!err)
		err = bpf_map__reuse_fd(maps->events, bpf_map__fd(ctx->events));
	if (!err)
		err = bpf_map__reuse_fd(maps->health, bpf_map__fd(ctx->health));
	return err;
}

int probe_register_object(struct overhead *oh, struct bpf_object *obj, bool per_syscall)
{
	struct bpf_program *prog;
	int err;

	bpf_object__for_each_program (prog, obj) {
		if (bpf_program__fd(prog) < 0)
			continue; /* not loaded: a variant this kernel did not need */
		err = overhead_add_prog(oh, bpf_program__name(prog), bpf_program__fd(prog),
					per_syscall);
		if (err)
			return err;
	}
	return 0;
}

__u64 probe_sum_percpu(const __u64 *values, int n_cpus)
{
	__u64 sum = 0;

	for (int cpu = 0; cpu < n_cpus; cpu++)
		sum += values[cpu];
	return sum;
}
