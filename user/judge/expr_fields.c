// The expression-name -> snapshot-field table, and reading fields by it.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge/expr_fields.h"
#include "model/resources.h"

#define MAX_FIELD_PATH 128

/* Durations are nanoseconds in the snapshot and in expressions. */
const struct metric_def expr_latency_metrics[] = {
	{ "p50", METRIC_FIELD, "p50_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "p90", METRIC_FIELD, "p90_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "p95", METRIC_FIELD, "p95_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "p99", METRIC_FIELD, "p99_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "p999", METRIC_FIELD, "p999_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "min", METRIC_FIELD, "min_ns", 1, DIM_TIME, COMBINE_SMALLEST },
	{ "max", METRIC_FIELD, "max_ns", 1, DIM_TIME, COMBINE_LARGEST },
	{ "mean", METRIC_RATIO, "total_ns", 1, DIM_TIME, COMBINE_SUM },
	{ "total", METRIC_FIELD, "total_ns", 1, DIM_TIME, COMBINE_SUM },
	{ "count", METRIC_FIELD, "count", 1, DIM_NONE, COMBINE_SUM },
	{ "errors", METRIC_FIELD, "errors", 1, DIM_NONE, COMBINE_SUM },
	{ "rate", METRIC_FIELD, "rate_per_s", 1, DIM_RATE, COMBINE_SUM },
	{ "error_rate", METRIC_RATIO, "errors", 1, DIM_FRACTION, COMBINE_SUM },
	{ NULL },
};

static const struct metric_def overhead_metrics[] = {
	{ "kernel_cpu", METRIC_FIELD, "kernel_cpu_share", 1, DIM_FRACTION, COMBINE_LARGEST },
	{ "kernel_ns_per_s", METRIC_FIELD, "kernel_ns_per_s", 1, DIM_NONE, COMBINE_LARGEST },
	{ "filter_share", METRIC_FIELD, "other_process_share", 1, DIM_FRACTION, COMBINE_LARGEST },
	{ "loader_cpu", METRIC_FIELD, "loader.cpu_share", 1, DIM_FRACTION, COMBINE_LARGEST },
	{ "loader_rss", METRIC_FIELD, "loader.peak_rss_kb", 1024, DIM_BYTES, COMBINE_LARGEST },
	{ "records", METRIC_FIELD, "ringbuf.records", 1, DIM_NONE, COMBINE_LARGEST },
	{ "dropped", METRIC_FIELD, "ringbuf.dropped", 1, DIM_NONE, COMBINE_LARGEST },
	{ NULL },
};

static const struct metric_def time_metrics[] = {
	{ "duration", METRIC_FIELD, "duration_s", 1e9, DIM_TIME, COMBINE_LARGEST },
	{ NULL },
};

static const struct metric_def slow_metrics[] = {
	{ "reported", METRIC_FIELD, "reported", 1, DIM_NONE, COMBINE_LARGEST },
	{ NULL },
};

/*
 * Per traced process; without a key, summed over all of them. Made from
 * the resource family table: every field that names an expression, and
 * each family histogram's p99 as NAME_p99.
 */
#define RES_METRICS_MAX (RES_MAX_FAMILIES * 16 + RES_MAX_HISTS + 1)
static struct metric_def resource_metrics[RES_METRICS_MAX];

static enum expr_dim dim_of(enum res_unit unit)
{
	switch (unit) {
	case RES_UNIT_BYTES:
	case RES_UNIT_KIB:
		return DIM_BYTES;
	case RES_UNIT_NS:
		return DIM_TIME;
	case RES_UNIT_SHARE:
		return DIM_FRACTION;
	case RES_UNIT_RATE:
		return DIM_RATE;
	default:
		return DIM_NONE;
	}
}

static char *joined(const char *a, const char *b, const char *c)
{
	char *s;

	return asprintf(&s, "%s.%s%s", a, b, c) < 0 ? NULL : s;
}

/* Built before main(); the strings live as long as the program. */
__attribute__((constructor)) static void list_resource_metrics(void)
{
	int n = 0;

	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		for (int k = 0; k < f->n_fields && n < RES_METRICS_MAX - 1; k++) {
			const struct res_field *field = &f->fields[k];

			if (!field->expr)
				continue;
			resource_metrics[n++] = (struct metric_def){
				field->expr,
				METRIC_FIELD,
				joined(f->json, field->json, ""),
				field->unit == RES_UNIT_KIB ? 1024 : 1,
				dim_of(field->unit),
				COMBINE_SUM,
			};
		}
		for (int h = 0; h < f->n_hists && n < RES_METRICS_MAX - 1; h++) {
			char *name = NULL;

			if (asprintf(&name, "%s_p99", f->hists[h].name) < 0)
				continue;
			resource_metrics[n++] = (struct metric_def){
				name, METRIC_FIELD, joined(f->json, f->hists[h].json, ".p99_ns"),
				1,    DIM_TIME,	    COMBINE_LARGEST,
			};
		}
	}
}

