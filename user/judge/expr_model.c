// Expression fields read from a model's window (see expr_model.h).
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "judge/expr_model.h"

/* Rows of one keyed section, and what each reads from. */
struct live_rows {
	struct expr_row *rows;
	struct expr_live_row *live;
	int n, cap;
};

/* A new row named @key; returns what it reads from, to be filled in. */
static struct expr_live_row *add_row(struct live_rows *r, const char *key, const char *name,
				     bool group)
{
	struct expr_row *row;

	if (r->n == r->cap) {
		int cap = r->cap ? 2 * r->cap : 64;
		struct expr_row *rows = realloc(r->rows, cap * sizeof(*rows));
		struct expr_live_row *live;

		if (!rows)
			return NULL;
		r->rows = rows;
		live = realloc(r->live, cap * sizeof(*live));
		if (!live)
			return NULL;
		r->live = live;
		r->cap = cap;
		/* Rows point at their live data: re-point after a move. */
		for (int i = 0; i < r->n; i++)
			r->rows[i].live = &r->live[i];
	}
	row = &r->rows[r->n];
	memset(row, 0, sizeof(*row));
	memset(&r->live[r->n], 0, sizeof(r->live[0]));
	snprintf(row->key, sizeof(row->key), "%s", key);
	row->name = name ? name : row->key;
	row->group = group;
	row->live = &r->live[r->n];
	return &r->live[r->n++];
}

static int syscall_rows(struct model *m, enum model_window w, struct live_rows *r)
{
	const struct syscall_view *v;
	int n;

	syscalls_views(&m->syscalls, w, NULL, &v, &n);
	for (int i = 0; i < n; i++) {
		struct expr_live_row *live = add_row(r, v[i].name, NULL, true);

		if (!live)
			return -ENOMEM;
		live->lat = &v[i].lat;
	}
	return 0;
}

/* ":8080", ":8080 GET /x" (served); "127.0.0.1:9000 GET /x" (called). */
static int request_rows(struct model *m, enum model_window w, enum req_role role,
			struct live_rows *r)
{
	const struct req_group_view *g;
	char key[REQ_KEY_LEN];
	int n;

	if (requests_views(m->requests, w, role, &g, &n))
		return -ENOMEM;
	for (int i = 0; i < n; i++) {
		struct expr_live_row *live;

		req_row_key(&g[i], NULL, key, sizeof(key));
		live = add_row(r, key, NULL, true);
		if (!live)
			return -ENOMEM;
		live->lat = &g[i].total.lat;
		for (int e = 0; e < g[i].n_endpoints; e++) {
			req_row_key(&g[i], g[i].endpoints[e].name, key, sizeof(key));
			live = add_row(r, key, g[i].endpoints[e].name, false);
			if (!live)
				return -ENOMEM;
			live->lat = &g[i].endpoints[e].lat;
		}
	}
	return 0;
}

/* Keyed by name; a name in two files is "NAME@module" on the later ones. */
static int function_rows(struct model *m, enum model_window w, struct live_rows *r)
{
	const struct func_view *v;
	char key[256];
	int n;

	funcs_views(m->funcs, w, NULL, &v, &n);
	for (int i = 0; i < n; i++) {
		struct expr_live_row *live;
		bool taken = false;

		for (int k = 0; k < r->n && !taken; k++)
			taken = !strcmp(r->rows[k].key, v[i].name);
		snprintf(key, sizeof(key), taken ? "%s@%s" : "%s", v[i].name, v[i].module);
		live = add_row(r, key, NULL, true);
		if (!live)
			return -ENOMEM;
		live->lat = &v[i].lat;
		live->no_errors = true;
	}
	return 0;
}

static int resource_rows(struct model *m, enum model_window w, struct live_rows *r)
{
	const struct res_view *v;
	int n;

	resources_views(&m->res, w, NULL, &v, &n);
	for (int i = 0; i < n; i++) {
		struct expr_live_row *live = add_row(r, v[i].proc->comm, NULL, true);

		if (!live)
			return -ENOMEM;
		live->res = &v[i];
	}
	return 0;
}

static int section_rows(const struct section_def *s, struct model *m, enum model_window w,
			struct live_rows *r)
{
	if (!strcmp(s->json_key, "syscalls"))
		return syscall_rows(m, w, r);
	if (!strcmp(s->json_key, "requests"))
		return request_rows(m, w, REQ_ROLE_SERVER, r);
	if (!strcmp(s->json_key, "upstreams"))
		return request_rows(m, w, REQ_ROLE_CLIENT, r);
	if (!strcmp(s->json_key, "functions"))
		return function_rows(m, w, r);
	if (!strcmp(s->json_key, "resources"))
		return resource_rows(m, w, r);
	return -ENOENT;
}

