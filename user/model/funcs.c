// The model's "functions" section: uprobe latency per function.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "model/funcs.h"

struct func_row {
	char name[128], module[64], symbols_from[256];
	struct lat_readings lat;
	struct count_readings self_ns;
	bool stepped;
};

struct model_funcs {
	struct func_row *rows[LATSCOPE_MAX_FUNCS];
	struct func_view views[LATSCOPE_MAX_FUNCS];
	struct lat_stats hists[LATSCOPE_MAX_FUNCS];
	struct func_cost costs[LATSCOPE_MAX_FUNCS];
};

static struct func_row *func_row(struct model *model, __u32 id)
{
	struct model_funcs *f = model->funcs;

	if (id >= LATSCOPE_MAX_FUNCS)
		return NULL;
	if (!f) {
		f = model->funcs = calloc(1, sizeof(*f));
		if (!f)
			return NULL;
	}
	if (!f->rows[id])
		f->rows[id] = calloc(1, sizeof(struct func_row));
	return f->rows[id];
}

int model_set_func_info(struct model *model, __u32 id, const char *name,
			const char *module, const char *symbols_from,
			bool stepped)
{
	struct func_row *row = func_row(model, id);

	if (!row)
		return id >= LATSCOPE_MAX_FUNCS ? -ERANGE : -ENOMEM;
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->module, sizeof(row->module), "%s", module);
	snprintf(row->symbols_from, sizeof(row->symbols_from), "%s", symbols_from);
	row->stepped = stepped;
	return 0;
}

int model_set_func(struct model *model, __u32 id,
		   const struct lat_stats *cumulative, __u64 self_ns)
{
	struct func_row *row = func_row(model, id);

	if (!row)
		return id >= LATSCOPE_MAX_FUNCS ? -ERANGE : -ENOMEM;
	row->lat.now = *cumulative;
	row->self_ns.now = self_ns;
	return 0;
}

bool model_has_funcs(const struct model *model)
{
	return model->funcs != NULL;
}

static int by_total_desc(const void *a, const void *b)
{
	const struct func_view *x = a, *y = b;

	if (x->lat.total_ns != y->lat.total_ns)
		return x->lat.total_ns < y->lat.total_ns ? 1 : -1;
	return (int)x->id - (int)y->id;
}

int model_func_views(struct model *model, enum model_window window,
		     const struct func_view **views, int *n)
{
	double seconds = model_window_seconds(model, window);
	struct model_funcs *f = model->funcs;
	int count = 0;

	*n = 0;
	if (!f)
		return 0;
	for (__u32 id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		const struct func_row *row = f->rows[id];
		struct func_view *v = &f->views[count];
		struct lat_stats *hist = &f->hists[count];

		if (!row || !lat_readings_window(&row->lat, window, hist))
			continue;
		memset(v, 0, sizeof(*v));
		v->id = id;
		v->name = row->name;
		v->module = row->module;
		v->symbols_from = row->symbols_from;
		v->hist = hist;
		v->self_ns = count_readings_window(&row->self_ns, window);
		lat_stats_summarize(hist, seconds, &v->lat);
		count++;
	}
	qsort(f->views, count, sizeof(f->views[0]), by_total_desc);
	*views = f->views;
	*n = count;
	return 0;
}

int model_func_views_matching(struct model *model, enum model_window window,
			      const char *filter, const struct func_view **views,
			      int *n)
{
	struct func_view *all;
	int count, kept = 0;

	model_func_views(model, window, views, &count);
	all = (struct func_view *)*views;
	for (int i = 0; i < count; i++)
		if (model_name_matches(all[i].name, filter))
			all[kept++] = all[i];
	*n = kept;
	return 0;
}

/* BPF run time of one hit: the entry and the return program, averaged. */
static double bpf_ns_per_hit(const struct model *model)
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

static int by_cost_desc(const void *a, const void *b)
{
	const struct func_cost *x = a, *y = b;

	return x->cpu_share < y->cpu_share ? 1 : x->cpu_share > y->cpu_share ? -1 : 0;
}

int model_func_costs(struct model *model, const struct func_cost **costs,
		     int *n)
{
	double seconds = model_window_seconds(model, WINDOW_TOTAL);
	double bpf_ns = bpf_ns_per_hit(model);
	struct model_funcs *f = model->funcs;
	int count = 0;

	*n = 0;
	if (!f)
		return 0;
	for (__u32 id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		const struct func_row *row = f->rows[id];
		struct func_cost *c = &f->costs[count];

		if (!row)
			continue;
		c->name = row->name;
		c->module = row->module;
		c->hits_per_s = seconds > 0 ? row->lat.now.count / seconds : 0;
		c->stepped = row->stepped;
		c->ns_per_hit = bpf_ns + (row->stepped ? FUNC_STEP_NS_FLOOR
						       : FUNC_TRAP_NS_FLOOR);
		c->cpu_share = c->hits_per_s * c->ns_per_hit / 1e9;
		c->hot = c->cpu_share > FUNC_HOT_CPU_SHARE;
		count++;
	}
	qsort(f->costs, count, sizeof(f->costs[0]), by_cost_desc);
	*costs = f->costs;
	*n = count;
	return 0;
}

void model_funcs_mark(struct model_funcs *f)
{
	if (!f)
		return;
	for (int id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		if (!f->rows[id])
			continue;
		lat_readings_mark(&f->rows[id]->lat);
		count_readings_mark(&f->rows[id]->self_ns);
	}
}

void model_funcs_reset(struct model_funcs *f)
{
	if (!f)
		return;
	for (int id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		if (!f->rows[id])
			continue;
		lat_readings_reset(&f->rows[id]->lat);
		count_readings_reset(&f->rows[id]->self_ns);
	}
}

void model_funcs_free(struct model_funcs *f)
{
	if (!f)
		return;
	for (int id = 0; id < LATSCOPE_MAX_FUNCS; id++)
		free(f->rows[id]);
	free(f);
}
