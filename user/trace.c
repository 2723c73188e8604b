// Loading, attaching and reading latscope's BPF objects.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lifecycle.skel.h"
#include "syscalls.skel.h"
#include "model.h"
#include "trace.h"

struct trace {
	struct trace_opts opts;
	struct lifecycle_bpf *lifecycle; /* owns the shared maps */
	struct syscalls_bpf *syscalls;
	struct ring_buffer *ring;
	int n_cpus;
	struct lat_stats *percpu_stats; /* lookup buffer, one per CPU */
};

/* Point @map (in another object) at the lifecycle object's shared map. */
static int share_map(struct bpf_map *map, const struct bpf_map *owner)
{
	return bpf_map__reuse_fd(map, bpf_map__fd(owner));
}

static int share_common_maps(struct trace *trace, struct bpf_map *tgids,
			     struct bpf_map *events, struct bpf_map *health)
{
	struct lifecycle_bpf *owner = trace->lifecycle;
	int err;

	err = share_map(tgids, owner->maps.traced_tgids);
	if (!err)
		err = share_map(events, owner->maps.events);
	if (!err)
		err = share_map(health, owner->maps.health);
	return err;
}

static int open_lifecycle(struct trace *trace, const struct trace_opts *opts)
{
	struct lifecycle_bpf *skel = lifecycle_bpf__open();
	int err;

	if (!skel)
		return -errno;
	trace->lifecycle = skel;
	skel->rodata->follow_children = opts->follow_children;
	err = bpf_map__set_max_entries(skel->maps.events, opts->ringbuf_bytes);
	if (err)
		return err;
	return lifecycle_bpf__load(skel);
}

static int open_syscalls(struct trace *trace, const struct trace_opts *opts)
{
	struct syscalls_bpf *skel = syscalls_bpf__open();
	int err;

	if (!skel)
		return -errno;
	trace->syscalls = skel;
	skel->rodata->slow_ns = opts->slow_ns;
	err = share_common_maps(trace, skel->maps.traced_tgids,
				skel->maps.events, skel->maps.health);
	if (err)
		return err;
	return syscalls_bpf__load(skel);
}

static int handle_record(void *ctx, void *data, size_t size)
{
	const struct trace_opts *opts = ctx;

	return opts->on_record(opts->ctx, data, size);
}

int trace__open(const struct trace_opts *opts, struct trace **out)
{
	struct trace *trace = calloc(1, sizeof(*trace));
	int err;

	if (!trace)
		return -ENOMEM;
	trace->opts = *opts;
	trace->n_cpus = libbpf_num_possible_cpus();
	if (trace->n_cpus < 0) {
		err = trace->n_cpus;
		goto fail;
	}
	trace->percpu_stats = calloc(trace->n_cpus, sizeof(struct lat_stats));
	if (!trace->percpu_stats) {
		err = -ENOMEM;
		goto fail;
	}
	err = open_lifecycle(trace, opts);
	if (!err)
		err = open_syscalls(trace, opts);
	if (err)
		goto fail;
	trace->ring = ring_buffer__new(bpf_map__fd(trace->lifecycle->maps.events),
				       handle_record, &trace->opts, NULL);
	if (!trace->ring) {
		err = -errno;
		goto fail;
	}
	*out = trace;
	return 0;
fail:
	trace__free(trace);
	return err < 0 ? err : -EINVAL;
}

int trace__add_tgid(struct trace *trace, pid_t tgid)
{
	__u32 key = tgid;
	__u8 one = 1;

	if (bpf_map__update_elem(trace->lifecycle->maps.traced_tgids, &key,
				 sizeof(key), &one, sizeof(one), BPF_ANY))
		return -errno;
	return 0;
}

int trace__attach(struct trace *trace)
{
	int err = lifecycle_bpf__attach(trace->lifecycle);

	if (!err)
		err = syscalls_bpf__attach(trace->syscalls);
	return err;
}

int trace__register_costs(struct trace *trace, struct overhead *oh)
{
	const struct {
		struct bpf_program *prog;
		bool per_syscall;
	} progs[] = {
		{ trace->syscalls->progs.syscall_enter, true },
		{ trace->syscalls->progs.syscall_exit, true },
		{ trace->lifecycle->progs.lifecycle_fork, false },
		{ trace->lifecycle->progs.lifecycle_exec, false },
		{ trace->lifecycle->progs.lifecycle_exit, false },
	};
	int err;

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		err = overhead_add_prog(oh, bpf_program__name(progs[i].prog),
					bpf_program__fd(progs[i].prog),
					progs[i].per_syscall);
		if (err)
			return err;
	}
	return 0;
}

int trace__poll(struct trace *trace, int timeout_ms)
{
	int n = ring_buffer__poll(trace->ring, timeout_ms);

	return n == -EINTR ? 0 : n;
}

static int collect_syscall_stats(struct trace *trace, struct model *model)
{
	struct bpf_map *map = trace->syscalls->maps.syscall_stats;
	size_t value_size = trace->n_cpus * sizeof(struct lat_stats);
	__u32 key, next, *prev = NULL;
	struct lat_stats merged;
	int err;

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key),
					 trace->percpu_stats, value_size, 0))
			continue; /* deleted under us: impossible, but harmless */
		memset(&merged, 0, sizeof(merged));
		for (int cpu = 0; cpu < trace->n_cpus; cpu++)
			lat_stats_merge(&merged, &trace->percpu_stats[cpu]);
		err = model_set_syscall(model, key, &merged);
		if (err && err != -ERANGE)
			return err;
	}
	return 0;
}

static __u64 sum_percpu(const __u64 *values, int n_cpus)
{
	__u64 sum = 0;

	for (int cpu = 0; cpu < n_cpus; cpu++)
		sum += values[cpu];
	return sum;
}

static int collect_errnos(struct trace *trace, struct model *model)
{
	struct bpf_map *map = trace->syscalls->maps.syscall_errnos;
	struct syscall_errno_key key, next, *prev = NULL;
	__u64 counts[trace->n_cpus];

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), counts,
					 sizeof(counts), 0))
			continue;
		/* More distinct errnos than the model keeps: drop the tail. */
		model_set_syscall_errno(model, key.nr, key.err,
					sum_percpu(counts, trace->n_cpus));
	}
	return 0;
}

static int collect_health(struct trace *trace, struct model *model)
{
	struct bpf_map *map = trace->lifecycle->maps.health;
	__u64 counts[trace->n_cpus];

	for (__u32 key = 0; key < HEALTH_COUNTERS; key++) {
		if (bpf_map__lookup_elem(map, &key, sizeof(key), counts,
					 sizeof(counts), 0))
			return -errno;
		model->health[key] = sum_percpu(counts, trace->n_cpus);
	}
	return 0;
}

int trace__collect(struct trace *trace, struct model *model)
{
	int err = collect_syscall_stats(trace, model);

	if (!err)
		err = collect_errnos(trace, model);
	if (!err)
		err = collect_health(trace, model);
	return err;
}

void trace__free(struct trace *trace)
{
	if (!trace)
		return;
	ring_buffer__free(trace->ring);
	syscalls_bpf__destroy(trace->syscalls);
	lifecycle_bpf__destroy(trace->lifecycle);
	free(trace->percpu_stats);
	free(trace);
}
