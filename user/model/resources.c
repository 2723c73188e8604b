// Per-process resource figures: rows, interval marks and views.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "model/resources.h"

const char *const res_group_names[RES_GROUPS] = {
	[RES_SCHED] = "sched",
	[RES_FAULTS] = "faults",
	[RES_BLOCK] = "block",
	[RES_NET] = "net",
};

const char *const res_hist_names[RES_HISTS] = {
	[RES_OFF_CPU] = "off_cpu",
	[RES_RUN_QUEUE] = "run_queue",
	[RES_BLOCK_IO] = "block_io",
	[RES_CONNECT] = "connect",
};

void resources_free(struct resources *res)
{
	for (int i = 0; i < res->n; i++) {
		free(res->procs[i]->hists);
		free(res->procs[i]);
	}
	free(res->procs);
	free(res->views);
	memset(res, 0, sizeof(*res));
}

/* Keeps the views as many as the processes. */
static int grow(struct resources *res)
{
	int cap = res->cap ? res->cap * 2 : 8;
	struct res_process **procs = realloc(res->procs, cap * sizeof(*procs));
	struct res_view *views;

	if (!procs)
		return -ENOMEM;
	res->procs = procs;
	views = realloc(res->views, cap * sizeof(*views));
	if (!views)
		return -ENOMEM;
	res->views = views;
	res->cap = cap;
	return 0;
}

struct res_process *resources_process(struct resources *res, __u32 tgid)
{
	struct res_process *row;
	int i;

	/* Kept sorted by tgid: views come out in a stable order. */
	for (i = 0; i < res->n && res->procs[i]->tgid <= tgid; i++)
		if (res->procs[i]->tgid == tgid)
			return res->procs[i];
	if (res->n == res->cap && grow(res))
		return NULL;
	row = calloc(1, sizeof(*row));
	if (!row)
		return NULL;
	row->tgid = tgid;
	memmove(&res->procs[i + 1], &res->procs[i],
		(res->n - i) * sizeof(res->procs[0]));
	res->procs[i] = row;
	res->n++;
	return row;
}

/*
 * Three sets of histograms are ~114 KB: most followed children (a shell
 * script's commands) never need them, so they come on first use.
 */
struct lat_stats *res_process_hist(struct res_process *row, enum res_hist h)
{
	if (!row->hists)
		row->hists = calloc(1, sizeof(*row->hists));
	return row->hists ? &row->hists->now[h] : NULL;
}

void res_process_set_proc(struct res_process *row, const struct proc_stats *stats,
			  bool ran_before)
{
	if (!row->proc_seen && ran_before) {
		row->base_minor = stats->minor_faults;
		row->base_major = stats->major_faults;
	}
	/* A zombie has no memory left to show: keep its last figures. */
	if (stats->has_memory || !row->proc_seen)
		row->proc = *stats;
	row->proc_seen = true;
	row->now.minor_faults = stats->minor_faults - row->base_minor;
	row->now.major_faults = stats->major_faults - row->base_major;
}

void resources_mark(struct resources *res)
{
	for (int i = 0; i < res->n; i++) {
		struct res_process *row = res->procs[i];

		row->mark = row->now;
		if (row->hists)
			memcpy(row->hists->mark, row->hists->now,
			       sizeof(row->hists->mark));
	}
}

#define N_COUNTERS (sizeof(struct res_counters) / sizeof(__u64))

static void counters_window(struct res_counters *out, const struct res_counters *newer,
			    const struct res_counters *older)
{
	const __u64 *a = (const __u64 *)newer, *b = (const __u64 *)older;
	__u64 *o = (__u64 *)out;

	for (size_t i = 0; i < N_COUNTERS; i++)
		o[i] = a[i] - b[i];
}

/* Shown for processes without histograms: empty ones. */
static const struct lat_stats no_hists[RES_HISTS];

static void view_hists(struct res_view *v, struct res_process *row, bool interval)
{
	struct res_hists *h = row->hists;

	v->hist = h ? h->view : no_hists;
	for (int i = 0; i < RES_HISTS; i++) {
		if (h)
			model_window_hist(interval ? WINDOW_INTERVAL : WINDOW_TOTAL,
					  &h->now[i], &h->mark[i], &h->view[i]);
		lat_stats_summarize(&v->hist[i], v->seconds, &v->lat[i]);
	}
}

int resources_views(struct resources *res, bool interval, double seconds,
		    const struct res_view **views, int *n)
{
	for (int i = 0; i < res->n; i++) {
		struct res_process *row = res->procs[i];
		struct res_view *v = &res->views[i];

		memset(v, 0, sizeof(*v));
		v->proc = row;
		v->seconds = seconds;
		if (interval)
			counters_window(&v->c, &row->now, &row->mark);
		else
			v->c = row->now;
		view_hists(v, row, interval);
		v->cpu_share = seconds > 0 ? v->c.sched.on_cpu_ns / 1e9 / seconds : 0;
	}
	*views = res->views;
	*n = res->n;
	return 0;
}
