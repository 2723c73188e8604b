// Per-process resource figures: families, rows, readings and views.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/name_filter.h"
#include "model/resources.h"

const struct res_family *res_family_find(const char *name)
{
	for (int i = 0; i < res_n_families; i++)
		if (!strcmp(res_families[i].name, name))
			return &res_families[i];
	return NULL;
}

int res_family_index(const struct res_family *f)
{
	return (int)(f - res_families);
}

__u32 res_default_groups(void)
{
	__u32 groups = 0;

	for (int i = 0; i < res_n_families; i++)
		if (res_families[i].optional && res_families[i].default_on)
			groups |= RES_GROUP_BIT(i);
	return groups;
}

__u32 res_group_bit(const char *name)
{
	const struct res_family *f = res_family_find(name);

	return f && f->optional ? RES_GROUP_BIT(res_family_index(f)) : 0;
}

void resources_init(struct resources *res, const struct model_clock *clock, __u32 groups)
{
	memset(res, 0, sizeof(*res));
	res->clock = clock;
	res->groups = groups;
}

static void process_free(struct res_process *row)
{
	for (int h = 0; h < RES_MAX_HISTS; h++)
		free(row->hists[h]);
	free(row);
}

void resources_free(struct resources *res)
{
	for (int i = 0; i < res->n; i++)
		process_free(res->procs[i]);
	free(res->procs);
	free(res->views);
	free(res->view_hists);
	memset(res, 0, sizeof(*res));
}

/* Keeps the views as many as the processes. */
static int grow(struct resources *res)
{
	int cap = res->cap ? res->cap * 2 : 8;
	struct res_process **procs = realloc(res->procs, cap * sizeof(*procs));
	struct lat_stats *hists;
	struct res_view *views;

	if (!procs)
		return -ENOMEM;
	res->procs = procs;
	views = realloc(res->views, cap * sizeof(*views));
	if (!views)
		return -ENOMEM;
	res->views = views;
	hists = realloc(res->view_hists, cap * RES_MAX_HISTS * sizeof(*hists));
	if (!hists)
		return -ENOMEM;
	res->view_hists = hists;
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
	memmove(&res->procs[i + 1], &res->procs[i], (res->n - i) * sizeof(res->procs[0]));
	res->procs[i] = row;
	res->n++;
	return row;
}

struct count_readings *res_process_slot(struct res_process *row, const struct res_family *f,
					int slot)
{
	return &row->slots[f->first_slot + slot];
}

/* Each histogram's readings are ~48 KB: allocated once it has samples. */
struct lat_stats *res_process_hist(struct res_process *row, const struct res_family *f, int h)
{
	struct lat_readings **r = &row->hists[f->first_hist + h];

	if (!*r)
		*r = calloc(1, sizeof(**r));
	return *r ? &(*r)->now : NULL;
}

static void set_memory(struct res_process *row, int slot, __u64 value)
{
	static const struct res_family *memory;

	if (!memory)
		memory = res_family_find("memory");
	res_process_slot(row, memory, slot)->now = value;
}

void res_process_set_proc(struct res_process *row, const struct proc_stats *stats, bool ran_before)
{
	typedef struct memory_counts M;

	if (!row->proc_seen && ran_before) {
		row->base_minor = stats->minor_faults;
		row->base_major = stats->major_faults;
	}
	/* A zombie has no memory left to show: keep its last figures. */
	if (stats->has_memory || !row->proc_seen) {
		set_memory(row, RES_SLOT(M, rss_kb), stats->rss_kb);
		set_memory(row, RES_SLOT(M, peak_rss_kb), stats->peak_rss_kb);
		set_memory(row, RES_SLOT(M, threads), stats->threads);
		set_memory(row, RES_SLOT(M, fds), stats->fds);
	}
	row->proc_seen = true;
	if (stats->ns_pid > 0)
		row->ns_pid = stats->ns_pid;
	set_memory(row, RES_SLOT(M, minor_faults), stats->minor_faults - row->base_minor);
	set_memory(row, RES_SLOT(M, major_faults), stats->major_faults - row->base_major);
	set_memory(row, RES_SLOT(M, final), row->proc_gone);
}