/* Keys: ":8080" (a port), ":8080 GET /x", or "GET /x" on any port. */
static const struct rows_def served = { "servers", "port", ":", "endpoints", "endpoint" };
/* Keys: "127.0.0.1:5432" (a peer), "127.0.0.1:9000 GET /x", or "GET /x". */
static const struct rows_def called = { "peers", "peer", "", "endpoints", "endpoint" };
/* Keys: a process's comm ("nginx": every process of that name). */
static const struct rows_def processes = { "processes", "comm", "", NULL, NULL };

/* New snapshot sections join the language here, one row each. */
static const struct section_def sections[] = {
	{ "syscalls", "syscalls", true, expr_latency_metrics, NULL },
	{ "requests", "requests", true, expr_latency_metrics, &served },
	{ "upstreams", "upstreams", true, expr_latency_metrics, &called },
	{ "functions", "functions", true, expr_latency_metrics, NULL },
	{ "resources", "resources", true, resource_metrics, &processes },
	{ "overhead", "overhead", false, overhead_metrics, NULL },
	{ "time", "time", false, time_metrics, NULL },
	{ "slow_syscalls", "slow_syscalls", false, slow_metrics, NULL },
	{ NULL },
};

const struct section_def *expr_find_section(const char *name)
{
	for (const struct section_def *s = sections; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

const struct metric_def *expr_find_metric(const struct section_def *s, const char *name)
{
	for (const struct metric_def *m = s->metrics; m->name; m++)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static void append_name(char *buf, size_t len, const char *name)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, "%s%s", used ? ", " : "", name);
}

void expr_section_names(char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct section_def *s = sections; s->name; s++)
		append_name(buf, len, s->name);
}

void expr_metric_names(const struct section_def *s, bool aggregate, char *buf, size_t len)
{
	buf[0] = '\0';
	for (const struct metric_def *m = s->metrics; m->name; m++)
		if (!aggregate || m->combine == COMBINE_SUM)
			append_name(buf, len, m->name);
}

/* "loader.cpu_share" inside @obj; NULL when any step is absent. */
static const json_t *dotted_get(const json_t *obj, const char *path)
{
	char buf[MAX_FIELD_PATH], *save, *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && obj; part = strtok_r(NULL, ".", &save))
		obj = json_is_object(obj) ? json_object_get(obj, part) : NULL;
	return obj;
}

static int json_number_at(const json_t *obj, const char *path, double *v)
{
	const json_t *j = dotted_get(obj, path);

	if (!json_is_number(j))
		return -ENODATA;
	*v = json_number_value(j);
	return 0;
}

/* A field of either kind of row. */
static int row_number(const struct expr_row *r, const char *path, double *v)
{
	return r->row ? json_number_at(r->row, path, v) : expr_live_number(r->live, path, v);
}

int expr_row_value(const struct metric_def *m, const json_t *row, double *value)
{
	const struct expr_row r = { .row = row };

	return expr_metric_of(m, &r, value);
}

