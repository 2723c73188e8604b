/*
 * What an expression's paths mean: THE table from expression names to
 * snapshot fields (`syscalls.read.p99` -> snapshot.syscalls.read.p99_ns),
 * with each metric's dimension. New snapshot sections join the language by
 * adding a row to `sections[]` in expr_fields.c.
 */
#ifndef LATSCOPE_EXPR_FIELDS_H
#define LATSCOPE_EXPR_FIELDS_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* What a number measures: comparing different dimensions is an error. */
enum expr_dim {
	DIM_NONE,     /* a count or a plain number */
	DIM_TIME,     /* nanoseconds */
	DIM_FRACTION, /* 0.01 == 1% */
	DIM_BYTES,
	DIM_RATE, /* per second */
};

enum metric_kind {
	METRIC_FIELD, /* a snapshot field times `scale` */
	METRIC_RATIO, /* field / count of the same row (error_rate, mean) */
};

/*
 * How a metric combines over several rows: no key on a keyed section (only
 * COMBINE_SUM metrics may be written so), or one key naming several rows
 * (an endpoint served on two ports, two processes of one name). A
 * percentile takes the largest row's value: an upper bound of the merged
 * percentile, so a `<` requirement that passes holds for the merge too.
 */
enum metric_combine {
	COMBINE_LARGEST,  /* percentiles, max */
	COMBINE_SUM,	  /* counts, totals, rates (ratios: sum / sum) */
	COMBINE_SMALLEST, /* min */
};

struct metric_def {
	const char *name; /* in expressions */
	enum metric_kind kind;
	const char *field; /* dotted path inside the row or section object */
	double scale;	   /* snapshot unit -> expression unit */
	enum expr_dim dim;
	enum metric_combine combine;
};

/*
 * Rows that sit in arrays of groups rather than in an object keyed by
 * name (syscalls). A group's key is its `group_key` member with `prefix`
 * (":8080", "127.0.0.1:5432", "nginx"); a row inside it is keyed
 * "GROUP NAME" (":8080 GET /x") and also matches by NAME alone, over
 * every group. Aggregates (no key) sum the groups, not their rows.
 */
struct rows_def {
	const char *groups;    /* array in the section: "servers" */
	const char *group_key; /* member naming a group: "port" */
	const char *prefix;    /* put before it: ":" */
	const char *rows;      /* array in each group: "endpoints"; NULL: none */
	const char *row_key;   /* member naming a row: "endpoint" */
};

struct section_def {
	const char *name;		  /* in expressions */
	const char *json_key;		  /* top-level key of the snapshot */
	bool keyed;			  /* rows keyed by name (syscalls, requests) */
	const struct metric_def *metrics; /* NULL-name terminated */
	const struct rows_def *layout;	  /* NULL: an object keyed by name */
};

struct expr_live_row;

/*
 * One row of a keyed section, however the snapshot nests it: an object of
 * a snapshot, or the same row read live from a model's window
 * (judge/expr_model.h); its fields are named alike either way.
 */
struct expr_row {
	char key[256];	   /* ":8080 GET /x", "read" */
	const char *name;  /* "GET /x" for a row in a group, else key */
	const json_t *row; /* NULL: a live row */
	const struct expr_live_row *live;
	bool group; /* a group (or a plain row): aggregates sum these */
};

/* A resolved path: section, optional row key, metric. */
struct field_ref {
	const struct section_def *section;
	const char *key; /* NULL: not keyed, or summed over every row */
	const struct metric_def *metric;
};

/*
 * Every row of keyed section @s in @section (its snapshot object), in
 * snapshot order (a group, then its rows). *rows is malloc'ed (free() it); 0 rows is fine.
 */
int expr_section_rows(const struct section_def *s, const json_t *section, struct expr_row **rows,
		      int *n);
/*
 * The table's latency section stored under @json_key (syscalls, requests,
 * upstreams, functions), or any other object of latency rows, described
 * in @plain; NULL for anything else. What diff and live windows walk.
 */
const struct section_def *expr_latency_section(const char *json_key, const json_t *section,
					       struct section_def *plain);

/* The metrics of a latency row (syscalls, requests, ...), for diff too. */
extern const struct metric_def expr_latency_metrics[];

const struct section_def *expr_find_section(const char *name);
const struct metric_def *expr_find_metric(const struct section_def *s, const char *name);
/* "a, b, c": the names a user may write, for error messages. */
void expr_section_names(char *buf, size_t len);
void expr_metric_names(const struct section_def *s, bool aggregate, char *buf, size_t len);
/*
 * The value of @ref in @snap: 0, or -ENODATA with a one-line reason when
 * the section, row or field is absent from this snapshot.
 */
int expr_field_value(const struct field_ref *ref, const json_t *snap, double *value, char *why,
		     size_t len);
/* One metric of one row object; -ENODATA when absent. */
int expr_row_value(const struct metric_def *m, const json_t *row, double *value);
/* The same for a row of either kind. */
int expr_metric_of(const struct metric_def *m, const struct expr_row *row, double *value);
/*
 * The value of @ref (a keyed section) over rows however they were read:
 * the row @ref->key names, or the rows it combines; -ENODATA with a
 * one-line reason when none has it.
 */
int expr_rows_value(const struct field_ref *ref, const struct expr_row *rows, int n, double *value,
		    char *why, size_t len);
/*
 * A field of a live row (judge/expr_model.c): the same names a snapshot
 * row has ("p99_ns", "cpu.cpu_share"); -ENODATA when it has none.
 */
int expr_live_number(const struct expr_live_row *row, const char *path, double *value);

#endif
