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
	DIM_NONE,	/* a count or a plain number */
	DIM_TIME,	/* nanoseconds */
	DIM_FRACTION,	/* 0.01 == 1% */
	DIM_BYTES,
	DIM_RATE,	/* per second */
};

enum metric_kind {
	METRIC_FIELD,		/* a snapshot field times `scale` */
	METRIC_RATIO,		/* field / count of the same row (error_rate, mean) */
};

struct metric_def {
	const char *name;	/* in expressions */
	enum metric_kind kind;
	const char *field;	/* dotted path inside the row or section object */
	double scale;		/* snapshot unit -> expression unit */
	enum expr_dim dim;
	bool summable;		/* summed over rows when no key is given */
};

struct section_def {
	const char *name;	/* in expressions */
	const char *json_key;	/* top-level key of the snapshot */
	bool keyed;		/* an object of rows keyed by name (syscalls) */
	const struct metric_def *metrics; /* NULL-name terminated */
};

/* A resolved path: section, optional row key, metric. */
struct field_ref {
	const struct section_def *section;
	const char *key;	/* NULL: not keyed, or summed over every row */
	const struct metric_def *metric;
};

/* The metrics of a latency row (syscalls, requests, ...), for diff too. */
extern const struct metric_def expr_latency_metrics[];

const struct section_def *expr_find_section(const char *name);
const struct metric_def *expr_find_metric(const struct section_def *s,
					  const char *name);
/* "a, b, c": the names a user may write, for error messages. */
void expr_section_names(char *buf, size_t len);
void expr_metric_names(const struct section_def *s, bool aggregate, char *buf,
		       size_t len);
/*
 * The value of @ref in @snap: 0, or -ENODATA with a one-line reason when
 * the section, row or field is absent from this snapshot.
 */
int expr_field_value(const struct field_ref *ref, const json_t *snap,
		     double *value, char *why, size_t len);
/* One metric of one row object; -ENODATA when absent. */
int expr_row_value(const struct metric_def *m, const json_t *row, double *value);

#endif
