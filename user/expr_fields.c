// The expression-name -> snapshot-field table, and reading fields by it.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "expr_fields.h"

#define MAX_FIELD_PATH 128

/* Durations are nanoseconds in the snapshot and in expressions. */
const struct metric_def expr_latency_metrics[] = {
	{ "p50", METRIC_FIELD, "p50_ns", 1, DIM_TIME, false },
	{ "p90", METRIC_FIELD, "p90_ns", 1, DIM_TIME, false },
	{ "p95", METRIC_FIELD, "p95_ns", 1, DIM_TIME, false },
	{ "p99", METRIC_FIELD, "p99_ns", 1, DIM_TIME, false },
	{ "p999", METRIC_FIELD, "p999_ns", 1, DIM_TIME, false },
	{ "min", METRIC_FIELD, "min_ns", 1, DIM_TIME, false },
	{ "max", METRIC_FIELD, "max_ns", 1, DIM_TIME, false },
	{ "mean", METRIC_RATIO, "total_ns", 1, DIM_TIME, true },
	{ "total", METRIC_FIELD, "total_ns", 1, DIM_TIME, true },
	{ "count", METRIC_FIELD, "count", 1, DIM_NONE, true },
	{ "errors", METRIC_FIELD, "errors", 1, DIM_NONE, true },
	{ "rate", METRIC_FIELD, "rate_per_s", 1, DIM_RATE, true },
	{ "error_rate", METRIC_RATIO, "errors", 1, DIM_FRACTION, true },
	{ NULL },
};

static const struct metric_def overhead_metrics[] = {
	{ "kernel_cpu", METRIC_FIELD, "kernel_cpu_share", 1, DIM_FRACTION, false },
	{ "kernel_ns_per_s", METRIC_FIELD, "kernel_ns_per_s", 1, DIM_NONE, false },
	{ "filter_share", METRIC_FIELD, "other_process_share", 1, DIM_FRACTION, false },
	{ "loader_cpu", METRIC_FIELD, "loader.cpu_share", 1, DIM_FRACTION, false },
	{ "loader_rss", METRIC_FIELD, "loader.peak_rss_kb", 1024, DIM_BYTES, false },
	{ "records", METRIC_FIELD, "ringbuf.records", 1, DIM_NONE, false },
	{ "dropped", METRIC_FIELD, "ringbuf.dropped", 1, DIM_NONE, false },
	{ NULL },
};

static const struct metric_def time_metrics[] = {
	{ "duration", METRIC_FIELD, "duration_s", 1e9, DIM_TIME, false },
	{ NULL },
};

static const struct metric_def slow_metrics[] = {
	{ "reported", METRIC_FIELD, "reported", 1, DIM_NONE, false },
	{ NULL },
};

/* New snapshot sections join the language here, one row each. */
static const struct section_def sections[] = {
	{ "syscalls", "syscalls", true, expr_latency_metrics },
	{ "requests", "requests", true, expr_latency_metrics },
	{ "functions", "functions", true, expr_latency_metrics },
	{ "overhead", "overhead", false, overhead_metrics },
	{ "time", "time", false, time_metrics },
	{ "slow_syscalls", "slow_syscalls", false, slow_metrics },
	{ NULL },
};

const struct section_def *expr_find_section(const char *name)
{
	for (const struct section_def *s = sections; s->name; s++)
		if (!strcmp(s->name, name))
			return s;
	return NULL;
}

const struct metric_def *expr_find_metric(const struct section_def *s,
					  const char *name)
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

void expr_metric_names(const struct section_def *s, bool aggregate, char *buf,
		       size_t len)
{
	buf[0] = '\0';
	for (const struct metric_def *m = s->metrics; m->name; m++)
		if (!aggregate || m->summable)
			append_name(buf, len, m->name);
}

/* "loader.cpu_share" inside @obj; NULL when any step is absent. */
static const json_t *dotted_get(const json_t *obj, const char *path)
{
	char buf[MAX_FIELD_PATH], *save, *part;

	snprintf(buf, sizeof(buf), "%s", path);
	for (part = strtok_r(buf, ".", &save); part && obj;
	     part = strtok_r(NULL, ".", &save))
		obj = json_is_object(obj) ? json_object_get(obj, part) : NULL;
	return obj;
}

static int number_at(const json_t *obj, const char *path, double *v)
{
	const json_t *j = dotted_get(obj, path);

	if (!json_is_number(j))
		return -ENODATA;
	*v = json_number_value(j);
	return 0;
}

int expr_row_value(const struct metric_def *m, const json_t *row, double *value)
{
	double v, count;

	if (number_at(row, m->field, &v))
		return -ENODATA;
	if (m->kind == METRIC_RATIO) {
		if (number_at(row, "count", &count) || count <= 0)
			return -ENODATA;
		v /= count;
	}
	*value = v * m->scale;
	return 0;
}

/* No key on a keyed section: summable metrics over every row. */
static int aggregate_value(const struct metric_def *m, const json_t *rows,
			   double *value)
{
	double sum = 0, count = 0, v;
	const char *key;
	json_t *row;

	json_object_foreach((json_t *)rows, key, row) {
		if (number_at(row, m->field, &v))
			return -ENODATA;
		sum += v;
		if (!number_at(row, "count", &v))
			count += v;
	}
	if (m->kind == METRIC_RATIO) {
		if (count <= 0)
			return -ENODATA;
		sum /= count;
	}
	*value = sum * m->scale;
	return 0;
}

int expr_field_value(const struct field_ref *ref, const json_t *snap,
		     double *value, char *why, size_t len)
{
	const struct section_def *s = ref->section;
	const json_t *obj = json_object_get(snap, s->json_key);

	if (!json_is_object(obj)) {
		snprintf(why, len, "no data: the snapshot has no '%s'", s->json_key);
		return -ENODATA;
	}
	if (s->keyed && !ref->key) {
		if (aggregate_value(ref->metric, obj, value)) {
			snprintf(why, len, "no data: no %s.%s (nothing seen)", s->name,
				 ref->metric->name);
			return -ENODATA;
		}
		return 0;
	}
	if (s->keyed) {
		obj = json_object_get(obj, ref->key);
		if (!json_is_object(obj)) {
			snprintf(why, len, "no data: %s[\"%s\"] not seen in this trace",
				 s->name, ref->key);
			return -ENODATA;
		}
	}
	if (expr_row_value(ref->metric, obj, value)) {
		snprintf(why, len, "no data: no %s in this snapshot's %s",
			 ref->metric->name, s->name);
		return -ENODATA;
	}
	return 0;
}
