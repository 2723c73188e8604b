// Snapshot against snapshot: matching rows, judging changes.
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/key_index.h"
#include "judge/diff.h"
#include "judge/diff_stats.h"
#include "judge/expr.h"
#include "views/json/snapshot.h"

enum direction {
	WORSE_WHEN_HIGHER,    /* latencies: relative change */
	WORSE_WHEN_POINTS_UP, /* error rate: change in percentage points */
	INFORMATIONAL,	      /* rate: a regression only with its own threshold */
};

enum test {
	TEST_NONE,
	TEST_QUANTILE,
	TEST_MEAN,
	TEST_ERRORS,
};

/* The compared metrics; names are the expression language's (expr_fields.c). */
static const struct diff_metric {
	const char *name;
	double quantile; /* needs 1/(1-q) samples on both sides; 0: none */
	enum direction direction;
	double default_limit; /* < 0: the general --max-regression */
	enum test test;
} metrics[DIFF_MAX_METRICS] = {
	{ "p50", 0.5, WORSE_WHEN_HIGHER, -1, TEST_QUANTILE },
	{ "p90", 0.9, WORSE_WHEN_HIGHER, -1, TEST_QUANTILE },
	{ "p95", 0.95, WORSE_WHEN_HIGHER, -1, TEST_QUANTILE },
	{ "p99", 0.99, WORSE_WHEN_HIGHER, -1, TEST_QUANTILE },
	{ "p999", 0.999, WORSE_WHEN_HIGHER, -1, TEST_QUANTILE },
	{ "mean", 0, WORSE_WHEN_HIGHER, -1, TEST_MEAN },
	{ "error_rate", 0, WORSE_WHEN_POINTS_UP, 0.01, TEST_ERRORS },
	{ "rate", 0, INFORMATIONAL, -1, TEST_NONE },
};

/*
 * Syscalls whose time is waiting for work, not doing it: a quieter run
 * makes them slower. Compared and shown, never a verdict unless asked.
 */
static const char *const idle_syscalls[] = {
	"accept",	  "accept4",	   "epoll_wait",      "epoll_pwait",	 "epoll_pwait2",
	"poll",		  "ppoll",	   "select",	      "pselect6",	 "futex",
	"futex_waitv",	  "nanosleep",	   "clock_nanosleep", "wait4",		 "waitid",
	"pause",	  "rt_sigsuspend", "rt_sigtimedwait", "io_getevents",	 "io_pgetevents",
	"io_uring_enter", "msgrcv",	   "semtimedop",      "mq_timedreceive",
};

/* Linux's default ip_local_port_range: ports a peer or listener got by chance. */
#define EPHEMERAL_LOW  32768
#define EPHEMERAL_HIGH 60999

void diff_opts_init(struct diff_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->max_regression = 0.10;
	opts->min_count = 10;
	opts->alpha = 0.01;
	for (int i = 0; i < DIFF_MAX_METRICS; i++)
		opts->per_metric[i] = -1;
}

