// The per-process resource families as metrics, from the family table.
#include <stdlib.h>
#include <string.h>
#include "base/format.h"
#include "views/metrics/series.h"

/* A family is exported when switched on; /proc's always is. */
static bool family_on(const struct model *model, const struct res_family *f)
{
	return !f->optional || (model->res.groups & RES_GROUP_BIT(res_family_index(f)));
}

/*
 * The processes' series, histogram @hist (a global index) attached. The
 * counts are the view's slots, so folded processes sum into "other".
 */
static void build_process_series(struct metrics_exporter *mx, const struct res_view *views, int n,
				 int hist)
{
	struct fold_table *t = &mx->folds[FOLD_PROCESSES];

	series_begin(mx, t);
	for (int i = 0; i < n; i++) {
		struct lat_series row = {
			.labels = { { "pid", mx->pids[i] }, { "comm", views[i].proc->comm } },
			.n_labels = 2,
			.hist = views[i].hist[hist],
		};

		memcpy(row.counts, views[i].slots, sizeof(views[i].slots));
		series_add(mx, t, mx->pids[i], &row);
	}
	series_end(mx, t);
}

/* @field's value in @s: a view rebuilt from the series' slots. */
static double series_value(const struct lat_series *s, double seconds, const struct res_family *f,
			   const struct res_field *field)
{
	struct res_view v = { .seconds = seconds };

	memcpy(v.slots, s->counts, sizeof(v.slots));
	return res_field_value(&v, f, field);
}

/* Seconds for durations, bytes for KiB; a gauge of 0 is "not read yet". */
static bool metric_text(const struct res_field *field, double x, char *buf, size_t len)
{
	if (field->how == RES_GAUGE && x <= 0)
		return false;
	if (field->unit == RES_UNIT_NS)
		format_exact_seconds((__u64)x, buf, len);
	else if (field->unit == RES_UNIT_KIB)
		u64_str((__u64)x * 1024, buf, len);
	else
		u64_str((__u64)x, buf, len);
	return true;
}

static const char *metric_unit(const struct res_field *field)
{
	switch (field->unit) {
	case RES_UNIT_NS:
		return "seconds";
	case RES_UNIT_BYTES:
	case RES_UNIT_KIB:
		return "bytes";
	default:
		return NULL;
	}
}

/* One metric family: @n fields in a row with the same metric name. */
static void write_field_family(struct metrics_exporter *mx, struct writer *w,
			       const struct res_family *f, const struct res_field *fields, int n,
			       double seconds)
{
	const struct family fam = {
		fields[0].metric,
		fields[0].how == RES_GAUGE ? "gauge" : "counter",
		metric_unit(&fields[0]),
		fields[0].help,
	};
	char value[32];

	write_header(w, &fam);
	for (int i = 0; i < mx->n_series; i++) {
		const struct lat_series *s = &mx->series[i];

		for (int k = 0; k < n; k++) {
			struct label labels[MAX_LABELS + 1];
			int n_labels = s->n_labels;

			memcpy(labels, s->labels, n_labels * sizeof(*labels));
			if (fields[k].label)
				labels[n_labels++] =
					(struct label){ fields[k].label, fields[k].label_value };
			if (!metric_text(&fields[k], series_value(s, seconds, f, &fields[k]), value,
					 sizeof(value)))
				continue;
			write_sample(w, fam.name, fields[k].how == RES_GAUGE ? "" : "_total",
				     labels, n_labels, NULL, value);
		}
	}
}

static void write_family_counters(struct metrics_exporter *mx, struct writer *w,
				  const struct res_family *f, double seconds)
{
	for (int i = 0; i < f->n_fields;) {
		int n = 1;

		if (!f->fields[i].metric) {
			i++;
			continue;
		}
		while (i + n < f->n_fields && f->fields[i + n].metric &&
		       !strcmp(f->fields[i + n].metric, f->fields[i].metric))
			n++;
		write_field_family(mx, w, f, &f->fields[i], n, seconds);
		i += n;
	}
}

static bool label_pids(struct metrics_exporter *mx, const struct res_view *views, int n)
{
	if (n > mx->n_pids) {
		char(*grown)[12] = realloc(mx->pids, n * sizeof(*grown));

		if (!grown)
			return false;
		mx->pids = grown;
		mx->n_pids = n;
	}
	for (int i = 0; i < n; i++)
		snprintf(mx->pids[i], sizeof(mx->pids[i]), "%u", views[i].proc->tgid);
	return true;
}

void render_resources(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	const struct res_view *views;
	int n = 0;

	if (resources_views(&model->res, WINDOW_TOTAL, NULL, &views, &n) || !n ||
	    !label_pids(mx, views, n))
		return;
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		if (!family_on(model, f))
			continue;
		for (int h = 0; h < f->n_hists; h++) {
			const struct family fam = { f->hists[h].metric, "histogram", "seconds",
						    f->hists[h].help };

			build_process_series(mx, views, n, f->first_hist + h);
			write_latency_families(mx, w, &fam, NULL);
		}
	}
	/* Counters ride on any histogram's series: build them once more. */
	build_process_series(mx, views, n, 0);
	for (int i = 0; i < res_n_families; i++)
		if (family_on(model, &res_families[i]))
			write_family_counters(mx, w, &res_families[i], views[0].seconds);
}
