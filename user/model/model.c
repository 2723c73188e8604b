// The in-memory model of a trace: cumulative readings, records, views.
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>
#include "model/model.h"
#include "model/requests.h"
#include "model/funcs.h"
#include "base/syscall_names.h"

static __u64 clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int ring_log_init(struct ring_log *log, size_t item_size, size_t cap)
{
	memset(log, 0, sizeof(*log));
	log->item_size = item_size;
	log->cap = cap;
	if (!cap)
		return 0;
	log->items = calloc(cap, item_size);
	return log->items ? 0 : -ENOMEM;
}

void ring_log_push(struct ring_log *log, const void *item)
{
	size_t slot;

	log->total++;
	if (!log->cap)
		return;
	slot = (log->head + log->len) % log->cap;
	if (log->len == log->cap) {
		slot = log->head;
		log->head = (log->head + 1) % log->cap;
	} else {
		log->len++;
	}
	memcpy((char *)log->items + slot * log->item_size, item, log->item_size);
}

const void *ring_log_at(const struct ring_log *log, size_t i)
{
	if (i >= log->len)
		return NULL;
	return (const char *)log->items +
	       ((log->head + i) % log->cap) * log->item_size;
}

struct model *model_new(size_t keep_events)
{
	struct model *model = calloc(1, sizeof(*model));

	if (!model)
		return NULL;
	model_start(model, clock_ns(CLOCK_MONOTONIC));
	model->realtime_offset_ns = (__s64)(clock_ns(CLOCK_REALTIME) -
					    model->start_ns);
	model->views = calloc(LATSCOPE_MAX_SYSCALLS, sizeof(*model->views));
	model->requests = model_requests_new(keep_events);
	model->view_hists = calloc(LATSCOPE_MAX_SYSCALLS,
				   sizeof(*model->view_hists));
	if (!model->views || !model->view_hists || !model->requests ||
	    ring_log_init(&model->slow_calls, sizeof(struct slow_call),
			  keep_events) ||
	    ring_log_init(&model->proc_events, sizeof(struct proc_event),
			  keep_events)) {
		model_free(model);
		return NULL;
	}
	return model;
}

void model_free(struct model *model)
{
	if (!model)
		return;
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++)
		free(model->syscalls[i]);
	free(model->targets);
	resources_free(&model->res);
	free(model->slow_calls.items);
	free(model->proc_events.items);
	free(model->views);
	free(model->view_hists);
	model_requests_free(model->requests);
	model_funcs_free(model->funcs);
	free(model);
}

int model_add_target(struct model *model, pid_t pid, bool spawned)
{
	struct target_info *targets, *t;

	targets = realloc(model->targets,
			  (model->n_targets + 1) * sizeof(*targets));
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

static struct syscall_row *syscall_row(struct model *model, __u32 nr)
{
	struct syscall_row *row;

	if (nr >= LATSCOPE_MAX_SYSCALLS)
		return NULL;
	row = model->syscalls[nr];
	if (row)
		return row;
	row = calloc(1, sizeof(*row));
	if (!row)
		return NULL;
	row->nr = nr;
	model->syscalls[nr] = row;
	return row;
}

int model_set_syscall(struct model *model, __u32 nr,
		      const struct lat_stats *cumulative)
{
	struct syscall_row *row = syscall_row(model, nr);

	if (!row)
		return nr >= LATSCOPE_MAX_SYSCALLS ? -ERANGE : -ENOMEM;
	row->lat.now = *cumulative;
	return 0;
}

int model_set_syscall_errno(struct model *model, __u32 nr, int err,
			    __u64 cumulative)
{
	struct syscall_row *row = syscall_row(model, nr);
	struct errno_count *e;

	if (!row)
		return nr >= LATSCOPE_MAX_SYSCALLS ? -ERANGE : -ENOMEM;
	for (int i = 0; i < row->n_errnos; i++) {
		if (row->errnos[i].err == err) {
			row->errnos[i].seen.now = cumulative;
			return 0;
		}
	}
	if (row->n_errnos >= MODEL_MAX_ERRNOS)
		return -E2BIG;
	e = &row->errnos[row->n_errnos++];
	memset(e, 0, sizeof(*e));
	e->err = err;
	e->seen.now = cumulative;
	return 0;
}

static void add_slow_call(struct model *model, const struct syscall_slow_rec *rec)
{
	struct slow_call call = {
		.ts_ns = rec->hdr.ts_ns,
		.tgid = rec->hdr.tgid,
		.tid = rec->hdr.tid,
		.nr = rec->nr,
		.arg0 = rec->arg0,
		.ret = rec->ret,
		.duration_ns = rec->duration_ns,
	};

	ring_log_push(&model->slow_calls, &call);
	model->last_event = ring_log_at(&model->slow_calls,
					model->slow_calls.len - 1);
}

static void note_exit(struct model *model, const struct proc_event *ev)
{
	struct target_info *t = model_find_target(model, ev->tgid);

	if (!t)
		return;
	t->state = TARGET_EXITED;
	t->exit_code = ev->exit_code;
}

static void add_proc_event(struct model *model, const struct proc_rec *rec)
{
	static const enum proc_event_kind kinds[] = {
		[REC_PROC_FORK] = PROC_FORK,
		[REC_PROC_EXEC] = PROC_EXEC,
		[REC_PROC_EXIT] = PROC_EXIT,
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
	model->last_event = ring_log_at(&model->proc_events,
					model->proc_events.len - 1);
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
		add_slow_call(model, data);
		break;
	case REC_PROC_FORK:
	case REC_PROC_EXEC:
	case REC_PROC_EXIT:
		if (size < sizeof(struct proc_rec))
			return -EINVAL;
		add_proc_event(model, data);
		break;
	case REC_REQUEST:
		if (!request_rec_fits(data, size))
			return -EINVAL;
		model->last_event = model_add_request(model, data);
		break;
	default:
		return -EINVAL;
	}
	return hdr->type;
}

void model_start(struct model *model, __u64 now_ns)
{
	model->start_ns = model->now_ns = now_ns;
	model->mark_ns = model->prev_mark_ns = model->base_ns = now_ns;
}

void model_mark_interval(struct model *model)
{
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		struct syscall_row *row = model->syscalls[i];

		if (!row)
			continue;
		lat_readings_mark(&row->lat);
		for (int e = 0; e < row->n_errnos; e++)
			count_readings_mark(&row->errnos[e].seen);
	}
	model_requests_mark(model->requests);
	model_funcs_mark(model->funcs);
	model->prev_mark_ns = model->mark_ns;
	resources_mark(&model->res);
	model->mark_ns = model->now_ns;
}