bool diff_is_idle_syscall(const char *name)
{
	for (size_t i = 0; i < sizeof(idle_syscalls) / sizeof(idle_syscalls[0]); i++)
		if (!strcmp(name, idle_syscalls[i]))
			return true;
	return false;
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

/* How much worse @new is than @old, in the unit its limit is written in. */
static double worsening(int i, double old, double new)
{
	switch (metrics[i].direction) {
	case WORSE_WHEN_POINTS_UP:
		return new - old;
	case INFORMATIONAL: /* a rate given a threshold: a drop is worse */
		return old > 0 ? (old - new) / old : 0;
	default:
		return old > 0 ? (new - old) / old : 0;
	}
}

/* Everything one comparison needs, and what it adds up to. */
struct diff_run {
	const struct diff_opts *opts;
	json_t *rows, *skipped, *idle;
	int regressions, improvements, compared, rows_compared;
	struct lat_stats *stats[2]; /* scratch: the pair's histograms */
};

/* p-value of metric @i's change; NAN when the rows have no histograms. */
static double p_value(struct diff_run *run, int i, const json_t *old_row, const json_t *new_row,
		      bool have_hists)
{
	switch (metrics[i].test) {
	case TEST_QUANTILE:
		return have_hists
			       ? diff_p_quantile(run->stats[0], run->stats[1], metrics[i].quantile)
			       : NAN;
	case TEST_MEAN:
		return have_hists ? diff_p_mean(run->stats[0], run->stats[1]) : NAN;
	case TEST_ERRORS:
		return diff_p_proportion(json_number_value(json_object_get(old_row, "errors")),
					 row_count(old_row),
					 json_number_value(json_object_get(new_row, "errors")),
					 row_count(new_row));
	default:
		return NAN;
	}
}

static const char *judge_metric(struct diff_run *run, int i, double old, double new, double p,
				bool idle)
{
	double limit = limit_of(run->opts, i), worse = worsening(i, old, new);
	bool beyond = limit >= 0 && fabs(worse) > limit;

	if (!beyond)
		return "unchanged";
	if (!isnan(p) && p >= run->opts->alpha)
		return "noise";
	if (idle)
		return "idle";
	if (worse > 0) {
		run->regressions++;
		return "regression";
	}
	run->improvements++;
	return "improvement";
}

static void compare_metric(struct diff_run *run, int i, const json_t *old_row,
			   const json_t *new_row, bool have_hists, bool idle, json_t *where)
{
	const struct metric_def *m = metric_def(metrics[i].name);
	double old, new, limit = limit_of(run->opts, i), p;
	double need = metrics[i].quantile ? ceil(1 / (1 - metrics[i].quantile) - 1e-9) : 0;
	const char *verdict;
	json_t *r;

	if (!m || expr_row_value(m, old_row, &old) || expr_row_value(m, new_row, &new))
		return;
	if (row_count(old_row) < need || row_count(new_row) < need)
		return;
	p = p_value(run, i, old_row, new_row, have_hists);
	verdict = judge_metric(run, i, old, new, p, idle);
	run->compared++;
	if (!run->opts->all && !strcmp(verdict, "unchanged"))
		return;
	r = json_pack("{s:s, s:f, s:f, s:o, s:o, s:o, s:s, s:b}", "metric", m->name, "old", old,
		      "new", new, "change", old != 0 ? json_real((new - old) / old) : json_null(),
		      "limit", limit >= 0 ? json_real(limit) : json_null(), "p_value",
		      isnan(p) ? json_null() : json_real(p), "verdict", verdict, "regression",
		      !strcmp(verdict, "regression"));
	json_object_update(r, where);
	json_array_append_new(run->rows, r);
}

static void add_skip(json_t *skipped, const char *section, const char *key, const char *reason)
{
	json_array_append_new(skipped, json_pack("{s:s, s:s, s:s}", "section", section, "key", key,
						 "reason", reason));
}

static void diff_row(struct diff_run *run, const char *section, const struct expr_row *a,
		     const struct expr_row *b)
{
	bool idle = !run->opts->include_idle && !strcmp(section, "syscalls") &&
		    diff_is_idle_syscall(a->key);
	bool have_hists;
	json_t *where;

	if (row_count(a->row) < run->opts->min_count || row_count(b->row) < run->opts->min_count) {
		add_skip(run->skipped, section, a->key, "too few samples");
		return;
	}
	have_hists = !snapshot_row_stats(a->row, run->stats[0]) &&
		     !snapshot_row_stats(b->row, run->stats[1]);
	where = json_pack("{s:s, s:s}", "section", section, "key", a->key);
	if (strcmp(a->key, b->key))
		json_object_set_new(where, "new_key", json_string(b->key));
	if (idle) {
		json_object_set_new(where, "idle", json_true());
		json_array_append_new(run->idle, json_string(a->key));
	}
	run->rows_compared++;
	for (int i = 0; i < DIFF_MAX_METRICS; i++)
		compare_metric(run, i, a->row, b->row, have_hists, idle, where);
	json_decref(where);
}

/* One snapshot's rows of a section, with what matching needs. */
struct side {
	struct expr_row *rows;
	int n;
	int *parent;	    /* the group a row sits in; its own index for a group */
	bool *used;	    /* paired already */
	const char **keys;  /* rows[i].key */
	const char **names; /* rows inside groups: their name; groups: NULL */
	char **ids;	    /* groups: their service identity (see group_id) */
	struct key_index by_key, by_name, by_id;
	int *pair; /* the other side's row paired with this one, or -1 */
};

/*
 * What a group is across runs: a listener's protocol and port, a peer's
 * address, port and protocol, where a port in the ephemeral range counts
 * as any port ("*"): a service restarted on a port of chance is the same
 * service, 127.0.0.1:5432 and 127.0.0.1:6379 are not.
 */
static char *group_id(const json_t *g)
{
	const char *addr = json_string_value(json_object_get(g, "addr"));
	const char *proto = json_string_value(json_object_get(g, "protocol"));
	json_int_t port = json_integer_value(json_object_get(g, "port"));
	char sport[24], *id;

	if (port >= EPHEMERAL_LOW && port <= EPHEMERAL_HIGH)
		snprintf(sport, sizeof(sport), "*");
	else
		snprintf(sport, sizeof(sport), "%lld", (long long)port);
	if (asprintf(&id, "%s:%s/%s", addr ? addr : "", sport, proto ? proto : "") < 0)
		return NULL;
	return id;
}

static void side_free(struct side *s)
{
	for (int i = 0; s->ids && i < s->n; i++)
		free(s->ids[i]);
	key_index_free(&s->by_key);
	key_index_free(&s->by_name);
	key_index_free(&s->by_id);
	free(s->rows);
	free(s->parent);
	free(s->used);
	free(s->keys);
	free(s->names);
	free(s->ids);
	free(s->pair);
}

static int side_init(struct side *s, const struct section_def *def, const json_t *section)
{
	int group = -1;

	memset(s, 0, sizeof(*s));
	if (expr_section_rows(def, section, &s->rows, &s->n))
		return -ENOMEM;
	s->parent = calloc(s->n + 1, sizeof(*s->parent));
	s->used = calloc(s->n + 1, sizeof(*s->used));
	s->keys = calloc(s->n + 1, sizeof(*s->keys));
	s->names = calloc(s->n + 1, sizeof(*s->names));
	s->ids = calloc(s->n + 1, sizeof(*s->ids));
	s->pair = calloc(s->n + 1, sizeof(*s->pair));
	if (!s->parent || !s->used || !s->keys || !s->names || !s->ids || !s->pair)
		return -ENOMEM;
	for (int i = 0; i < s->n; i++) {
		const struct expr_row *r = &s->rows[i];

		if (r->group)
			group = i;
		s->parent[i] = group;
		s->pair[i] = -1;
		s->keys[i] = r->key;
		s->names[i] = r->group ? NULL : r->name;
		if (r->group && def->layout && !(s->ids[i] = group_id(r->row)))
			return -ENOMEM;
	}
	if (key_index_build(&s->by_key, s->keys, s->n) ||
	    key_index_build(&s->by_name, s->names, s->n) ||
	    key_index_build(&s->by_id, (const char *const *)s->ids, s->n))
		return -ENOMEM;
	return 0;
}

/* Unpaired rows of @s holding @key in @ix: how many; *at is one of them. */
static int unpaired(const struct side *s, const struct key_index *ix, const char *key, int *at)
{
	int hits = 0;

	for (int i = key_index_first(ix, key); i >= 0; i = key_index_next(ix, i, key)) {
		if (!s->used[i]) {
			hits++;
			*at = i;
		}
	}
	return hits;
}

static void pair(struct side *a, struct side *b, int i, int j)
{
	a->used[i] = b->used[j] = true;
	a->pair[i] = j;
	b->pair[j] = i;
}

/* Pairs the unpaired rows of @a whose @text (in @ix of each side) is unique on both. */
static void pair_unique(struct side *a, struct side *b, const char **text_a,
			const struct key_index *ix_a, const struct key_index *ix_b)
{
	for (int i = 0; i < a->n; i++) {
		int self, j = -1;

		if (a->used[i] || !text_a[i] || unpaired(a, ix_a, text_a[i], &self) != 1 ||
		    unpaired(b, ix_b, text_a[i], &j) != 1)
			continue;
		pair(a, b, i, j);
	}
}

/* Rows of groups paired by identity: by name inside the group pair. */
static void pair_inside_groups(struct side *a, struct side *b)
{
	for (int i = 0; i < a->n; i++) {
		int g = a->parent[i], want;

		if (a->used[i] || !a->names[i] || g < 0 || (want = a->pair[g]) < 0)
			continue;
		for (int j = key_index_first(&b->by_name, a->names[i]); j >= 0;
		     j = key_index_next(&b->by_name, j, a->names[i])) {
			if (!b->used[j] && b->parent[j] == want) {
				pair(a, b, i, j);
				break;
			}
		}
	}
}

/*
 * Pairs rows by key (":8080 GET /x"); then groups left over by service
 * identity and the rows inside them by name; then rows inside groups by
 * name alone when it is unique on both sides (an endpoint served on
 * another port). Diffs each pair.
 */
static void diff_section(struct diff_run *run, const struct section_def *s, const json_t *old_s,
			 const json_t *new_s)
{
	static const char *const alone[] = { "only in the base snapshot",
					     "only in the new snapshot" };
	struct side sides[2];
	int err;

	err = side_init(&sides[0], s, old_s);
	err = err ?: side_init(&sides[1], s, new_s);
	if (!err) {
		pair_unique(&sides[0], &sides[1], sides[0].keys, &sides[0].by_key,
			    &sides[1].by_key);
		pair_unique(&sides[0], &sides[1], (const char **)sides[0].ids, &sides[0].by_id,
			    &sides[1].by_id);
		pair_inside_groups(&sides[0], &sides[1]);
		pair_unique(&sides[0], &sides[1], sides[0].names, &sides[0].by_name,
			    &sides[1].by_name);
		for (int i = 0; i < sides[0].n; i++)
			if (sides[0].pair[i] >= 0)
				diff_row(run, s->name, &sides[0].rows[i],
					 &sides[1].rows[sides[0].pair[i]]);
		for (int side = 0; side < 2; side++)
			for (int i = 0; i < sides[side].n; i++)
				if (!sides[side].used[i])
					add_skip(run->skipped, s->name, sides[side].rows[i].key,
						 alone[side]);
	}
	side_free(&sides[0]);
	side_free(&sides[1]);
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

/* Rows of latency section @name in @snap; 0 when absent. */
static int section_size(const char *name, const json_t *snap)
{
	const json_t *obj = json_object_get(snap, name);
	struct section_def plain;
	const struct section_def *s = expr_latency_section(name, obj, &plain);
	struct expr_row *rows = NULL;
	int n = 0;

	if (s && !expr_section_rows(s, obj, &rows, &n)) {
		free(rows);
		return n;
	}
	free(rows);
	return 0;
}

/*
 * Latency sections with rows on one side only: a run that lost its data
 * (a crashed service, a forgotten -u, a snapshot of nothing) must not pass
 * a regression gate by having nothing to compare.
 */
static json_t *missing_sections(const json_t *base, const json_t *next, int *rows_seen)
{
	const json_t *snaps[2] = { base, next };
	json_t *missing = json_array(), *v;
	const char *name;

	*rows_seen = 0;
	for (int side = 0; side < 2; side++) {
		json_object_foreach ((json_t *)snaps[side], name, v) {
			int here = section_size(name, snaps[side]);
			int there = section_size(name, snaps[!side]);

			*rows_seen += here;
			if (here && !there)
				json_array_append_new(missing,
						      json_pack("{s:s, s:s, s:i}", "section", name,
								"missing_in", side ? "base" : "new",
								"rows", here));
		}
	}
	return missing;
}

json_t *diff_snapshots(const json_t *base, const json_t *next, const struct diff_opts *opts)
{
	struct diff_run run = { .opts = opts };
	json_t *old_s, *missing, *result = NULL;
	struct section_def plain;
	const char *name, *verdict;
	int rows_seen;

	run.rows = json_array();
	run.skipped = json_array();
	run.idle = json_array();
	run.stats[0] = malloc(sizeof(*run.stats[0]));
	run.stats[1] = malloc(sizeof(*run.stats[1]));
	if (!run.rows || !run.skipped || !run.idle || !run.stats[0] || !run.stats[1])
		goto out;
	json_object_foreach ((json_t *)base, name, old_s) {
		const json_t *new_s = json_object_get(next, name);
		const struct section_def *s = expr_latency_section(name, old_s, &plain);

		if (s && json_is_object(new_s))
			diff_section(&run, s, old_s, new_s);
	}
	missing = missing_sections(base, next, &rows_seen);
	if (run.regressions)
		verdict = "regression";
	else if (!opts->allow_missing && (json_array_size(missing) || !rows_seen))
		verdict = "no_data";
	else
		verdict = "pass";
	result = json_pack("{s:s, s:i, s:s, s:o, s:i, s:f, s:b, s:i, s:i, s:i, s:i, s:o, s:o, "
			   "s:o, s:o}",
			   "schema", "latscope.diff", "version", 1, "verdict", verdict,
			   "thresholds", thresholds_json(opts), "min_count", (int)opts->min_count,
			   "alpha", opts->alpha, "include_idle", opts->include_idle, "regressions",
			   run.regressions, "improvements", run.improvements, "rows_compared",
			   run.rows_compared, "metrics_compared", run.compared, "missing", missing,
			   "idle", run.idle, "rows", run.rows, "skipped", run.skipped);
	run.rows = run.skipped = run.idle = NULL;
out:
	json_decref(run.rows);
	json_decref(run.skipped);
	json_decref(run.idle);
	free(run.stats[0]);
	free(run.stats[1]);
	return result;
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

static const char *p_text(const json_t *row, char *buf, size_t len)
{
	const json_t *p = json_object_get(row, "p_value");

	if (!json_is_number(p))
		snprintf(buf, len, "-");
	else if (json_number_value(p) < 0.001)
		snprintf(buf, len, "<0.001");
	else
		snprintf(buf, len, "%.3f", json_number_value(p));
	return buf;
}

static int count_of(const json_t *result, const char *key)
{
	return (int)json_integer_value(json_object_get(result, key));
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

static void print_verdict(FILE *out, const json_t *result)
{
	const char *verdict = json_string_value(json_object_get(result, "verdict"));
	const json_t *missing = json_object_get(result, "missing"), *m;
	int regressions = count_of(result, "regressions");
	int improvements = count_of(result, "improvements");
	int rows = count_of(result, "rows_compared");
	size_t i;

	if (!strcmp(verdict, "no_data")) {
		fprintf(out, "FAIL: no data to compare:");
		if (!json_array_size(missing))
			fprintf(out, " no latency rows in either snapshot");
		json_array_foreach (missing, i, m) {
			bool in_new =
				!strcmp(json_string_value(json_object_get(m, "missing_in")), "new");
			const char *file =
				json_string_value(json_object_get(result, in_new ? "new" : "base"));

			fprintf(out, "%s %s has no %s (%s: %d rows)", i ? ";" : "",
				file ? file : (in_new ? "new" : "base"),
				json_string_value(json_object_get(m, "section")),
				in_new ? "base" : "new", count_of(m, "rows"));
		}
		fprintf(out, " (--allow-missing to accept)\n");
		return;
	}
	fprintf(out, "%s: %d regression%s, %d improvement%s in %d compared row%s\n",
		strcmp(verdict, "regression") ? "PASS" : "REGRESSION", regressions,
		plural(regressions), improvements, plural(improvements), rows, plural(rows));
	json_array_foreach (missing, i, m)
		fprintf(out, "note: %s only in the %s snapshot (allowed)\n",
			json_string_value(json_object_get(m, "section")),
			strcmp(json_string_value(json_object_get(m, "missing_in")), "new")
				? "new"
				: "base");
}

static void print_rows(FILE *out, const json_t *rows)
{
	const json_t *row;
	size_t i;

	fprintf(out, "%-10s %-24s %-10s %10s %10s %10s %7s  %s\n", "SECTION", "KEY", "METRIC",
		"OLD", "NEW", "CHANGE", "P", "VERDICT");
	json_array_foreach (rows, i, row) {
		const struct metric_def *m =
			metric_def(json_string_value(json_object_get(row, "metric")));
		const char *new_key = json_string_value(json_object_get(row, "new_key"));
		char a[32], b[32], c[32], p[16], key[512], verdict[16];

		snprintf(key, sizeof(key), "%s%s%s", json_string_value(json_object_get(row, "key")),
			 new_key ? " => " : "", new_key ? new_key : "");
		snprintf(verdict, sizeof(verdict), "%s",
			 json_string_value(json_object_get(row, "verdict")));
		for (char *v = verdict; *v; v++)
			*v = (char)toupper((unsigned char)*v);
		fprintf(out, "%-10s %-24s %-10s %10s %10s %10s %7s  %s\n",
			json_string_value(json_object_get(row, "section")), key, m->name,
			expr_format_value(json_number_value(json_object_get(row, "old")), m->dim, a,
					  sizeof(a)),
			expr_format_value(json_number_value(json_object_get(row, "new")), m->dim, b,
					  sizeof(b)),
			change_text(row, m->dim, c, sizeof(c)), p_text(row, p, sizeof(p)), verdict);
	}
}

void diff_print(FILE *out, const json_t *result)
{
	const json_t *rows = json_object_get(result, "rows"),
		     *idle = json_object_get(result, "idle");
	size_t n_skipped = json_array_size(json_object_get(result, "skipped"));

	print_verdict(out, result);
	if (json_array_size(rows))
		print_rows(out, rows);
	if (n_skipped)
		fprintf(out,
			"%zu rows not compared (too few samples, or in one snapshot only; see --json)\n",
			n_skipped);
	if (json_array_size(idle)) {
		const json_t *name;
		size_t i;

		fprintf(out, "not judged, blocking syscalls:");
		json_array_foreach (idle, i, name)
			fprintf(out, "%s %s", i ? "," : "", json_string_value(name));
		fprintf(out, " (--include-idle judges them)\n");
	}
}
