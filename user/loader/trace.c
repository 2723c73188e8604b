// Drives the probe families and the shared ring buffer.
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include "latscope.h"
#include "model/overhead.h"
#include "loader/duty_cycle.h"
#include "loader/probe.h"
#include "loader/trace.h"

/* One per file (probe_<family>.c). */
extern const struct probe_family probe_lifecycle;
extern const struct probe_family probe_syscalls;
extern const struct probe_family probe_sock;
extern const struct probe_family probe_funcs;
extern const struct probe_family probe_sched;
extern const struct probe_family probe_faults;
extern const struct probe_family probe_block;

/* Load order; lifecycle first, as it creates the shared maps. */
static const struct probe_family *const families[] = {
	&probe_lifecycle, &probe_syscalls, &probe_sock,	 &probe_funcs,
	&probe_sched,	  &probe_faults,   &probe_block,
};

#define N_FAMILIES (sizeof(families) / sizeof(families[0]))

const struct probe_family *const *trace_families(int *n)
{
	*n = N_FAMILIES;
	return families;
}

struct trace {
	struct trace_opts opts;
	struct probe_ctx ctx;
	void *state[N_FAMILIES];
	bool loaded[N_FAMILIES];
	struct ring_buffer *ring;
	struct duty_cycle duty; /* the families that can be shed */
};

static int handle_record(void *ctx, void *data, size_t size)
{
	const struct trace_opts *opts = ctx;

	return opts->on_record(opts->ctx, data, size);
}

static bool family_wanted(const struct probe_family *f, const struct trace_opts *opts)
{
	return !f->wanted || f->wanted(opts);
}

/*
 * Before anything loads: which wanted families the kernel can load, from
 * the tracepoints they name. For one it cannot, one line says what is off
 * and the trace goes on without it, unless there is no trace without it.
 * The kernel's BTF is read once here and freed before libbpf reads its
 * own copy for each object (two at once would raise the loader's peak RSS
 * by the ~6 MB it takes).
 */
static int check_kernel(struct trace *trace, bool wanted[N_FAMILIES])
{
	struct btf *vmlinux = btf__load_vmlinux_btf();
	const struct tracepoint_need *missing;
	char line[256];
	int err = 0;

	if (!vmlinux)
		return -errno;
	for (size_t i = 0; i < N_FAMILIES && !err; i++) {
		if (!wanted[i])
			continue;
		err = probe_check_tracepoints(&trace->ctx, families[i], probe_btf_has_tracepoint,
					      vmlinux, &missing);
		if (err || !missing)
			continue;
		probe_describe_missing(families[i], missing, line, sizeof(line));
		fprintf(stderr, "latscope: %s\n", line);
		wanted[i] = false;
		if (families[i]->turn_off)
			families[i]->turn_off(&trace->opts);
		if (families[i]->essential)
			err = -EOPNOTSUPP;
	}
	btf__free(vmlinux);
	return err;
}