int expr_metric_of(const struct metric_def *m, const struct expr_row *row, double *value)
{
	double v, count;

	if (row_number(row, m->field, &v))
		return -ENODATA;
	if (m->kind == METRIC_RATIO) {
		if (row_number(row, "count", &count) || count <= 0)
			return -ENODATA;
		v /= count;
	}
	*value = v * m->scale;
	return 0;
}

/* A group's key: its naming member (a string or a number) after the prefix. */
static void group_key(const struct rows_def *l, const json_t *group, char *buf, size_t len)
{
	const json_t *name = json_object_get(group, l->group_key);

	if (json_is_integer(name))
		snprintf(buf, len, "%s%lld", l->prefix, (long long)json_integer_value(name));
	else
		snprintf(buf, len, "%s%s", l->prefix,
			 json_is_string(name) ? json_string_value(name) : "?");
}

static size_t count_rows(const struct rows_def *l, const json_t *groups)
{
	size_t n = json_array_size(groups), i;
	const json_t *g;

	if (l->rows)
		json_array_foreach (groups, i, g)
			n += json_array_size(json_object_get(g, l->rows));
	return n;
}

static int nested_rows(const struct rows_def *l, const json_t *section, struct expr_row *rows)
{
	const json_t *groups = json_object_get(section, l->groups), *g, *row;
	size_t i, j;
	int n = 0;

	json_array_foreach (groups, i, g) {
		struct expr_row *gr = &rows[n++];
		char gkey[128];

		group_key(l, g, gkey, sizeof(gkey));
		memcpy(gr->key, gkey, sizeof(gkey));
		gr->name = gr->key;
		gr->row = g;
		gr->group = true;
		if (!l->rows)
			continue;
		json_array_foreach (json_object_get(g, l->rows), j, row) {
			const char *name = json_string_value(json_object_get(row, l->row_key));

			if (!name)
				continue;
			rows[n].name = name;
			rows[n].row = row;
			rows[n].group = false;
			snprintf(rows[n].key, sizeof(rows[n].key), "%s %s", gkey, name);
			n++;
		}
	}
	return n;
}

int expr_section_rows(const struct section_def *s, const json_t *section, struct expr_row **rows,
		      int *n)
{
	const json_t *groups = s->layout ? json_object_get(section, s->layout->groups) : NULL;
	size_t cap = s->layout ? count_rows(s->layout, groups) : json_object_size(section);
	struct expr_row *out = calloc(cap + 1, sizeof(*out));
	const char *key;
	json_t *row;

	*rows = out;
	*n = 0;
	if (!out)
		return -ENOMEM;
	if (s->layout) {
		*n = nested_rows(s->layout, section, out);
		return 0;
	}
	json_object_foreach ((json_t *)section, key, row) {
		struct expr_row *r = &out[(*n)++];
		size_t len = strnlen(key, sizeof(r->key) - 1);

		memcpy(r->key, key, len);
		r->name = r->key;
		r->row = row;
		r->group = true;
	}
	return 0;
}

/*
 * @m over the rows @take marks: one row's value, or several combined
 * (see struct metric_def). Rows without the field are passed over.
 */
static int combine(const struct metric_def *m, const struct expr_row *rows, const bool *take, int n,
		   double *value)
{
	double acc = 0, count = 0, v, c;
	int used = 0;

	for (int i = 0; i < n; i++) {
		if (!take[i] || row_number(&rows[i], m->field, &v))
			continue;
		if (m->combine == COMBINE_SUM) {
			acc += v;
			if (!row_number(&rows[i], "count", &c))
				count += c;
		} else if (!used || (m->combine == COMBINE_SMALLEST ? v < acc : v > acc)) {
			acc = v;
		}
		used++;
	}
	if (!used)
		return -ENODATA;
	if (m->kind == METRIC_RATIO) {
		if (count <= 0)
			return -ENODATA;
		acc /= count;
	}
	*value = acc * m->scale;
	return 0;
}

/*
 * Marks the rows @key names: its exact key, else (a row inside groups)
 * its name in every group; no key: every group. Returns how many.
 */
