// Snapshot against snapshot: matching rows, judging changes.
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge/diff.h"
#include "judge/expr.h"

enum direction {
	WORSE_WHEN_HIGHER,    /* latencies: relative change */
	WORSE_WHEN_POINTS_UP, /* error rate: change in percentage points */
	INFORMATIONAL,	      /* rate: a regression only with its own threshold */
};

/* The compared metrics; names are the expression language's (expr_fields.c). */
static const struct diff_metric {
	const char *name;
	double quantile; /* needs 1/(1-q) samples on both sides; 0: none */
	enum direction direction;
	double default_limit; /* < 0: the general --max-regression */
} metrics[DIFF_MAX_METRICS] = {
	{ "p50", 0.5, WORSE_WHEN_HIGHER, -1 },		 { "p90", 0.9, WORSE_WHEN_HIGHER, -1 },
	{ "p95", 0.95, WORSE_WHEN_HIGHER, -1 },		 { "p99", 0.99, WORSE_WHEN_HIGHER, -1 },
	{ "p999", 0.999, WORSE_WHEN_HIGHER, -1 },	 { "mean", 0, WORSE_WHEN_HIGHER, -1 },
	{ "error_rate", 0, WORSE_WHEN_POINTS_UP, 0.01 }, { "rate", 0, INFORMATIONAL, -1 },
};

void diff_opts_init(struct diff_opts *opts)
{
	opts->max_regression = 0.10;
	opts->min_count = 20;
	for (int i = 0; i < DIFF_MAX_METRICS; i++)
		opts->per_metric[i] = -1;
}

static int parse_percent(const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "%"))
		v /= 100;
	else if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int diff_opts_threshold(struct diff_opts *opts, const char *arg, char *why, size_t len)
{
	const char *eq = strchr(arg, '=');
	double v;

	if (parse_percent(eq ? eq + 1 : arg, &v)) {
		snprintf(why, len, "invalid --max-regression '%s': expected 10%% or p99=5%%", arg);
		return -EINVAL;
	}
	if (!eq) {
		opts->max_regression = v;
		return 0;
	}
	for (int i = 0; i < DIFF_MAX_METRICS; i++) {
		if (strlen(metrics[i].name) == (size_t)(eq - arg) &&
		    !strncmp(arg, metrics[i].name, eq - arg)) {
			opts->per_metric[i] = v;
			return 0;
		}
	}
	snprintf(why, len,
		 "invalid --max-regression '%s': unknown metric "
		 "(p50, p90, p95, p99, p999, mean, error_rate, rate)",
		 arg);
	return -EINVAL;
}

