// Differencing two cumulative snapshots (see snapshot_window.h).
#include <stdlib.h>
#include <string.h>
#include "judge/expr_fields.h"
#include "base/latency.h"
#include "views/json/snapshot.h"
#include "judge/snapshot_window.h"

static const char *const latency_fields[] = {
	"p50_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns", "min_ns", "max_ns",
	"count", "rate_per_s",
};

static __u64 u64_field(const json_t *row, const char *name)
{
	json_int_t v = json_integer_value(json_object_get(row, name));

	return v > 0 ? (__u64)v : 0;
}

/* A row's cumulative figures back into the kernel's form. */
static void row_stats(const json_t *row, struct lat_stats *s)
{
	const json_t *hist = json_object_get(row, "histogram");
	const json_t *bucket;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!row)
		return;
	s->count = u64_field(row, "count");
	s->errors = u64_field(row, "errors");
	s->total_ns = u64_field(row, "total_ns");
	s->min_ns = u64_field(row, "min_ns");
	s->max_ns = u64_field(row, "max_ns");
	json_array_foreach(hist, i, bucket) {
		json_int_t low = json_integer_value(json_array_get(bucket, 0));
		json_int_t n = json_integer_value(json_array_get(bucket, 2));

		if (low >= 0 && n > 0)
			s->buckets[hist_bucket_of((__u64)low)] += (__u64)n;
	}
}

static json_t *window_row(const json_t *old_row, const json_t *new_row,
			  double seconds, struct lat_stats *scratch)
{
	struct lat_stats *older = scratch, *newer = scratch + 1, *win = scratch + 2;
	json_t *row = json_deep_copy(new_row), *fresh;
	struct lat_summary sum;

	row_stats(old_row, older);
	row_stats(new_row, newer);
	lat_stats_window(win, newer, older);
	lat_stats_summarize(win, seconds, &sum);
	fresh = snapshot_latency_json(&sum);
	json_object_update(row, fresh);
	json_decref(fresh);
	/* No calls in the window, or no histogram: percentiles say nothing. */
	if (!win->count || !json_is_array(json_object_get(new_row, "histogram")))
		for (size_t i = 0; i < 7; i++) /* percentiles, min, max */
			json_object_del(row, latency_fields[i]);
	json_object_del(row, "histogram");
	json_object_del(row, "top_errnos");
	return row;
}

static double duration_of(const json_t *snap)
{
	return snap ? json_number_value(json_object_get(json_object_get(snap, "time"),
							"duration_s")) : 0;
}

static const json_t *row_keyed(const struct expr_row *rows, int n,
				const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(rows[i].key, key))
			return rows[i].row;
	return NULL;
}

/*
 * Every row of @section (in @out, changed in place) becomes its window
 * against the row of the same key in @old_section. Last row first: a
 * group's copy then carries its rows' windows, not their totals.
 */
static void window_section(const struct section_def *s, const json_t *old_section,
			   json_t *section, double seconds, struct lat_stats *scratch)
{
	struct expr_row *rows = NULL, *old_rows = NULL;
	int n = 0, n_old = 0;

	if (expr_section_rows(s, section, &rows, &n) ||
	    (old_section && expr_section_rows(s, old_section, &old_rows, &n_old)))
		goto out;
	for (int i = n - 1; i >= 0; i--) {
		json_t *row = (json_t *)rows[i].row;
		json_t *w = window_row(row_keyed(old_rows, n_old, rows[i].key), row,
				       seconds, scratch);

		json_object_clear(row);
		json_object_update(row, w);
		json_decref(w);
	}
out:
	free(rows);
	free(old_rows);
}

json_t *snapshot_window(const json_t *older, const json_t *newer)
{
	double seconds = duration_of(newer) - duration_of(older);
	struct lat_stats *scratch = malloc(3 * sizeof(*scratch));
	json_t *out = json_deep_copy(newer), *section;
	struct section_def plain;
	const char *name;

	if (!scratch || !out) {
		free(scratch);
		json_decref(out);
		return NULL;
	}
	json_object_foreach(out, name, section) {
		const json_t *old_section = older ? json_object_get(older, name) : NULL;
		const struct section_def *s = expr_latency_section(name, section, &plain);

		if (s)
			window_section(s, old_section, section, seconds, scratch);
	}
	json_object_set_new(json_object_get(out, "time"), "duration_s",
			    json_real(seconds));
	free(scratch);
	return out;
}
