// Probe family "syscalls": per-syscall latency histograms and errnos.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "loader/duty_cycle.h"
#include "loader/in_flight.h"
#include "loader/probe.h"
#include "syscalls.skel.h"

/* An errno counter and its estimate while shed. */
struct errno_estimate {
	struct syscall_errno_key key;
	struct duty_count count;
};

struct syscalls_probe {
	struct syscalls_bpf *skel;
	struct lat_stats *percpu; /* lookup buffer: one value per CPU */
	struct overhead *oh;	  /* told when programs are attached; may be NULL */
	/*
	 * The estimates behind every figure: exact while nothing was shed
	 * (each update adds the kernel's new counts as they are), scaled by
	 * the windows' coverage while shed (model/duty.h).
	 */
	struct duty_windows windows;
	struct duty_scaled *scaled;	       /* per slot */
	double factor[LATSCOPE_SYSCALL_SLOTS]; /* each slot's last step */
	struct errno_estimate *errnos;
	int n_errnos;
	int n_cpus;
	__u64 commit_ns; /* the estimates were last committed at */
};

static int syscalls_load(struct probe_ctx *ctx, void **state)
{
	struct syscalls_probe *p = calloc(1, sizeof(*p));
	struct syscalls_bpf *skel;
	int err;

	if (!p)
		return -ENOMEM;
	*state = p;
	duty_windows_init(&p->windows);
	p->percpu = calloc(ctx->n_cpus, sizeof(*p->percpu));
	p->scaled = calloc(LATSCOPE_SYSCALL_SLOTS, sizeof(*p->scaled));
	p->errnos = calloc(LATSCOPE_MAX_ERRNO_KEYS, sizeof(*p->errnos));
	p->skel = skel = syscalls_bpf__open();
	if (!p->percpu || !p->scaled || !p->errnos || !skel)
		return -ENOMEM;
	p->n_cpus = ctx->n_cpus;
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

	p->oh = oh;
	return probe_register_object(oh, p->skel->obj, true);
}

static struct errno_estimate *errno_estimate_of(struct syscalls_probe *p,
						const struct syscall_errno_key *key)
{
	for (int i = 0; i < p->n_errnos; i++)
		if (p->errnos[i].key.nr == key->nr && p->errnos[i].key.err == key->err)
			return &p->errnos[i];
	if (p->n_errnos == LATSCOPE_MAX_ERRNO_KEYS)
		return NULL;
	p->errnos[p->n_errnos].key = *key;
	return &p->errnos[p->n_errnos++];
}

/* Each slot's estimate at @now, into @model when given (model/duty.h). */
static int update_stats(struct syscalls_probe *p, __u64 now, bool commit, struct model *model)
{
	const __u32 *slot_of = p->skel->bss->syscall_slot_of;
	struct bpf_map *map = p->skel->maps.syscall_stats;
	size_t value_size = p->n_cpus * sizeof(*p->percpu);
	struct lat_stats merged, estimate;
	int err;

	/* Values are cumulative and never reset: read, don't drain. */
	for (__u32 nr = 0; nr < LATSCOPE_MAX_SYSCALLS; nr++) {
		__u32 idx = slot_of[nr] - 1;

		if (!slot_of[nr] || idx >= LATSCOPE_SYSCALL_SLOTS)
			continue;
		if (bpf_map__lookup_elem(map, &idx, sizeof(idx), p->percpu, value_size, 0))
			return -errno;
		memset(&merged, 0, sizeof(merged));
		for (int cpu = 0; cpu < p->n_cpus; cpu++)
			lat_stats_merge(&merged, &p->percpu[cpu]);
		p->factor[idx] = duty_scaled_update(&p->scaled[idx], &merged, &p->windows,
						    p->commit_ns, now, commit, &estimate);
		err = model ? syscalls_set(&model->syscalls, nr, &estimate) : 0;
		if (err)
			return err;
	}
	return 0;
}