void res_process_set_peak_rss(struct res_process *row, long peak_kb)
{
	static const struct res_family *memory;
	struct count_readings *peak;

	if (!row || peak_kb <= 0)
		return;
	if (!memory)
		memory = res_family_find("memory");
	peak = res_process_slot(row, memory, RES_SLOT(struct memory_counts, peak_rss_kb));
	if ((__u64)peak_kb > peak->now)
		peak->now = peak_kb;
	row->proc_seen = true;
}

void res_process_mark_gone(struct res_process *row)
{
	row->proc_gone = true;
	set_memory(row, RES_SLOT(struct memory_counts, final), 1);
}

void resources_step(struct resources *res, enum readings_step step)
{
	for (int i = 0; i < res->n; i++) {
		struct res_process *row = res->procs[i];

		for (int s = 0; s < RES_MAX_SLOTS; s++)
			count_readings_step(&row->slots[s], step);
		for (int h = 0; h < RES_MAX_HISTS; h++)
			if (row->hists[h])
				lat_readings_step(row->hists[h], step);
	}
}

bool res_family_shown(const struct resources *res, const struct res_family *f,
		      const struct res_view *v)
{
	if (!f->optional)
		return v->proc->proc_seen;
	return res->groups & RES_GROUP_BIT(res_family_index(f));
}

/* Shown for histograms without samples. */
static const struct lat_stats no_samples;

static void fill_view(struct res_view *v, const struct res_process *row, enum model_window window,
		      struct lat_stats *hists)
{
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		for (int s = f->first_slot; s < f->first_slot + f->n_slots; s++)
			v->slots[s] = count_readings_window(&row->slots[s], window);
		/* Gauges are read at the window's end, whatever it is. */
		for (int k = 0; k < f->n_fields; k++) {
			const struct res_field *field = &f->fields[k];

			if (field->how != RES_GAUGE)
				continue;
			for (int s = 0; s < field->n_slots; s++) {
				int slot = f->first_slot + field->slots[s];

				v->slots[slot] = count_readings_at_end(&row->slots[slot], window);
			}
		}
	}
	for (int h = 0; h < RES_MAX_HISTS; h++) {
		v->hist[h] = &no_samples;
		if (row->hists[h]) {
			lat_readings_window(row->hists[h], window, &hists[h]);
			v->hist[h] = &hists[h];
		}
		lat_stats_summarize(v->hist[h], v->seconds, &v->lat[h]);
	}
}

int resources_views(struct resources *res, enum model_window window, const char *filter,
		    const struct res_view **views, int *n)
{
	double seconds = clock_window_seconds(res->clock, window);
	int count = 0;

	for (int i = 0; i < res->n; i++) {
		const struct res_process *row = res->procs[i];
		struct res_view *v = &res->views[count];

		if (!name_matches(row->comm, filter))
			continue;
		memset(v, 0, sizeof(*v));
		v->proc = row;
		v->seconds = seconds;
		fill_view(v, row, window, &res->view_hists[count * RES_MAX_HISTS]);
		count++;
	}
	*views = res->views;
	*n = count;
	return 0;
}

double res_field_value(const struct res_view *v, const struct res_family *f,
		       const struct res_field *field)
{
	double sum = 0;

	for (int s = 0; s < field->n_slots; s++) {
		__u64 x = v->slots[f->first_slot + field->slots[s]];

		/* Gauges may be negative (fds: -1 when unreadable). */
		sum += field->how == RES_GAUGE ? (double)(__s64)x : (double)x;
	}
	if (field->how == RES_PER_SECOND)
		sum = v->seconds > 0 ? sum / v->seconds : 0;
	if (field->unit == RES_UNIT_SHARE)
		sum /= 1e9;
	return sum;
}

const struct lat_summary *res_view_hist(const struct res_view *v, const struct res_family *f, int h)
{
	return &v->lat[f->first_hist + h];
}
