/*
 * Inside the metrics view: labelled series, folding past the series cap,
 * the labels that identify targets and processes, and the writer every
 * section renderer uses (exposition.c for latency sections, health and
 * targets; resources.c for the resource families). A writer is one of the
 * exposition formats: text and OpenMetrics (text_writer.c) or protobuf
 * (protobuf.c); sections never know which.
 */
#ifndef LATSCOPE_METRICS_SERIES_H
#define LATSCOPE_METRICS_SERIES_H

#include <stdbool.h>
#include <stdio.h>
#include "model/model.h"
#include "views/metrics/config.h"
#include "views/metrics/native.h"

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

/* How a sample's value is written: a count, or nanoseconds as seconds. */
/* What a sample's integer is: a count, nanoseconds (written as seconds), millionths. */
enum value_unit { AS_COUNT, AS_SECONDS, AS_MILLIONTHS };

struct writer;
struct lat_series;

struct writer_ops {
	int (*start)(struct writer *w); /* may be NULL */
	/* Starts family @f; every sample until the next call belongs to it. */
	void (*family)(struct writer *w, const struct family *f);
	/* One counter (name_total) or gauge sample, by the family's type. */
	void (*sample)(struct writer *w, const struct family *f, const struct label *labels, int n,
		       enum value_unit unit, __u64 value);
	void (*histogram)(struct writer *w, const struct family *f, const struct lat_series *s);
	/* After the last family: 0, or a negative errno. */
	int (*finish)(struct writer *w);
};

struct writer {
	const struct writer_ops *ops;
	struct metrics_exporter *mx; /* the classic ladder and the native map */
	FILE *out;
	bool openmetrics;    /* text writer: OpenMetrics 1.0 rather than 0.0.4 */
	struct pb_state *pb; /* protobuf writer's family being built */
};

extern const struct writer_ops text_writer_ops, protobuf_writer_ops;

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
	__u32 cuts[METRICS_MAX_BOUNDS];	 /* latscope buckets at or below each */
	char le[METRICS_MAX_BOUNDS][24]; /* the bounds as label values */
	int n_bounds, series_cap;
	bool pid_labels;
	__s32 native_map[HIST_BUCKETS];
	struct native_hist native; /* scratch of the protobuf writer */
	struct fold_table folds[FOLD_GROUPS];
	struct lat_series *series; /* series_cap + 1, reused per section */
	int n_series;
	__u64 prog_runs[OVERHEAD_MAX_PROGS], prog_ns[OVERHEAD_MAX_PROGS];
	struct process_group *groups; /* resources.c: processes by label set */
	int *group_of;		      /* each resource view's group */
	int n_groups, cap_groups;
};

bool fold_admit(struct fold_table *t, int cap, const char *key);
void series_begin(struct metrics_exporter *mx, struct fold_table *t);
void series_add(struct metrics_exporter *mx, struct fold_table *t, const char *key,
		const struct lat_series *row);
void series_end(struct metrics_exporter *mx, struct fold_table *t);
const char *u64_str(__u64 v, char *buf, size_t len);

/*
 * The labels that name a traced target's series (target_labels: target,
 * plus comm and pid for latscope_target_info) and a process's (comm, plus
 * pid with --metrics-pid). Kept here, in one place, because they decide
 * which series a restart keeps and which it replaces (README "Labels").
 * @buf holds label text; each returns the number of labels.
 */
#define TARGET_NAME_LEN (LATSCOPE_COMM_LEN + 12)
struct label_text {
	char target[TARGET_NAME_LEN];
	char pid[12];
};
int target_labels(const struct model *model, int i, bool with_pid, struct label *out,
		  struct label_text *buf);
int process_labels(const struct metrics_exporter *mx, const struct res_process *proc,
		   struct label *out, struct label_text *buf);

void write_header(struct writer *w, const struct family *f);
void write_value(struct writer *w, const struct family *f, const struct label *labels, int n,
		 enum value_unit unit, __u64 value);
void write_histogram(struct writer *w, const struct family *f, const struct lat_series *s);
void write_latency_families(struct metrics_exporter *mx, struct writer *w,
			    const struct family *duration, const struct family *errors);
void write_column(struct metrics_exporter *mx, struct writer *w, const struct column *c);
void write_columns(struct metrics_exporter *mx, struct writer *w, const struct column *columns,
		   size_t n);

/* The per-process resource families (resources.c). */
void render_resources(struct metrics_exporter *mx, struct writer *w, struct model *model);
void process_groups_free(struct metrics_exporter *mx);

#endif