int trace__open(const struct trace_opts *opts, struct trace **out)
{
	struct trace *trace = calloc(1, sizeof(*trace));
	bool wanted[N_FAMILIES];
	int err = 0;

	if (!trace)
		return -ENOMEM;
	trace->opts = *opts;
	trace->ctx.opts = &trace->opts;
	trace->ctx.n_cpus = libbpf_num_possible_cpus();
	if (trace->ctx.n_cpus < 0) {
		err = trace->ctx.n_cpus;
		goto fail;
	}
	for (size_t i = 0; i < N_FAMILIES; i++)
		wanted[i] = family_wanted(families[i], opts);
	err = check_kernel(trace, wanted);
	for (size_t i = 0; i < N_FAMILIES && !err; i++) {
		if (!wanted[i])
			continue;
		err = families[i]->load(&trace->ctx, &trace->state[i]);
		trace->loaded[i] = true; /* destroy even a half-loaded family */
	}
	if (err)
		goto fail;
	trace->ring =
		ring_buffer__new(bpf_map__fd(trace->ctx.events), handle_record, &trace->opts, NULL);
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

/*
 * Sets @key's bit in the prefilter. The kernel sets bits too (a fork
 * followed) while the programs are attached, and this read-modify-write
 * of the whole array could undo one: once written, every traced tgid's bit
 * is checked again and the write redone until none is missing, so that a
 * child the kernel added meanwhile is never filtered out.
 */
static int filter_add(struct probe_ctx *ctx, __u32 key)
{
	struct tgid_filter filter;
	__u32 zero = 0, k, next, *prev;
	bool missing;

	do {
		if (bpf_map__lookup_elem(ctx->tgid_filter, &zero, sizeof(zero), &filter,
					 sizeof(filter), 0))
			return -errno;
		filter.words[(key % LATSCOPE_TGID_FILTER_BITS) / 64] |= 1ULL << (key % 64);
		if (bpf_map__update_elem(ctx->tgid_filter, &zero, sizeof(zero), &filter,
					 sizeof(filter), BPF_ANY))
			return -errno;
		if (bpf_map__lookup_elem(ctx->tgid_filter, &zero, sizeof(zero), &filter,
					 sizeof(filter), 0))
			return -errno;
		missing = false;
		for (prev = NULL; !missing && !bpf_map__get_next_key(ctx->traced_tgids, prev, &next,
								     sizeof(next));
		     prev = &k) {
			k = next;
			missing = !(filter.words[(k % LATSCOPE_TGID_FILTER_BITS) / 64] &
				    (1ULL << (k % 64)));
			if (missing)
				key = k;
		}
	} while (missing);
	return 0;
}

/* Mirrors tgid_trace() in common.bpf.h. */
int trace__add_tgid(struct trace *trace, pid_t tgid)
{
	struct probe_ctx *ctx = &trace->ctx;
	__u32 key = tgid;
	__u8 one = 1;
	pid_t *tgids;
	int err;

	/* In the set first: the filter check below then covers it too. */
	if (bpf_map__update_elem(ctx->traced_tgids, &key, sizeof(key), &one, sizeof(one), BPF_ANY))
		return -errno;
	err = filter_add(ctx, key);
	if (err)
		return err;
	tgids = realloc(ctx->tgids, (ctx->n_tgids + 1) * sizeof(*tgids));
	if (!tgids)
		return -ENOMEM;
	tgids[ctx->n_tgids++] = tgid;
	ctx->tgids = tgids;
	return 0;
}

const struct trace_opts *trace__opts(const struct trace *trace)
{
	return &trace->opts;
}

const char *trace__error(const struct trace *trace)
{
	return trace->ctx.why;
}

int trace__attach(struct trace *trace)
{
	for (size_t i = 0; i < N_FAMILIES; i++) {
		int err;

		if (!trace->loaded[i])
			continue;
		err = families[i]->attach(trace->state[i]);
		if (!err && families[i]->shed)
			err = duty_cycle_add(&trace->duty, families[i], trace->state[i]);
		if (err)
			return err;
	}
	return 0;
}

int trace__families(const struct trace *trace, const char **names, bool *sheddable, int max)
{
	int n = 0;

	for (size_t i = 0; i < N_FAMILIES && n < max; i++) {
		if (!trace->loaded[i])
			continue;
		names[n] = families[i]->name;
		sheddable[n++] = families[i]->shed != NULL;
	}
	return n;
}

int trace__set_level(struct trace *trace, const char *name, int level, __u64 now)
{
	struct duty_family *f = duty_cycle_find(&trace->duty, name);

	return f ? duty_cycle_set(f, level, now) : -ENOENT;
}

int trace__register_costs(struct trace *trace, struct overhead *oh)
{
	for (size_t i = 0; i < N_FAMILIES; i++) {
		int first = oh->n_progs, err;

		if (!trace->loaded[i])
			continue;
		err = families[i]->register_costs(trace->state[i], oh);
		if (err)
			return err;
		/* Per-family subtotals let a user weigh --no-<group>. */
		for (int p = first; p < oh->n_progs; p++)
			oh->progs[p].family = families[i]->name;
	}
	return 0;
}

int trace__poll(struct trace *trace, int timeout_ms)
{
	__u64 now = duty_now_ns(), due = duty_cycle_next(&trace->duty, now);
	int n, more, until = due > now ? (int)((due - now + 999999) / 1000000) : 0;

	/* Wake up for a shed family's next attach or detach. */
	if (due && timeout_ms > until)
		timeout_ms = until;
	n = ring_buffer__poll(trace->ring, timeout_ms);
	if (n == -EINTR)
		n = 0;
	if (n < 0)
		return n;
	if (due) {
		more = duty_cycle_run(&trace->duty);
		if (more)
			return more;
	}
	/* Batched records (record_submit_batched()) come without a wake-up. */
	more = ring_buffer__consume(trace->ring);
	return more > 0 ? n + more : n;
}

int trace__finish(struct trace *trace, struct model *model)
{
	int err = 0;

	for (size_t i = 0; i < N_FAMILIES; i++)
		if (trace->loaded[i] && families[i]->finish && !err)
			err = families[i]->finish(trace->state[i], &trace->ctx, model);
	return err;
}

int trace__collect(struct trace *trace, struct model *model)
{
	for (size_t i = 0; i < N_FAMILIES; i++) {
		int err;

		if (!trace->loaded[i] || !families[i]->collect)
			continue;
		err = families[i]->collect(trace->state[i], &trace->ctx, model);
		if (err)
			return err;
	}
	return 0;
}

void trace__free(struct trace *trace)
{
	if (!trace)
		return;
	ring_buffer__free(trace->ring);
	/* Reverse order: the lifecycle object owns the shared maps. */
	for (size_t i = N_FAMILIES; i-- > 0;)
		if (trace->loaded[i])
			families[i]->destroy(trace->state[i]);
	free(trace->ctx.tgids);
	free(trace->ctx.lacking);
	free(trace);
}