static const struct metric_def *metric_def(const char *name)
{
	for (const struct metric_def *m = expr_latency_metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static double row_count(const json_t *row)
{
	return json_number_value(json_object_get(row, "count"));
}

/* The limit a metric is judged by; < 0: never a regression. */
static double limit_of(const struct diff_opts *opts, int i)
{
	if (opts->per_metric[i] >= 0)
		return opts->per_metric[i];
	if (metrics[i].direction == INFORMATIONAL)
		return -1;
	return metrics[i].default_limit >= 0 ? metrics[i].default_limit : opts->max_regression;
}

static bool is_regression(int i, double old, double new, double limit)
{
	if (limit < 0)
		return false;
	switch (metrics[i].direction) {
	case WORSE_WHEN_POINTS_UP:
		return new - old > limit;
	case INFORMATIONAL: /* a rate given a threshold: a drop is worse */
		return old > 0 && (old - new) / old > limit;
	default:
		return old > 0 && (new - old) / old > limit;
	}
}

static json_t *compare_metric(int i, const json_t *old_row, const json_t *new_row,
			      const struct diff_opts *opts, int *regressions)
{
	const struct metric_def *m = metric_def(metrics[i].name);
	double old, new, limit = limit_of(opts, i);
	double need = metrics[i].quantile ? ceil(1 / (1 - metrics[i].quantile) - 1e-9) : 0;
	bool regression;

	if (!m || expr_row_value(m, old_row, &old) || expr_row_value(m, new_row, &new))
		return NULL;
	if (row_count(old_row) < need || row_count(new_row) < need)
		return NULL;
	regression = is_regression(i, old, new, limit);
	*regressions += regression;
	return json_pack("{s:s, s:f, s:f, s:o, s:o, s:b}", "metric", m->name, "old", old, "new",
			 new, "change", old != 0 ? json_real((new - old) / old) : json_null(),
			 "limit", limit >= 0 ? json_real(limit) : json_null(), "regression",
			 regression);
}

static void add_skip(json_t *skipped, const char *section, const char *key, const char *reason)
{
	json_array_append_new(skipped, json_pack("{s:s, s:s, s:s}", "section", section, "key", key,
						 "reason", reason));
}

static void diff_row(const char *section, const char *key, const json_t *old_row,
		     const json_t *new_row, const struct diff_opts *opts, json_t *rows,
		     json_t *skipped, int *regressions)
{
	if (!new_row) {
		add_skip(skipped, section, key, "only in the base snapshot");
		return;
	}
	if (row_count(old_row) < opts->min_count || row_count(new_row) < opts->min_count) {
		add_skip(skipped, section, key, "too few samples");
		return;
	}
	for (int i = 0; i < DIFF_MAX_METRICS; i++) {
		json_t *r = compare_metric(i, old_row, new_row, opts, regressions);

		if (!r)
			continue;
		json_object_set_new(r, "section", json_string(section));
		json_object_set_new(r, "key", json_string(key));
		json_array_append_new(rows, r);
	}
}

/* Rows of @rows not yet matched whose @field is @text: how many, the last. */
static int unmatched(const struct expr_row *rows, int n, const bool *used, const char *text,
		     bool by_name, int *at)
{
	int hits = 0;

	for (int i = 0; i < n; i++) {
		if (used[i] || (by_name && rows[i].group))
			continue;
		if (!strcmp(by_name ? rows[i].name : rows[i].key, text)) {
			hits++;
			*at = i;
		}
	}
	return hits;
}

struct row_sides {
	struct expr_row *rows[2]; /* base, new */
	int n[2];
	bool *used[2];
};

/*
 * Pairs rows by key (":8080 GET /x"), then rows inside groups left over by
 * name alone when it is unique on both sides: the same endpoint served on
 * another port (a restarted service with an ephemeral port). Diffs each pair.
 */
static void pair_rows(const struct section_def *s, struct row_sides *rs, bool by_name,
		      const struct diff_opts *opts, json_t *rows, json_t *skipped, int *regressions)
{
	for (int i = 0; i < rs->n[0]; i++) {
		const struct expr_row *r = &rs->rows[0][i];
		const char *text = by_name ? r->name : r->key;
		int j = -1, self;

		if (rs->used[0][i] || (by_name && r->group) ||
		    unmatched(rs->rows[0], rs->n[0], rs->used[0], text, by_name, &self) != 1 ||
		    unmatched(rs->rows[1], rs->n[1], rs->used[1], text, by_name, &j) != 1)
			continue;
		rs->used[0][i] = rs->used[1][j] = true;
		diff_row(s->name, text, r->row, rs->rows[1][j].row, opts, rows, skipped,
			 regressions);
	}
}

static void diff_section(const struct section_def *s, const json_t *old_s, const json_t *new_s,
			 const struct diff_opts *opts, json_t *rows, json_t *skipped,
			 int *regressions)
{
	static const char *const alone[] = { "only in the base snapshot",
					     "only in the new snapshot" };
	struct row_sides rs = {};

	if (expr_section_rows(s, old_s, &rs.rows[0], &rs.n[0]) ||
	    expr_section_rows(s, new_s, &rs.rows[1], &rs.n[1]))
		goto out;
	rs.used[0] = calloc(rs.n[0] + 1, sizeof(bool));
	rs.used[1] = calloc(rs.n[1] + 1, sizeof(bool));
	if (!rs.used[0] || !rs.used[1])
		goto out;
	pair_rows(s, &rs, false, opts, rows, skipped, regressions);
	pair_rows(s, &rs, true, opts, rows, skipped, regressions);
	for (int side = 0; side < 2; side++)
		for (int i = 0; i < rs.n[side]; i++)
			if (!rs.used[side][i])
				add_skip(skipped, s->name, rs.rows[side][i].key, alone[side]);
out:
	for (int side = 0; side < 2; side++) {
		free(rs.rows[side]);
		free(rs.used[side]);
	}
}

static json_t *thresholds_json(const struct diff_opts *opts)
{
	json_t *t = json_pack("{s:f}", "default", opts->max_regression);

	for (int i = 0; i < DIFF_MAX_METRICS; i++) {
		double limit = limit_of(opts, i);

		json_object_set_new(t, metrics[i].name,
				    limit >= 0 ? json_real(limit) : json_null());
	}
	return t;
}

json_t *diff_snapshots(const json_t *base, const json_t *next, const struct diff_opts *opts)
{
	json_t *rows = json_array(), *skipped = json_array(), *old_s;
	struct section_def plain;
	int regressions = 0;
	const char *name;

	json_object_foreach ((json_t *)base, name, old_s) {
		const json_t *new_s = json_object_get(next, name);
		const struct section_def *s = expr_latency_section(name, old_s, &plain);

		if (s && json_is_object(new_s))
			diff_section(s, old_s, new_s, opts, rows, skipped, &regressions);
	}
	return json_pack("{s:s, s:i, s:o, s:i, s:i, s:o, s:o}", "schema", "latscope.diff",
			 "version", 1, "thresholds", thresholds_json(opts), "min_count",
			 (int)opts->min_count, "regressions", regressions, "rows", rows, "skipped",
			 skipped);
}

static const char *change_text(const json_t *row, enum expr_dim dim, char *buf, size_t len)
{
	const json_t *change = json_object_get(row, "change");
	double old = json_number_value(json_object_get(row, "old"));
	double new = json_number_value(json_object_get(row, "new"));

	if (dim == DIM_FRACTION)
		snprintf(buf, len, "%+.2fpt", (new - old) * 100);
	else if (json_is_number(change))
		snprintf(buf, len, "%+.1f%%", json_number_value(change) * 100);
	else
		snprintf(buf, len, "new");
	return buf;
}

void diff_print(FILE *out, const json_t *result)
{
	const json_t *rows = json_object_get(result, "rows");
	const json_t *row;
	size_t i, n_skipped = json_array_size(json_object_get(result, "skipped"));
	int regressions = json_integer_value(json_object_get(result, "regressions"));

	fprintf(out, "%-10s %-24s %-10s %10s %10s %10s\n", "SECTION", "KEY", "METRIC", "OLD", "NEW",
		"CHANGE");
	json_array_foreach (rows, i, row) {
		const struct metric_def *m =
			metric_def(json_string_value(json_object_get(row, "metric")));
		char a[32], b[32], c[32];

		fprintf(out, "%-10s %-24s %-10s %10s %10s %10s%s\n",
			json_string_value(json_object_get(row, "section")),
			json_string_value(json_object_get(row, "key")), m->name,
			expr_format_value(json_number_value(json_object_get(row, "old")), m->dim, a,
					  sizeof(a)),
			expr_format_value(json_number_value(json_object_get(row, "new")), m->dim, b,
					  sizeof(b)),
			change_text(row, m->dim, c, sizeof(c)),
			json_is_true(json_object_get(row, "regression")) ? "  REGRESSION" : "");
	}
	if (n_skipped)
		fprintf(out,
			"%zu rows not compared (too few samples, or in one snapshot only; see --json)\n",
			n_skipped);
	fprintf(out, "%d regression%s\n", regressions, regressions == 1 ? "" : "s");
}