void model_reset(struct model *model)
{
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		struct syscall_row *row = model->syscalls[i];

		if (!row)
			continue;
		lat_readings_reset(&row->lat);
		for (int e = 0; e < row->n_errnos; e++)
			count_readings_reset(&row->errnos[e].seen);
	}
	model_funcs_reset(model->funcs);
	model_requests_reset(model->requests);
	model->base_ns = model->prev_mark_ns = model->mark_ns = model->now_ns;
}

/* The readings a window lies between; READ_START is the empty beginning. */
enum reading { READ_NOW, READ_MARK, READ_PREV, READ_BASE, READ_START };

static enum reading window_from(enum model_window window)
{
	switch (window) {
	case WINDOW_INTERVAL:
		return READ_MARK;
	case WINDOW_LAST_INTERVAL:
		return READ_PREV;
	case WINDOW_SINCE_RESET:
		return READ_BASE;
	default:
		return READ_START;
	}
}

static enum reading window_to(enum model_window window)
{
	return window == WINDOW_LAST_INTERVAL || window == WINDOW_SINCE_RESET ?
		       READ_MARK : READ_NOW;
}

__u64 lat_readings_window(const struct lat_readings *r, enum model_window window,
			  struct lat_stats *out)
{
	const struct lat_stats *at[] = { &r->now, &r->mark, &r->prev, &r->base };
	enum reading from = window_from(window), to = window_to(window);

	if (from == READ_START)
		*out = *at[to];
	else
		lat_stats_window(out, at[to], at[from]);
	return out->count;
}

__u64 count_readings_window(const struct count_readings *r,
			    enum model_window window)
{
	const __u64 at[] = { r->now, r->mark, r->prev, r->base, 0 };

	return at[window_to(window)] - at[window_from(window)];
}

/* One counter of struct lat_stats (@field: its offset) over a window. */
static __u64 lat_counter_window(const struct lat_readings *r,
				enum model_window window, size_t field)
{
	const struct lat_stats *at[] = { &r->now, &r->mark, &r->prev, &r->base };
	enum reading from = window_from(window);
	const char *to = (const char *)at[window_to(window)] + field;

	if (from == READ_START)
		return *(const __u64 *)to;
	return *(const __u64 *)to - *(const __u64 *)((const char *)at[from] + field);
}

void lat_readings_mark(struct lat_readings *r)
{
	r->prev = r->mark;
	r->mark = r->now;
}

void lat_readings_reset(struct lat_readings *r)
{
	r->base = r->prev = r->mark = r->now;
}

void count_readings_mark(struct count_readings *r)
{
	r->prev = r->mark;
	r->mark = r->now;
}

void count_readings_reset(struct count_readings *r)
{
	r->base = r->prev = r->mark = r->now;
}

double model_window_seconds(const struct model *model,
			    enum model_window window)
{
	const __u64 at[] = { model->now_ns, model->mark_ns, model->prev_mark_ns,
			     model->base_ns, model->start_ns };

	return (at[window_to(window)] - at[window_from(window)]) / 1e9;
}