static int select_rows(const struct expr_row *rows, int n, const char *key, bool *take)
{
	int hits = 0;

	for (int i = 0; i < n; i++)
		hits += take[i] = key ? !strcmp(rows[i].key, key) : rows[i].group;
	if (hits || !key)
		return hits;
	for (int i = 0; i < n; i++)
		hits += take[i] = !rows[i].group && !strcmp(rows[i].name, key);
	return hits;
}

/*
 * Calls, requests and their totals: over rows never seen they are 0, not
 * unknown. Not resources: a process that is not there has no memory size.
 */
static bool is_plain_sum(const struct field_ref *ref)
{
	return ref->section->metrics == expr_latency_metrics && ref->metric->kind == METRIC_FIELD &&
	       ref->metric->combine == COMBINE_SUM;
}

int expr_rows_value(const struct field_ref *ref, const struct expr_row *rows, int n, double *value,
		    char *why, size_t len)
{
	const struct section_def *s = ref->section;
	bool *take = calloc(n + 1, sizeof(*take));
	int err = -ENODATA, hits = take ? select_rows(rows, n, ref->key, take) : 0;

	if (take && !hits && is_plain_sum(ref)) {
		*value = 0; /* none seen: zero of them, so `count == 0` asserts absence */
		err = 0;
	} else if (take && !hits) {
		if (ref->key)
			snprintf(why, len, "no data: %s[\"%s\"] not seen in this trace", s->name,
				 ref->key);
		else
			snprintf(why, len, "no data: no %s.%s (nothing seen)", s->name,
				 ref->metric->name);
	} else if (take) {
		err = combine(ref->metric, rows, take, n, value);
		if (err)
			snprintf(why, len, "no data: no %s in this window's %s", ref->metric->name,
				 s->name);
	}
	free(take);
	return err;
}

static int keyed_value(const struct field_ref *ref, const json_t *obj, double *value, char *why,
		       size_t len)
{
	struct expr_row *rows;
	int n, err;

	if (expr_section_rows(ref->section, obj, &rows, &n))
		return -ENOMEM;
	err = expr_rows_value(ref, rows, n, value, why, len);
	free(rows);
	return err;
}

int expr_field_value(const struct field_ref *ref, const json_t *snap, double *value, char *why,
		     size_t len)
{
	const struct section_def *s = ref->section;
	const json_t *obj = json_object_get(snap, s->json_key);

	if (!json_is_object(obj)) {
		snprintf(why, len, "no data: the snapshot has no '%s'", s->json_key);
		return -ENODATA;
	}
	if (s->keyed)
		return keyed_value(ref, obj, value, why, len);
	if (expr_row_value(ref->metric, obj, value)) {
		snprintf(why, len, "no data: no %s in this snapshot's %s", ref->metric->name,
			 s->name);
		return -ENODATA;
	}
	return 0;
}

/* Any of these makes an object a latency row. */
static const char *const row_latency_fields[] = {
	"p50_ns", "p90_ns", "p95_ns", "p99_ns",	    "p999_ns",
	"min_ns", "max_ns", "count",  "rate_per_s",
};

static bool is_latency_section(const json_t *section)
{
	const char *key;
	json_t *row;
	bool any = false;

	if (!json_is_object(section))
		return false;
	json_object_foreach ((json_t *)section, key, row) {
		bool latency = false;

		if (!json_is_object(row))
			return false;
		for (size_t i = 0; i < sizeof(row_latency_fields) / sizeof(row_latency_fields[0]);
		     i++)
			latency |= json_is_number(json_object_get(row, row_latency_fields[i]));
		if (!latency)
			return false;
		any = true;
	}
	return any;
}

const struct section_def *expr_latency_section(const char *json_key, const json_t *section,
					       struct section_def *plain)
{
	for (const struct section_def *s = sections; s->name; s++)
		if (!strcmp(s->json_key, json_key))
			return s->keyed && s->metrics == expr_latency_metrics &&
					       json_is_object(section)
				       ? s
				       : NULL;
	if (!is_latency_section(section))
		return NULL;
	memset(plain, 0, sizeof(*plain));
	plain->name = plain->json_key = json_key;
	plain->keyed = true;
	plain->metrics = expr_latency_metrics;
	return plain;
}
