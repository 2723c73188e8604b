/*
 * Inside the metrics view: labelled series, folding past the series cap,
 * and the exposition writer every section renderer uses (exposition.c
 * for latency sections, health and targets; resources.c for the resource
 * families).
 */
#ifndef LATSCOPE_METRICS_SERIES_H
#define LATSCOPE_METRICS_SERIES_H

#include <stdbool.h>
#include <stdio.h>
#include "model/model.h"
#include "views/metrics/config.h"

#define MAX_LABELS 4
/* A series' counters: a resource view's slots, or a request row's columns. */
#define MAX_COUNTS RES_MAX_SLOTS
#define OTHER	   "other"
#define NS_PER_S   1000000000ULL

struct label {
	const char *name, *value;
};

struct family {
	const char *name; /* base name: counters without _total */
	const char *type; /* "counter", "gauge" or "histogram" */
	const char *unit; /* OpenMetrics UNIT; the name ends with it */
	const char *help;
};

struct writer {
	FILE *out;
	bool openmetrics; /* else the text format 0.0.4 */
};

/*
 * One labelled series of a section: a histogram with its error count, and
 * the section's counters for the same labels (folded into "other" with it).
 */
struct lat_series {
	struct label labels[MAX_LABELS];
	int n_labels;
	const struct lat_stats *hist;
	__u64 counts[MAX_COUNTS];
};

/*
 * A counter or gauge family over one column of lat_series.counts, or over
 * consecutive columns told apart by a label (`label`="values[i]").
 */
struct column {
	const struct family *f;
	size_t first;
	const char *label;
	const char *const *values; /* NULL-terminated; NULL: no label */
	bool ns;		   /* counts are nanoseconds, written as seconds */
	bool zero_unknown;	   /* a gauge of 0 means "not read yet": left out */
};

/*
 * A label group whose values are capped: the first `cap` distinct keys get
 * series of their own for the rest of the trace, later ones are folded.
 */
struct fold_table {
	const char *family; /* as latscope_metrics_folded_total names it */
	char **admitted, **folded;
	int n_admitted, n_folded;
	struct lat_stats other; /* this render's folded rows, merged */
	struct lat_series other_series;
	bool other_used;
};

enum fold_group {
	FOLD_SYSCALLS,
	FOLD_REQUESTS,
	FOLD_UPSTREAMS,
	FOLD_FUNCTIONS,
	FOLD_PROCESSES,
	FOLD_TARGETS,
	FOLD_GROUPS,
};

struct metrics_exporter {
	__u64 bounds_ns[METRICS_MAX_BOUNDS];
	char le[METRICS_MAX_BOUNDS][24]; /* the bounds as label values */
	int n_bounds, series_cap;
	struct fold_table folds[FOLD_GROUPS];
	struct lat_series *series; /* series_cap + 1, reused per section */
	int n_series;
	__u64 prog_runs[OVERHEAD_MAX_PROGS], prog_ns[OVERHEAD_MAX_PROGS];
	char (*pids)[12]; /* label text of the resource rows */
	int n_pids;
};

bool fold_admit(struct fold_table *t, int cap, const char *key);
void series_begin(struct metrics_exporter *mx, struct fold_table *t);
void series_add(struct metrics_exporter *mx, struct fold_table *t, const char *key,
		const struct lat_series *row);
void series_end(struct metrics_exporter *mx, struct fold_table *t);
const char *u64_str(__u64 v, char *buf, size_t len);
void write_sample(struct writer *w, const char *name, const char *suffix,
		  const struct label *labels, int n, const char *le, const char *value);
void write_header(struct writer *w, const struct family *f);
void write_counter(struct writer *w, const struct family *f, const struct label *labels, int n,
		   const char *value);
void write_histogram(struct metrics_exporter *mx, struct writer *w, const struct family *f,
		     const struct lat_series *s);
void write_latency_families(struct metrics_exporter *mx, struct writer *w,
			    const struct family *duration, const struct family *errors);
void write_column(struct metrics_exporter *mx, struct writer *w, const struct column *c);
void write_columns(struct metrics_exporter *mx, struct writer *w, const struct column *columns,
		   size_t n);

/* The per-process resource families (resources.c). */
void render_resources(struct metrics_exporter *mx, struct writer *w, struct model *model);

#endif
