// Latency rows across intervals, and their heat-map cells (see timeline.h).
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/latency.h"
#include "judge/expr_fields.h"
#include "judge/timeline.h"

struct tl_cell {
	__u32 col, bucket;
	__u64 count;
};

struct timeline_series {
	char section[32];
	char key[256];
	__u64 total;
	struct tl_cell *cells;
	size_t n, cap;
};

/* The interval's latency sections, and how to see them as their sections. */
static const struct {
	const char *name;
	const char *wrap; /* the interval holds the groups array itself */
} sections[] = {
	{ "syscalls", NULL },
	{ "requests", "servers" },
	{ "upstreams", "peers" },
	{ "functions", NULL },
};

#define N_SECTIONS (sizeof(sections) / sizeof(sections[0]))

int timeline_parse_row(const char *text, char *section, size_t slen, char *key, size_t klen)
{
	size_t n = strcspn(text, ".["), k = 0;
	bool known = false;
	const char *p;

	for (size_t i = 0; i < N_SECTIONS; i++)
		known |= strlen(sections[i].name) == n && !strncmp(text, sections[i].name, n);
	if (!known || n >= slen || !text[n] || !text[n + 1])
		return -EINVAL;
	snprintf(section, slen, "%.*s", (int)n, text);
	if (text[n] == '.') {
		snprintf(key, klen, "%s", text + n + 1);
		return strlen(text + n + 1) < klen ? 0 : -EINVAL;
	}
	p = text + n + 1;
	if (*p != '"' && *p != '\'')
		return -EINVAL;
	for (char quote = *p++; *p && *p != quote; p++) {
		if (*p == '\\' && p[1])
			p++;
		if (k + 1 >= klen)
			return -EINVAL;
		key[k++] = *p;
	}
	key[k] = '\0';
	return *p && !strcmp(p + 1, "]") ? 0 : -EINVAL;
}

static struct timeline_series *series_of(struct timeline *tl, const char *section, const char *key)
{
	struct timeline_series *s;

	for (int i = 0; i < tl->n_series; i++)
		if (!strcmp(tl->series[i].key, key) && !strcmp(tl->series[i].section, section))
			return &tl->series[i];
	if (tl->n_series == tl->cap) {
		int cap = tl->cap ? 2 * tl->cap : 32;
		struct timeline_series *more = realloc(tl->series, cap * sizeof(*more));

		if (!more)
			return NULL;
		tl->series = more;
		tl->cap = cap;
	}
	s = &tl->series[tl->n_series++];
	memset(s, 0, sizeof(*s));
	snprintf(s->section, sizeof(s->section), "%s", section);
	snprintf(s->key, sizeof(s->key), "%s", key);
	return s;
}

static int add_cell(struct timeline_series *s, __u32 col, __u32 bucket, __u64 count)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		struct tl_cell *more = realloc(s->cells, cap * sizeof(*more));

		if (!more)
			return -ENOMEM;
		s->cells = more;
		s->cap = cap;
	}
	s->cells[s->n++] = (struct tl_cell){ col, bucket, count };
	s->total += count;
	return 0;
}

/* One row's histogram ([[low, width, count], ...]) as cells of column @col. */
static int add_row(struct timeline *tl, const char *section, const struct expr_row *row, __u32 col)
{
	const json_t *hist = json_object_get(row->row, "histogram"), *b;
	struct timeline_series *s;
	size_t i;

	if (!json_array_size(hist))
		return 0;
	s = series_of(tl, section, row->key);
	if (!s)
		return -ENOMEM;
	json_array_foreach (hist, i, b) {
		json_int_t low = json_integer_value(json_array_get(b, 0));
		json_int_t count = json_integer_value(json_array_get(b, 2));

		if (low < 0 || count <= 0)
			continue;
		if (add_cell(s, col, hist_bucket_of((__u64)low), (__u64)count))
			return -ENOMEM;
	}
	return 0;
}

static int add_section(struct timeline *tl, size_t i, const json_t *interval, __u32 col)
{
	const struct section_def *def = expr_find_section(sections[i].name);
	json_t *obj = json_object_get(interval, sections[i].name), *wrapped = NULL;
	struct expr_row *rows;
	int n, err = 0;

	if (!def || !obj)
		return 0;
	if (sections[i].wrap) {
		if (!json_is_array(obj))
			return 0;
		obj = wrapped = json_pack("{s:O}", sections[i].wrap, obj);
	}
	if (!json_is_object(obj) || expr_section_rows(def, obj, &rows, &n)) {
		json_decref(wrapped);
		return obj ? 0 : -ENOMEM;
	}
	for (int r = 0; r < n && !err; r++)
		err = add_row(tl, sections[i].name, &rows[r], col);
	free(rows);
	json_decref(wrapped);
	return err;
}

int timeline_add(struct timeline *tl, const json_t *snap)
{
	const json_t *interval = json_object_get(snap, "interval");
	double *ends;
	int err = 0;

	if (!json_is_object(interval))
		return 0;
	ends = realloc(tl->col_end_s, (tl->n_cols + 1) * sizeof(*ends));
	if (!ends)
		return -ENOMEM;
	tl->col_end_s = ends;
	ends[tl->n_cols] =
		json_number_value(json_object_get(json_object_get(snap, "time"), "duration_s"));
	for (size_t i = 0; i < N_SECTIONS && !err; i++)
		err = add_section(tl, i, interval, tl->n_cols);
	tl->n_cols++;
	return err;
}

const struct timeline_series *timeline_find(const struct timeline *tl, const char *section,
					    const char *key)
{
	for (int i = 0; i < tl->n_series; i++)
		if (!strcmp(tl->series[i].key, key) && !strcmp(tl->series[i].section, section))
			return &tl->series[i];
	return NULL;
}