__u64 model_realtime_ns(const struct model *model, __u64 mono_ns)
{
	return mono_ns + model->realtime_offset_ns;
}

static int by_count_desc(const void *a, const void *b)
{
	const struct errno_count *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : x->err - y->err;
}

static void fill_top_errnos(const struct syscall_row *row,
			    enum model_window window, struct syscall_view *v)
{
	struct errno_count all[MODEL_MAX_ERRNOS];
	int n = 0;

	for (int i = 0; i < row->n_errnos; i++) {
		all[n] = row->errnos[i];
		all[n].count = count_readings_window(&row->errnos[i].seen, window);
		if (all[n].count)
			n++;
	}
	qsort(all, n, sizeof(all[0]), by_count_desc);
	v->n_top_errnos = n < MODEL_TOP_ERRNOS ? n : MODEL_TOP_ERRNOS;
	memcpy(v->top_errnos, all, v->n_top_errnos * sizeof(all[0]));
}

static int by_total_desc(const void *a, const void *b)
{
	const struct syscall_view *x = a, *y = b;

	if (x->lat.total_ns != y->lat.total_ns)
		return x->lat.total_ns < y->lat.total_ns ? 1 : -1;
	return (int)x->nr - (int)y->nr;
}

__u64 model_window_hist(enum model_window window, const struct lat_stats *now,
			const struct lat_stats *mark, struct lat_stats *out)
{
	if (window == WINDOW_TOTAL)
		*out = *now;
	else
		lat_stats_window(out, now, mark);
	return out->count;
}

int model_syscall_views(struct model *model, enum model_window window,
			const struct syscall_view **views, int *n)
{
	double seconds = model_window_seconds(model, window);
	int count = 0;

	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		const struct syscall_row *row = model->syscalls[i];
		struct syscall_view *v = &model->views[count];
		struct lat_stats *hist = &model->view_hists[count];

		if (!row || !lat_readings_window(&row->lat, window, hist))
			continue;
		memset(v, 0, sizeof(*v));
		v->nr = row->nr;
		syscall_name_copy(row->nr, v->name, sizeof(v->name));
		v->hist = hist;
		lat_stats_summarize(hist, seconds, &v->lat);
		fill_top_errnos(row, window, v);
		count++;
	}
	qsort(model->views, count, sizeof(model->views[0]), by_total_desc);
	*views = model->views;
	*n = count;
	return 0;
}

bool model_name_matches(const char *name, const char *filter)
{
	return !filter || !*filter || strcasestr(name, filter);
}

int model_syscall_views_matching(struct model *model, enum model_window window,
				 const char *filter,
				 const struct syscall_view **views, int *n)
{
	int all, kept = 0;

	model_syscall_views(model, window, views, &all);
	for (int i = 0; i < all; i++)
		if (model_name_matches(model->views[i].name, filter))
			model->views[kept++] = model->views[i];
	*n = kept;
	return 0;
}

void model_syscall_totals(const struct model *model, enum model_window window,
			  struct syscall_totals *out)
{
	memset(out, 0, sizeof(*out));
	out->seconds = model_window_seconds(model, window);
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		const struct syscall_row *row = model->syscalls[i];

		if (!row)
			continue;
		out->count += lat_counter_window(&row->lat, window,
						 offsetof(struct lat_stats, count));
		out->errors += lat_counter_window(&row->lat, window,
						  offsetof(struct lat_stats, errors));
	}
	if (out->seconds > 0)
		out->rate_per_s = out->count / out->seconds;
	if (out->count)
		out->error_share = (double)out->errors / out->count;
}

int model_resource_views(struct model *model, enum model_window window,
			 const struct res_view **views, int *n)
{
	return resources_views(&model->res, window == WINDOW_INTERVAL,
			       model_window_seconds(model, window), views, n);
}

int model_resource_views_matching(struct model *model, enum model_window window,
				  const char *filter,
				  const struct res_view **views, int *n)
{
	int all, kept = 0;

	model_resource_views(model, window, views, &all);
	for (int i = 0; i < all; i++)
		if (model_name_matches(model->res.views[i].proc->comm, filter))
			model->res.views[kept++] = model->res.views[i];
	*n = kept;
	return 0;
}

__u64 model_traced_syscalls(const struct model *model)
{
	__u64 traced = 0;

	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++)
		if (model->syscalls[i])
			traced += model->syscalls[i]->lat.now.count;
	return traced;
}

void model_overhead_view(const struct model *model, struct overhead_view *out)
{
	overhead_view(&model->overhead, model_window_seconds(model, WINDOW_TOTAL),
		      out);
}

void model_overhead_view_matching(const struct model *model, const char *filter,
				  struct overhead_view *out)
{
	int kept = 0;

	model_overhead_view(model, out);
	for (int i = 0; i < out->n_progs; i++)
		if (model_name_matches(out->progs[i].name, filter))
			out->progs[kept++] = out->progs[i];
	out->n_progs = kept;
}
