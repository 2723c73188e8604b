// The per-process resource families as metrics, from the family table.
#include <stdlib.h>
#include <string.h>
#include "views/metrics/series.h"

/* A family is exported when switched on; /proc's always is. */
static bool family_on(const struct model *model, const struct res_family *f)
{
	return !f->optional || (model->res.groups & RES_GROUP_BIT(res_family_index(f)));
}

/*
 * The processes sharing one label set (labels.c): by default every process
 * of one comm, nginx's master and workers alike. Counters and histograms
 * add up over the whole trace, exited processes included, so the sums only
 * grow; gauges (memory) add up the processes still running.
 */
struct process_group {
	char key[LATSCOPE_COMM_LEN + 16]; /* the labels' values, for folding */
	struct label labels[MAX_LABELS];
	int n_labels, n_members;
	struct label_text text;
	__u64 slots[RES_MAX_SLOTS];
	struct lat_stats *merged; /* groups of several: their histogram */
	const struct lat_stats *hist;
};

/* Slots that belong to a gauge field (RES_GAUGE): not summed once gone. */
static bool gauge_slot(int slot)
{
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		for (int k = 0; k < f->n_fields; k++)
			for (int j = 0; f->fields[k].how == RES_GAUGE && j < f->fields[k].n_slots;
			     j++)
				if (f->first_slot + f->fields[k].slots[j] == slot)
					return true;
	}
	return false;
}

static struct process_group *find_group(struct metrics_exporter *mx, const char *key)
{
	for (int g = 0; g < mx->n_groups; g++)
		if (!strcmp(mx->groups[g].key, key))
			return &mx->groups[g];
	return NULL;
}

/* Room for @n groups, the merged histograms of earlier renders kept. */
static bool reserve_groups(struct metrics_exporter *mx, int n)
{
	struct process_group *grown;
	int *group_of;

	if (n <= mx->cap_groups)
		return true;
	group_of = realloc(mx->group_of, n * sizeof(*group_of));
	if (!group_of)
		return false;
	mx->group_of = group_of;
	grown = realloc(mx->groups, n * sizeof(*grown));
	if (!grown)
		return false;
	memset(grown + mx->cap_groups, 0, (n - mx->cap_groups) * sizeof(*grown));
	mx->groups = grown;
	mx->cap_groups = n;
	return true;
}

/* The groups of this render, their counters summed; false when out of memory. */
static bool group_processes(struct metrics_exporter *mx, const struct res_view *views, int n)
{
	bool gauge[RES_MAX_SLOTS];

	if (!reserve_groups(mx, n))
		return false;
	for (int s = 0; s < RES_MAX_SLOTS; s++)
		gauge[s] = gauge_slot(s);
	mx->n_groups = 0;
	for (int i = 0; i < n; i++) {
		struct process_group probe = { 0 }, *g;

		probe.n_labels = process_labels(mx, views[i].proc, probe.labels, &probe.text);
		snprintf(probe.key, sizeof(probe.key), "%s%s%s", probe.labels[0].value,
			 probe.n_labels > 1 ? " " : "",
			 probe.n_labels > 1 ? probe.labels[1].value : "");
		g = find_group(mx, probe.key);
		if (!g) {
			g = &mx->groups[mx->n_groups++];
			probe.merged = g->merged;
			*g = probe;
			/* labels point into the group's own text now */
			for (int l = 0; l < g->n_labels; l++)
				if (probe.labels[l].value == probe.text.pid)
					g->labels[l].value = g->text.pid;
		}
		g->n_members++;
		mx->group_of[i] = (int)(g - mx->groups);
		for (int s = 0; s < RES_MAX_SLOTS; s++)
			if (!gauge[s] || !views[i].proc->proc_gone)
				g->slots[s] += views[i].slots[s];
	}
	return true;
}

