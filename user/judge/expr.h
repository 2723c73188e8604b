/*
 * The assertion language of `check`, `--alert` and friends: a lexer, a
 * parser and an evaluator over a JSON snapshot (the renderer-neutral form
 * of the model) or a model's window read live. Pure: no I/O, no globals;
 * the grammar is in README.md.
 *
 *   syscalls.read.p99 < 1ms and requests["GET /api"].error_rate < 1%
 *
 * Every parse error carries the 1-based column of the mistake.
 */
#ifndef LATSCOPE_EXPR_H
#define LATSCOPE_EXPR_H

#include <jansson.h>
#include <stddef.h>
#include "judge/expr_fields.h"
#include "model/readings.h"

struct model;

struct expr;

struct expr_error {
	int column; /* 1-based, in the parsed text */
	char msg[160];
};

enum expr_verdict {
	EXPR_PASS,
	EXPR_FAIL,
	EXPR_NO_DATA, /* a valid path absent from this snapshot: fails */
};

/* One comparison's two sides, as numbers in the snapshot's units. */
struct expr_value {
	double measured, limit;
	bool measured_no_data, limit_no_data;
	enum expr_dim dim;
	const char *op; /* "<", ">=", ... */
};

#define EXPR_MAX_VALUES 8

struct expr_result {
	enum expr_verdict verdict;
	int n_values; /* the comparisons, in the order the text has them */
	struct expr_value values[EXPR_MAX_VALUES];
	char measured[128]; /* left sides of the comparisons, formatted */
	char limit[128];    /* "< 1ms", one per comparison */
	char reason[160];   /* why there is no data */
};

/* 0, or -EINVAL with @err filled; *out is then NULL. */
int expr_parse(const char *text, struct expr **out, struct expr_error *err);
void expr_free(struct expr *e);
/* The text the expression was parsed from. */
const char *expr_text(const struct expr *e);
/* Evaluates @e against @snapshot; never fails (no data is a verdict). */
void expr_eval(const struct expr *e, const json_t *snapshot, struct expr_result *res);
/* The same against @model's @window, read live (judge/expr_model.h). */
void expr_eval_live(const struct expr *e, struct model *model, enum model_window window,
		    struct expr_result *res);
const char *expr_verdict_name(enum expr_verdict v);

/* The unit of a dimension's numbers: "ns", "fraction", "bytes", "per_s", NULL. */
const char *expr_dim_unit(enum expr_dim dim);
/* A value in an expression's unit: 1.5e6 TIME -> "1.50ms". */
const char *expr_format_value(double v, enum expr_dim dim, char *buf, size_t len);

#endif
