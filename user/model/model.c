// The model of a trace: its sections, targets, records and clock.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "base/name_filter.h"
#include "model/model.h"

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

struct model *model_new(size_t keep_events)
{
	struct model *model = calloc(1, sizeof(*model));

	if (!model)
		return NULL;
	model_start(model, clock_ns(CLOCK_MONOTONIC));
	model->realtime_offset_ns = (__s64)(clock_ns(CLOCK_REALTIME) - model->clock.start_ns);
	resources_init(&model->res, &model->clock, 0);
	model->requests = requests_new(&model->clock, keep_events);
	model->funcs = funcs_new(&model->clock);
	if (syscalls_init(&model->syscalls, &model->clock, keep_events) || !model->requests ||
	    !model->funcs ||
	    ring_log_init(&model->proc_events, sizeof(struct proc_event), keep_events)) {
		model_free(model);
		return NULL;
	}
	return model;
}

void model_free(struct model *model)
{
	if (!model)
		return;
	syscalls_free(&model->syscalls);
	requests_free(model->requests);
	funcs_free(model->funcs);
	resources_free(&model->res);
	ring_log_free(&model->proc_events);
	free(model->targets);
	free(model);
}

int model_add_target(struct model *model, pid_t pid, bool spawned)
{
	struct target_info *targets, *t;

	targets = realloc(model->targets, (model->n_targets + 1) * sizeof(*targets));
	if (!targets)
		return -ENOMEM;
	model->targets = targets;
	t = &targets[model->n_targets++];
	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->spawned = spawned;
	t->state = TARGET_RUNNING;
	return 0;
}

struct target_info *model_find_target(struct model *model, pid_t pid)
{
	for (int i = 0; i < model->n_targets; i++)
		if (model->targets[i].pid == pid)
			return &model->targets[i];
	return NULL;
}

bool model_all_targets_exited(const struct model *model)
{
	for (int i = 0; i < model->n_targets; i++)
		if (model->targets[i].state != TARGET_EXITED)
			return false;
	return true;
}

void model_set_slow_threshold(struct model *model, __u64 ns)
{
	model->syscalls.slow_ns = ns;
	model->requests->slow_ns = ns;
}

static void note_exit(struct model *model, const struct proc_event *ev)
{
	struct target_info *t = model_find_target(model, ev->tgid);

	if (!t)
		return;
	t->state = TARGET_EXITED;
	t->exit_code = ev->exit_code;
}

static const struct proc_event *add_proc_event(struct model *model, const struct proc_rec *rec)
{
	static const enum proc_event_kind kinds[] = {
		[REC_PROC_FORK] = PROC_FORK,
		[REC_PROC_EXEC] = PROC_EXEC,
		[REC_PROC_EXIT] = PROC_EXIT,
		[REC_PROC_JOIN] = PROC_JOIN,
	};
	struct proc_event ev = {
		.kind = kinds[rec->hdr.type],
		.ts_ns = rec->hdr.ts_ns,
		.tgid = rec->hdr.tgid,
		.tid = rec->hdr.tid,
		.child_tgid = rec->child_tgid,
		.exit_code = rec->exit_code,
	};
	struct target_info *t = model_find_target(model, ev.tgid);

	memcpy(ev.comm, rec->comm, sizeof(ev.comm));
	ev.comm[sizeof(ev.comm) - 1] = '\0';
	memcpy(ev.filename, rec->filename, sizeof(ev.filename));
	ev.filename[sizeof(ev.filename) - 1] = '\0';
	/* exec renames a process; a -c command that never ran keeps its name. */
	if (t && ev.kind == PROC_EXEC)
		memcpy(t->comm, ev.comm, sizeof(t->comm));
	if (ev.kind == PROC_EXIT)
		note_exit(model, &ev);
	ring_log_push(&model->proc_events, &ev);
	return ring_log_newest(&model->proc_events);
}

int model_add_record(struct model *model, const void *data, size_t size)
{
	const struct rec_header *hdr = data;

	if (size < sizeof(*hdr))
		return -EINVAL;
	model->records_received++;
	model->last_event = NULL;
	switch (hdr->type) {
	case REC_SYSCALL_SLOW:
		if (size < sizeof(struct syscall_slow_rec))
			return -EINVAL;
		model->last_event = syscalls_add_slow(&model->syscalls, data);
		break;
	case REC_PROC_FORK:
	case REC_PROC_EXEC:
	case REC_PROC_EXIT:
	case REC_PROC_JOIN:
		if (size < sizeof(struct proc_rec))
			return -EINVAL;
		model->last_event = add_proc_event(model, data);
		break;
	case REC_REQUEST:
		if (!request_rec_fits(data, size))
			return -EINVAL;
		model->last_event = requests_add(model->requests, data);
		break;
	default:
		return -EINVAL;
	}
	return hdr->type;
}

void model_start(struct model *model, __u64 now_ns)
{
	clock_start(&model->clock, now_ns);
}

void model_set_now(struct model *model, __u64 now_ns)
{
	model->clock.now_ns = now_ns;
}

/* Every section's readings, and the clock, move on together. */
static void model_step(struct model *model, enum readings_step step)
{
	syscalls_step(&model->syscalls, step);
	requests_step(model->requests, step);
	funcs_step(model->funcs, step);
	resources_step(&model->res, step);
	budget_step(&model->overhead.budget, step);
	clock_step(&model->clock, step);
}

void model_mark_interval(struct model *model)
{
	model_step(model, STEP_INTERVAL);
}

void model_reset(struct model *model)
{
	model_step(model, STEP_RESET);
}

void model_mark_tick(struct model *model)
{
	model_step(model, STEP_TICK);
}

double model_window_seconds(const struct model *model, enum model_window window)
{
	return clock_window_seconds(&model->clock, window);
}

__u64 model_realtime_ns(const struct model *model, __u64 mono_ns)
{
	return mono_ns + model->realtime_offset_ns;
}

void model_overhead_view(const struct model *model, struct overhead_view *out)
{
	overhead_view(&model->overhead, model_window_seconds(model, WINDOW_TOTAL),
		      model->clock.now_ns, out);
}

void model_overhead_view_matching(const struct model *model, const char *filter,
				  struct overhead_view *out)
{
	int kept = 0;

	model_overhead_view(model, out);
	for (int i = 0; i < out->n_progs; i++)
		if (name_matches(out->progs[i].name, filter))
			out->progs[kept++] = out->progs[i];
	out->n_progs = kept;
}

/* BPF run time of one hit: the entry and the return program, averaged. */
static double func_bpf_ns_per_hit(const struct model *model)
{
	struct overhead_view ov;
	double ns = 0;

	model_overhead_view(model, &ov);
	for (int i = 0; i < ov.n_progs; i++)
		if (!strcmp(ov.progs[i].name, "func_entry") ||
		    !strcmp(ov.progs[i].name, "func_return"))
			ns += ov.progs[i].avg_ns;
	return ns;
}

int model_func_costs(struct model *model, const struct func_cost **costs, int *n)
{
	return funcs_costs(model->funcs, func_bpf_ns_per_hit(model), costs, n);
}
