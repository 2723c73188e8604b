// The model's "functions" section: uprobe latency per function.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/name_filter.h"
#include "model/funcs.h"

struct func_row {
	char name[128], module[64], symbols_from[256];
	struct lat_readings lat;
	struct count_readings self_ns;
	bool stepped;
};

/* Views' storage (~10 MB) comes with the first function: most traces have none. */
struct funcs_views {
	struct func_view views[LATSCOPE_MAX_FUNCS];
	struct lat_stats hists[LATSCOPE_MAX_FUNCS];
	struct func_cost costs[LATSCOPE_MAX_FUNCS];
};

struct model_funcs {
	const struct model_clock *clock;
	struct func_row *rows[LATSCOPE_MAX_FUNCS];
	struct funcs_views *v;
};

struct model_funcs *funcs_new(const struct model_clock *clock)
{
	struct model_funcs *f = calloc(1, sizeof(*f));

	if (f)
		f->clock = clock;
	return f;
}

static struct func_row *func_row(struct model_funcs *f, __u32 id)
{
	if (id >= LATSCOPE_MAX_FUNCS)
		return NULL;
	if (!f->v) {
		f->v = calloc(1, sizeof(*f->v));
		if (!f->v)
			return NULL;
	}
	if (!f->rows[id])
		f->rows[id] = calloc(1, sizeof(struct func_row));
	return f->rows[id];
}

int funcs_set_info(struct model_funcs *f, __u32 id, const char *name, const char *module,
		   const char *symbols_from, bool stepped)
{
	struct func_row *row = func_row(f, id);

	if (!row)
		return id >= LATSCOPE_MAX_FUNCS ? -ERANGE : -ENOMEM;
	snprintf(row->name, sizeof(row->name), "%s", name);
	snprintf(row->module, sizeof(row->module), "%s", module);
	snprintf(row->symbols_from, sizeof(row->symbols_from), "%s", symbols_from);
	row->stepped = stepped;
	return 0;
}

int funcs_set(struct model_funcs *f, __u32 id, const struct lat_stats *cumulative, __u64 self_ns)
{
	struct func_row *row = func_row(f, id);

	if (!row)
		return id >= LATSCOPE_MAX_FUNCS ? -ERANGE : -ENOMEM;
	row->lat.now = *cumulative;
	row->self_ns.now = self_ns;
	return 0;
}

bool funcs_any(const struct model_funcs *f)
{
	return f->v != NULL;
}

static int by_total_desc(const void *a, const void *b)
{
	const struct func_view *x = a, *y = b;

	if (x->lat.total_ns != y->lat.total_ns)
		return x->lat.total_ns < y->lat.total_ns ? 1 : -1;
	return (int)x->id - (int)y->id;
}

int funcs_views(struct model_funcs *f, enum model_window window, const char *filter,
		const struct func_view **views, int *n)
{
	double seconds = clock_window_seconds(f->clock, window);
	int count = 0;

	*n = 0;
	if (!f->v)
		return 0;
	for (__u32 id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		const struct func_row *row = f->rows[id];
		struct func_view *v = &f->v->views[count];
		struct lat_stats *hist = &f->v->hists[count];

		if (!row || !name_matches(row->name, filter) ||
		    !lat_readings_window(&row->lat, window, hist))
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
	qsort(f->v->views, count, sizeof(f->v->views[0]), by_total_desc);
	*views = f->v->views;
	*n = count;
	return 0;
}

static int by_cost_desc(const void *a, const void *b)
{
	const struct func_cost *x = a, *y = b;

	return x->cpu_share < y->cpu_share ? 1 : x->cpu_share > y->cpu_share ? -1 : 0;
}

int funcs_costs(struct model_funcs *f, double bpf_ns, const struct func_cost **costs, int *n)
{
	double seconds = clock_window_seconds(f->clock, WINDOW_TOTAL);
	int count = 0;

	*n = 0;
	if (!f->v)
		return 0;
	for (__u32 id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		const struct func_row *row = f->rows[id];
		struct func_cost *c = &f->v->costs[count];

		if (!row)
			continue;
		c->name = row->name;
		c->module = row->module;
		c->hits_per_s = seconds > 0 ? row->lat.now.count / seconds : 0;
		c->stepped = row->stepped;
		c->ns_per_hit = bpf_ns + (row->stepped ? FUNC_STEP_NS_FLOOR : FUNC_TRAP_NS_FLOOR);
		c->cpu_share = c->hits_per_s * c->ns_per_hit / 1e9;
		c->hot = c->cpu_share > FUNC_HOT_CPU_SHARE;
		count++;
	}
	qsort(f->v->costs, count, sizeof(f->v->costs[0]), by_cost_desc);
	*costs = f->v->costs;
	*n = count;
	return 0;
}

void funcs_step(struct model_funcs *f, enum readings_step step)
{
	for (int id = 0; id < LATSCOPE_MAX_FUNCS; id++) {
		if (!f->rows[id])
			continue;
		lat_readings_step(&f->rows[id]->lat, step);
		count_readings_step(&f->rows[id]->self_ns, step);
	}
}

void funcs_free(struct model_funcs *f)
{
	if (!f)
		return;
	for (int id = 0; id < LATSCOPE_MAX_FUNCS; id++)
		free(f->rows[id]);
	free(f->v);
	free(f);
}