/* Each group's histogram @hist (a global index): its one member's, or merged. */
static bool merge_histograms(struct metrics_exporter *mx, const struct res_view *views, int n,
			     int hist)
{
	for (int g = 0; g < mx->n_groups; g++) {
		struct process_group *grp = &mx->groups[g];

		if (grp->n_members > 1 && !grp->merged)
			grp->merged = malloc(sizeof(*grp->merged));
		if (grp->n_members > 1 && !grp->merged)
			return false;
		if (grp->merged)
			memset(grp->merged, 0, sizeof(*grp->merged));
		grp->hist = grp->n_members > 1 ? grp->merged : NULL;
	}
	for (int i = 0; i < n; i++) {
		struct process_group *grp = &mx->groups[mx->group_of[i]];

		if (grp->n_members > 1)
			lat_stats_merge(grp->merged, views[i].hist[hist]);
		else
			grp->hist = views[i].hist[hist];
	}
	return true;
}

/*
 * The groups' series, histogram @hist attached; folded groups sum into
 * "other" (slots included).
 */
static bool build_process_series(struct metrics_exporter *mx, const struct res_view *views, int n,
				 int hist)
{
	struct fold_table *t = &mx->folds[FOLD_PROCESSES];

	if (!merge_histograms(mx, views, n, hist))
		return false;
	series_begin(mx, t);
	for (int g = 0; g < mx->n_groups; g++) {
		const struct process_group *grp = &mx->groups[g];
		struct lat_series row = { .n_labels = grp->n_labels, .hist = grp->hist };

		memcpy(row.labels, grp->labels, sizeof(row.labels));
		memcpy(row.counts, grp->slots, sizeof(row.counts));
		series_add(mx, t, grp->key, &row);
	}
	series_end(mx, t);
	return true;
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
static bool metric_value(const struct res_field *field, double x, enum value_unit *unit,
			 __u64 *value)
{
	if (field->how == RES_GAUGE && x <= 0)
		return false;
	*unit = field->unit == RES_UNIT_NS ? AS_SECONDS : AS_COUNT;
	*value = field->unit == RES_UNIT_KIB ? (__u64)x * 1024 : (__u64)x;
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
	write_header(w, &fam);
	for (int i = 0; i < mx->n_series; i++) {
		const struct lat_series *s = &mx->series[i];

		for (int k = 0; k < n; k++) {
			struct label labels[MAX_LABELS + 1];
			int n_labels = s->n_labels;
			enum value_unit unit;
			__u64 value;

			memcpy(labels, s->labels, n_labels * sizeof(*labels));
			if (fields[k].label)
				labels[n_labels++] =
					(struct label){ fields[k].label, fields[k].label_value };
			if (!metric_value(&fields[k], series_value(s, seconds, f, &fields[k]),
					  &unit, &value))
				continue;
			write_value(w, &fam, labels, n_labels, unit, value);
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

void process_groups_free(struct metrics_exporter *mx)
{
	for (int g = 0; g < mx->cap_groups; g++)
		free(mx->groups[g].merged);
	free(mx->groups);
	free(mx->group_of);
}

void render_resources(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	const struct res_view *views;
	int n = 0;

	if (resources_views(&model->res, WINDOW_TOTAL, NULL, &views, &n) || !n ||
	    !group_processes(mx, views, n))
		return;
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		if (!family_on(model, f))
			continue;
		for (int h = 0; h < f->n_hists; h++) {
			const struct family fam = { f->hists[h].metric, "histogram", "seconds",
						    f->hists[h].help };

			if (build_process_series(mx, views, n, f->first_hist + h))
				write_latency_families(mx, w, &fam, NULL);
		}
	}
	/* Counters ride on any histogram's series: build them once more. */
	if (!build_process_series(mx, views, n, 0))
		return;
	for (int i = 0; i < res_n_families; i++)
		if (family_on(model, &res_families[i]))
			write_family_counters(mx, w, &res_families[i], views[0].seconds);
}
