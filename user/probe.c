// Helpers every probe family uses.
#include <bpf/bpf.h>
#include "overhead.h"
#include "probe.h"

int probe_share_common_maps(const struct probe_ctx *ctx,
			    const struct common_maps *maps)
{
	int err = bpf_map__reuse_fd(maps->traced_tgids,
				    bpf_map__fd(ctx->traced_tgids));

	if (!err)
		err = bpf_map__reuse_fd(maps->tgid_filter,
					bpf_map__fd(ctx->tgid_filter));
	if (!err)
		err = bpf_map__reuse_fd(maps->events, bpf_map__fd(ctx->events));
	if (!err)
		err = bpf_map__reuse_fd(maps->health, bpf_map__fd(ctx->health));
	return err;
}

int probe_register_prog(struct overhead *oh, const struct bpf_program *prog,
			bool per_syscall)
{
	return overhead_add_prog(oh, bpf_program__name(prog),
				 bpf_program__fd(prog), per_syscall);
}

__u64 probe_sum_percpu(const __u64 *values, int n_cpus)
{
	__u64 sum = 0;

	for (int cpu = 0; cpu < n_cpus; cpu++)
		sum += values[cpu];
	return sum;
}