const struct timeline_series *timeline_busiest(const struct timeline *tl)
{
	const struct timeline_series *best = NULL;

	for (int i = 0; i < tl->n_series; i++)
		if (!best || tl->series[i].total > best->total)
			best = &tl->series[i];
	return best;
}

static int by_total(const void *a, const void *b)
{
	const struct timeline_series *x = *(const struct timeline_series *const *)a;
	const struct timeline_series *y = *(const struct timeline_series *const *)b;

	return x->total < y->total ? 1 : x->total > y->total ? -1 : strcmp(x->key, y->key);
}

void timeline_list(FILE *out, const struct timeline *tl)
{
	const struct timeline_series **order = calloc(tl->n_series + 1, sizeof(*order));
	char name[320];

	if (!order)
		return;
	for (int i = 0; i < tl->n_series; i++)
		order[i] = &tl->series[i];
	qsort(order, tl->n_series, sizeof(*order), by_total);
	for (int i = 0; i < tl->n_series; i++)
		fprintf(out, "%-48s %llu\n", timeline_series_name(order[i], name, sizeof(name)),
			(unsigned long long)order[i]->total);
	free(order);
}

/* The name --row takes: syscalls.read, requests[":8080 GET /x"]. */
const char *timeline_series_name(const struct timeline_series *s, char *buf, size_t len)
{
	bool plain = strspn(s->key, "abcdefghijklmnopqrstuvwxyz0123456789_") == strlen(s->key);

	snprintf(buf, len, plain ? "%s.%s" : "%s[\"%s\"]", s->section, s->key);
	return buf;
}

__u64 timeline_series_total(const struct timeline_series *s)
{
	return s->total;
}

int timeline_heatmap(const struct timeline *tl, const struct timeline_series *s, int max_rows,
		     struct heatmap *hm)
{
	__u32 lowest = HIST_BUCKETS, highest = 0, first, group;
	__u64 *counts, *bounds;

	memset(hm, 0, sizeof(*hm));
	for (size_t i = 0; i < s->n; i++) {
		if (s->cells[i].bucket < lowest)
			lowest = s->cells[i].bucket;
		if (s->cells[i].bucket > highest)
			highest = s->cells[i].bucket;
	}
	if (lowest == HIST_BUCKETS || max_rows < 1)
		return -ENODATA;
	group = lat_bars_layout(lowest, highest, max_rows, &first);
	hm->n_rows = (int)(highest / group - lowest / group + 1);
	hm->n_cols = tl->n_cols;
	counts = calloc((size_t)hm->n_rows * hm->n_cols + 1, sizeof(*counts));
	bounds = calloc(hm->n_rows + 1, sizeof(*bounds));
	if (!counts || !bounds) {
		free(counts);
		free(bounds);
		return -ENOMEM;
	}
	for (int r = 0; r < hm->n_rows; r++) {
		struct lat_bar bar;
		__u32 lo, hi;

		lat_bar_bounds(first, group, r, &bar, &lo, &hi);
		bounds[r] = bar.low_ns;
		bounds[r + 1] = bar.high_ns;
	}
	for (size_t i = 0; i < s->n; i++)
		counts[(s->cells[i].bucket / group - lowest / group) * hm->n_cols +
		       s->cells[i].col] += s->cells[i].count;
	hm->counts = counts;
	hm->row_low_ns = bounds;
	hm->col_end_s = tl->col_end_s;
	return 0;
}

void timeline_heatmap_free(struct heatmap *hm)
{
	free((void *)hm->counts);
	free((void *)hm->row_low_ns);
	hm->counts = hm->row_low_ns = NULL;
}

void timeline_free(struct timeline *tl)
{
	for (int i = 0; i < tl->n_series; i++)
		free(tl->series[i].cells);
	free(tl->series);
	free(tl->col_end_s);
	memset(tl, 0, sizeof(*tl));
}

int timeline_render(const struct timeline *tl, const char *row, int max_rows, const char *path,
		    FILE *summary, char *why, size_t len)
{
	const struct timeline_series *s;
	char section[32], key[256], title[400], name[320];
	struct heatmap hm;
	int err;

	if (row && timeline_parse_row(row, section, sizeof(section), key, sizeof(key))) {
		snprintf(why, len,
			 "invalid row '%s': SECTION.KEY or SECTION[\"KEY\"], SECTION one of "
			 "syscalls, requests, upstreams, functions",
			 row);
		return -EINVAL;
	}
	s = row ? timeline_find(tl, section, key) : timeline_busiest(tl);
	if (!s) {
		if (row)
			snprintf(why, len, "no %s in any interval (--list shows what there is)",
				 row);
		else
			snprintf(why, len,
				 "no latency histograms in any interval (written by -i "
				 "N --jsonl)");
		return -ENODATA;
	}
	err = timeline_heatmap(tl, s, max_rows, &hm);
	if (err) {
		snprintf(why, len, "cannot lay out the heat map: %s", strerror(-err));
		return err;
	}
	timeline_series_name(s, name, sizeof(name));
	snprintf(title, sizeof(title), "%s: %llu calls over %d intervals", name,
		 (unsigned long long)s->total, tl->n_cols);
	hm.title = title;
	err = heatmap_svg_write(path, &hm);
	if (err)
		snprintf(why, len, "cannot write %s: %s", path, strerror(-err));
	else if (summary)
		fprintf(summary, "heatmap: %s, %d intervals x %d latency rows, %llu calls -> %s\n",
			name, hm.n_cols, hm.n_rows, (unsigned long long)s->total, path);
	timeline_heatmap_free(&hm);
	return err;
}