static int latency_number(const struct expr_live_row *row, const char *path, double *value)
{
	static const char *const quantiles[LAT_QUANTILES] = {
		"p50_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns",
	};
	const struct lat_summary *l = row->lat;

	for (int i = 0; i < LAT_QUANTILES; i++)
		if (!strcmp(path, quantiles[i]))
			return *value = l->quantile_ns[i], 0;
	if (!strcmp(path, "count"))
		return *value = l->count, 0;
	if (!strcmp(path, "errors") && !row->no_errors)
		return *value = l->errors, 0;
	if (!strcmp(path, "total_ns"))
		return *value = l->total_ns, 0;
	if (!strcmp(path, "min_ns"))
		return *value = l->min_ns, 0;
	if (!strcmp(path, "max_ns"))
		return *value = l->max_ns, 0;
	if (!strcmp(path, "rate_per_s"))
		return *value = l->rate_per_s, 0;
	return -ENODATA;
}

/* "disk.read_bytes", "cpu.off_cpu.p99_ns": a family's field or histogram. */
static int resource_number(const struct res_view *v, const char *path, double *value)
{
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];
		size_t len = strlen(f->json);
		const char *rest = path + len + 1;

		if (strncmp(path, f->json, len) || path[len] != '.')
			continue;
		for (int k = 0; k < f->n_fields; k++)
			if (f->fields[k].json && !strcmp(rest, f->fields[k].json))
				return *value = res_field_value(v, f, &f->fields[k]), 0;
		for (int h = 0; h < f->n_hists; h++) {
			size_t hlen = strlen(f->hists[h].json);
			struct expr_live_row lat = { .lat = res_view_hist(v, f, h) };

			if (!strncmp(rest, f->hists[h].json, hlen) && rest[hlen] == '.')
				return latency_number(&lat, rest + hlen + 1, value);
		}
	}
	return -ENODATA;
}

/* The unkeyed sections, by their snapshot paths. */
static int section_number(const struct expr_live_row *row, const char *path, double *value)
{
	const struct overhead_view *ov = row->overhead;
	const struct model *m = row->model;
	const struct {
		const char *path;
		double value;
	} fields[] = {
		{ "duration_s", row->seconds },
		{ "reported", m->syscalls.slow.total },
		{ "kernel_cpu_share", ov->kernel_cpu_share },
		{ "kernel_ns_per_s", ov->kernel_ns_per_s },
		{ "other_process_share", ov->other_process_share },
		{ "loader.cpu_share", ov->loader_cpu_share },
		{ "loader.peak_rss_kb", ov->loader_peak_rss_kb },
		{ "ringbuf.records", m->records_received },
		{ "ringbuf.dropped", m->health[HEALTH_RINGBUF_DROPS] },
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		if (!strcmp(path, fields[i].path))
			return *value = fields[i].value, 0;
	return -ENODATA;
}

int expr_live_number(const struct expr_live_row *row, const char *path, double *value)
{
	if (row->lat)
		return latency_number(row, path, value);
	if (row->res)
		return resource_number(row->res, path, value);
	if (row->model)
		return section_number(row, path, value);
	return -ENODATA;
}

int expr_model_value(const struct field_ref *ref, struct model *model, enum model_window window,
		     double *value, char *why, size_t len)
{
	const struct section_def *s = ref->section;
	struct live_rows r = {};
	int err;

	if (!s->keyed) {
		struct overhead_view ov;
		struct expr_live_row live = {
			.model = model,
			.overhead = &ov,
			.seconds = model_window_seconds(model, window),
		};
		struct expr_row row = { .live = &live };

		model_overhead_view(model, &ov);
		if (expr_metric_of(ref->metric, &row, value)) {
			snprintf(why, len, "no data: no %s in this window's %s", ref->metric->name,
				 s->name);
			return -ENODATA;
		}
		return 0;
	}
	err = section_rows(s, model, window, &r);
	if (!err)
		err = expr_rows_value(ref, r.rows, r.n, value, why, len);
	else
		snprintf(why, len, "no data: %s cannot be read live", s->name);
	free(r.rows);
	free(r.live);
	return err;
}