static void update_errnos(struct syscalls_probe *p, bool commit, struct model *model)
{
	const __u32 *slot_of = p->skel->bss->syscall_slot_of;
	struct bpf_map *map = p->skel->maps.syscall_errnos;
	struct syscall_errno_key key, next, *prev = NULL;
	__u64 counts[p->n_cpus];

	while (!bpf_map__get_next_key(map, prev, &next, sizeof(next))) {
		struct errno_estimate *e;
		__u32 idx;
		__u64 count;

		key = next;
		prev = &key;
		if (bpf_map__lookup_elem(map, &key, sizeof(key), counts, sizeof(counts), 0))
			continue;
		e = errno_estimate_of(p, &key);
		if (!e)
			continue;
		idx = key.nr < LATSCOPE_MAX_SYSCALLS ? slot_of[key.nr] - 1 : LATSCOPE_SYSCALL_SLOTS;
		count = duty_count_update(&e->count, probe_sum_percpu(counts, p->n_cpus),
					  idx < LATSCOPE_SYSCALL_SLOTS ? p->factor[idx] : 1.0,
					  commit);
		/* Beyond MODEL_MAX_ERRNOS distinct errnos, the rarest drop out. */
		if (model)
			syscalls_set_errno(&model->syscalls, key.nr, key.err, count);
	}
}

/*
 * The estimates at @now; @commit makes them the base of the next ones
 * (at a window's start, or while nothing is shed).
 */
static int update(struct syscalls_probe *p, __u64 now, bool commit, struct model *model)
{
	int err = update_stats(p, now, commit, model);

	if (err)
		return err;
	update_errnos(p, commit, model);
	if (commit)
		p->commit_ns = now;
	return 0;
}

static int syscalls_collect(void *state, const struct probe_ctx *ctx, struct model *model)
{
	struct syscalls_probe *p = state;
	struct budget_family *f = budget_find(&model->overhead.budget, "syscalls");
	__u64 now = duty_now_ns();
	int err = update(p, now, duty_windows_continuous(&p->windows, p->commit_ns, now), model);

	if (!err)
		err = in_flight_scan(ctx->traced_tgids, p->skel->maps.syscall_in_flight,
				     p->skel->bss->window_start_ns, &model->syscalls);
	if (f) {
		f->shed_ns.now = off_time_total(&p->windows.entry, now);
		f->longest_seen_ns = duty_longest_seen(&p->windows, now - DUTY_MAX_SUBPERIOD_NS,
						       DUTY_MAX_SUBPERIOD_NS);
	}
	return err;
}

static void note_attached(struct syscalls_probe *p, struct bpf_program *prog, bool on, __u64 now)
{
	if (p->oh)
		overhead_set_attached(p->oh, bpf_program__fd(prog), on, now);
}

static int set_link(struct bpf_link **link, struct bpf_program *prog, bool on)
{
	if (!on) {
		bpf_link__destroy(*link);
		*link = NULL;
		return 0;
	}
	*link = bpf_program__attach(prog);
	return *link ? 0 : -errno;
}

/*
 * Entry: sys_enter; completion: sys_exit. Times are taken where the
 * programs start running (after an attach returns) and stop (before a
 * detach). A window starts with the estimates brought up to date, so
 * that each step covers whole windows and full tracing, once back, is
 * exact from its first moment.
 */
static int syscalls_shed(void *state, bool entry, bool on)
{
	struct syscalls_probe *p = state;
	struct syscalls_bpf *skel = p->skel;
	struct bpf_program *prog = entry ? skel->progs.syscall_enter : skel->progs.syscall_exit;
	struct bpf_link **link = entry ? &skel->links.syscall_enter : &skel->links.syscall_exit;
	__u64 now = duty_now_ns();
	int err = 0;

	if (entry && on)
		err = update(p, now, true, NULL);
	/* Calls that entered before are stale to an exit that comes back. */
	if (!entry && on)
		skel->bss->window_start_ns = now;
	if (!err)
		err = set_link(link, prog, on);
	if (err)
		return err;
	if (on)
		now = duty_now_ns();
	if (entry && on)
		p->commit_ns = now; /* nothing could be seen while attaching */
	if (entry)
		duty_windows_entry(&p->windows, on, now);
	else
		duty_windows_completion(&p->windows, on, now);
	note_attached(p, prog, on, now);
	return 0;
}

static void syscalls_destroy(void *state)
{
	struct syscalls_probe *p = state;

	if (!p)
		return;
	syscalls_bpf__destroy(p->skel);
	free(p->percpu);
	free(p->scaled);
	free(p->errnos);
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
	.shed = syscalls_shed,
	.destroy = syscalls_destroy,
};
