// latscope top: the views and their column tables.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/format.h"
#include "base/latency.h"
#include "model/funcs.h"
#include "model/requests.h"
#include "views/top/columns.h"

#define ARRAY_LEN(a) ((int)(sizeof(a) / sizeof((a)[0])))

/* ---- syscalls: rows are struct syscall_view ---- */

static const struct syscall_view *sv(const void *row)
{
	return row;
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const char *sc_name(const void *r) { return sv(r)->name; }
static double sc_count(const void *r) { return sv(r)->lat.count; }
static double sc_rate(const void *r) { return sv(r)->lat.rate_per_s; }
static double sc_errors(const void *r) { return sv(r)->lat.errors; }
static double sc_total(const void *r) { return sv(r)->lat.total_ns; }
static double sc_p50(const void *r) { return sv(r)->lat.quantile_ns[LAT_P50]; }
static double sc_p95(const void *r) { return sv(r)->lat.quantile_ns[LAT_P95]; }
static double sc_p99(const void *r) { return sv(r)->lat.quantile_ns[LAT_P99]; }
static double sc_max(const void *r) { return sv(r)->lat.max_ns; }
/* clang-format on */

static const struct top_column syscall_columns[] = {
	{ "SYSCALL", 14, TOP_TEXT, NULL, sc_name, TOP_HL_NONE },
	{ "COUNT", 7, TOP_COUNT, sc_count, NULL, TOP_HL_NONE },
	{ "RATE/s", 7, TOP_COUNT, sc_rate, NULL, TOP_HL_NONE },
	{ "ERR", 6, TOP_COUNT, sc_errors, NULL, TOP_HL_NONZERO },
	{ "TOTAL", 7, TOP_DURATION, sc_total, NULL, TOP_HL_NONE },
	{ "P50", 7, TOP_DURATION, sc_p50, NULL, TOP_HL_LATENCY },
	{ "P95", 7, TOP_DURATION, sc_p95, NULL, TOP_HL_LATENCY },
	{ "P99", 7, TOP_DURATION, sc_p99, NULL, TOP_HL_LATENCY },
	{ "MAX", 7, TOP_DURATION, sc_max, NULL, TOP_HL_LATENCY },
};

enum model_window top_window(const struct top_state *st)
{
	return st->cumulative ? WINDOW_SINCE_RESET : WINDOW_LAST_INTERVAL;
}

/* Points the frame's rows at @n view structs of @size bytes each. */
static void point_rows(struct top_rows *out, const void *views, int n, size_t size)
{
	out->n = n < TOP_MAX_ROWS ? n : TOP_MAX_ROWS;
	for (int i = 0; i < out->n; i++)
		out->rows[i] = (const char *)views + i * size;
}

static void set_window(struct model *model, enum model_window window, struct top_rows *out)
{
	out->window_s = model_window_seconds(model, window);
	out->window_name = window == WINDOW_SINCE_RESET ? "cumulative" : "last interval";
}

static void syscall_rows(struct model *model, const struct top_state *st, struct top_rows *out)
{
	enum model_window window = top_window(st);
	const struct syscall_view *views;
	int n;

	syscalls_views(&model->syscalls, window, st->filter, &views, &n);
	point_rows(out, views, n, sizeof(*views));
	set_window(model, window, out);
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const struct lat_stats *sc_histogram(const void *r) { return sv(r)->hist; }
static const struct lat_summary *sc_summary(const void *r) { return &sv(r)->lat; }
/* clang-format on */

/* ---- requests: rows are struct req_flat_row (endpoints, upstreams) ---- */

static const struct req_row_view *qv(const void *row)
{
	return &((const struct req_flat_row *)row)->v;
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const char *rq_name(const void *r) { return qv(r)->name; }
static double rq_count(const void *r) { return qv(r)->lat.count; }
static double rq_rate(const void *r) { return qv(r)->lat.rate_per_s; }
static double rq_p50(const void *r) { return qv(r)->lat.quantile_ns[LAT_P50]; }
static double rq_p95(const void *r) { return qv(r)->lat.quantile_ns[LAT_P95]; }
static double rq_p99(const void *r) { return qv(r)->lat.quantile_ns[LAT_P99]; }
static double rq_max(const void *r) { return qv(r)->lat.max_ns; }
static double rq_errors(const void *r) { return qv(r)->lat.errors; }
static double rq_error_rate(const void *r) { return qv(r)->error_rate; }
/* clang-format on */

static const struct top_column request_columns[] = {
	/* ":8080 GET /x" served, "10.0.0.5:5432" or "...:9000 GET /y" called */
	{ "ENDPOINT", 20, TOP_TEXT, NULL, rq_name, TOP_HL_NONE },
	{ "COUNT", 6, TOP_COUNT, rq_count, NULL, TOP_HL_NONE },
	{ "RATE/s", 6, TOP_COUNT, rq_rate, NULL, TOP_HL_NONE },
	{ "P50", 6, TOP_DURATION, rq_p50, NULL, TOP_HL_LATENCY },
	{ "P95", 6, TOP_DURATION, rq_p95, NULL, TOP_HL_LATENCY },
	{ "P99", 6, TOP_DURATION, rq_p99, NULL, TOP_HL_LATENCY },
	{ "MAX", 6, TOP_DURATION, rq_max, NULL, TOP_HL_LATENCY },
	{ "ERRS", 5, TOP_COUNT, rq_errors, NULL, TOP_HL_NONZERO },
	{ "ERR%", 6, TOP_SHARE, rq_error_rate, NULL, TOP_HL_NONZERO },
};

static int rq_group(const void *r)
{
	return ((const struct req_flat_row *)r)->role == REQ_ROLE_CLIENT;
}

static void request_rows(struct model *model, const struct top_state *st, struct top_rows *out)
{
	enum model_window window = top_window(st);
	const struct req_flat_row *rows;
	int n;

	requests_rows(model->requests, window, st->filter, &rows, &n);
	point_rows(out, rows, n, sizeof(*rows));
	set_window(model, window, out);
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const struct lat_stats *rq_histogram(const void *r) { return qv(r)->hist; }
static const struct lat_summary *rq_summary(const void *r) { return &qv(r)->lat; }
/* clang-format on */

/* ---- functions: rows are struct func_view ---- */

static const struct func_view *fv(const void *row)
{
	return row;
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const char *fn_name(const void *r) { return fv(r)->name; }
static double fn_count(const void *r) { return fv(r)->lat.count; }
static double fn_rate(const void *r) { return fv(r)->lat.rate_per_s; }
static double fn_total(const void *r) { return fv(r)->lat.total_ns; }
static double fn_self(const void *r) { return fv(r)->self_ns; }
static double fn_p50(const void *r) { return fv(r)->lat.quantile_ns[LAT_P50]; }
static double fn_p95(const void *r) { return fv(r)->lat.quantile_ns[LAT_P95]; }
static double fn_p99(const void *r) { return fv(r)->lat.quantile_ns[LAT_P99]; }
static double fn_max(const void *r) { return fv(r)->lat.max_ns; }
/* clang-format on */

static const struct top_column function_columns[] = {
	{ "FUNCTION", 16, TOP_TEXT, NULL, fn_name, TOP_HL_NONE },
	{ "CALLS", 7, TOP_COUNT, fn_count, NULL, TOP_HL_NONE },
	{ "RATE/s", 7, TOP_COUNT, fn_rate, NULL, TOP_HL_NONE },
	{ "TOTAL", 7, TOP_DURATION, fn_total, NULL, TOP_HL_NONE },
	{ "SELF", 7, TOP_DURATION, fn_self, NULL, TOP_HL_NONE },
	{ "P50", 7, TOP_DURATION, fn_p50, NULL, TOP_HL_LATENCY },
	{ "P95", 7, TOP_DURATION, fn_p95, NULL, TOP_HL_LATENCY },
	{ "P99", 7, TOP_DURATION, fn_p99, NULL, TOP_HL_LATENCY },
	{ "MAX", 7, TOP_DURATION, fn_max, NULL, TOP_HL_LATENCY },
};

static void function_rows(struct model *model, const struct top_state *st, struct top_rows *out)
{
	enum model_window window = top_window(st);
	const struct func_view *views;
	int n;

	funcs_views(model->funcs, window, st->filter, &views, &n);
	point_rows(out, views, n, sizeof(*views));
	set_window(model, window, out);
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const struct lat_stats *fn_histogram(const void *r) { return fv(r)->hist; }
static const struct lat_summary *fn_summary(const void *r) { return &fv(r)->lat; }
/* clang-format on */

/* ---- resources: rows are struct res_view; columns from the family table ---- */

static const struct res_view *rv(const void *row)
{
	return row;
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const char *rs_comm(const void *r) { return rv(r)->proc->comm; }
static double rs_pid(const void *r) { return rv(r)->proc->tgid; }
/* clang-format on */

static enum top_format format_of(const struct res_field *field)
{
	switch (field->unit) {
	case RES_UNIT_SHARE:
		return TOP_SHARE;
	case RES_UNIT_BYTES:
	case RES_UNIT_KIB:
		return TOP_BYTES;
	case RES_UNIT_NS:
		return TOP_DURATION;
	default:
		return TOP_COUNT;
	}
}

/* COMMAND, PID, then every family field that names a column. */
static struct top_column resource_columns[TOP_MAX_COLUMNS] = {
	{ "COMMAND", 12, TOP_TEXT, NULL, rs_comm, TOP_HL_NONE },
	{ "PID", 7, TOP_ID, rs_pid, NULL, TOP_HL_NONE },
};

static int resource_column_count(void)
{
	int n = 2;

	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		for (int k = 0; k < f->n_fields && n < TOP_MAX_COLUMNS; k++) {
			const struct res_field *field = &f->fields[k];

			if (!field->top_title)
				continue;
			resource_columns[n++] = (struct top_column){
				.title = field->top_title,
				.width = field->top_width,
				.format = format_of(field),
				.highlight = field->alarm_nonzero ? TOP_HL_NONZERO : TOP_HL_NONE,
				.family = f,
				.field = field,
			};
		}
	}
	return n;
}

static void resource_rows(struct model *model, const struct top_state *st, struct top_rows *out)
{
	enum model_window window = top_window(st);
	const struct res_view *views;
	int n;

	resources_views(&model->res, window, st->filter, &views, &n);
	point_rows(out, views, n, sizeof(*views));
	set_window(model, window, out);
	out->res_groups = model->res.groups;
}

/* ---- overhead: rows are struct prog_cost_view ---- */

static const struct prog_cost_view *pv(const void *row)
{
	return row;
}

/* One-line getters read as the table they feed. */
/* clang-format off */
static const char *oh_name(const void *r) { return pv(r)->name; }
static double oh_runs(const void *r) { return pv(r)->runs_per_s; }
static double oh_avg(const void *r) { return pv(r)->avg_ns; }
static double oh_cpu(const void *r) { return pv(r)->cpu_share; }
static double oh_est(const void *r) { return pv(r)->est_runs; }
static double oh_time(const void *r) { return pv(r)->est_run_ns; }
/* clang-format on */

static const struct top_column overhead_columns[] = {
	{ "PROGRAM", 20, TOP_TEXT, NULL, oh_name, TOP_HL_NONE },
	{ "RUNS/s", 9, TOP_COUNT, oh_runs, NULL, TOP_HL_NONE },
	{ "AVG ns", 9, TOP_DECIMAL, oh_avg, NULL, TOP_HL_NONE },
	{ "CPU%", 8, TOP_SHARE, oh_cpu, NULL, TOP_HL_NONE },
	{ "RUNS", 9, TOP_COUNT, oh_est, NULL, TOP_HL_NONE },
	{ "RUN TIME", 9, TOP_DURATION, oh_time, NULL, TOP_HL_NONE },
};

static void overhead_rows(struct model *model, const struct top_state *st, struct top_rows *out)
{
	model_overhead_view_matching(model, st->filter, &out->overhead);
	point_rows(out, out->overhead.progs, out->overhead.n_progs, sizeof(out->overhead.progs[0]));
	out->window_s = model_window_seconds(model, WINDOW_TOTAL);
	out->window_name = "whole trace";
}

/* ---- the views, in Tab and number-key order ---- */

static struct top_view views[] = {
	{
		.name = "syscalls",
		.columns = syscall_columns,
		.n_columns = ARRAY_LEN(syscall_columns),
		.default_sort = 4, /* TOTAL, as in the text report */
		.rows = syscall_rows,
		.hint = "no system calls in this window yet",
		.histogram = sc_histogram,
		.summary = sc_summary,
	},
	{
		.name = "requests",
		.columns = request_columns,
		.n_columns = ARRAY_LEN(request_columns),
		.default_sort = 1, /* COUNT */
		.rows = request_rows,
		.hint = "no requests in this window (on unless --no-requests)",
		.group = rq_group,
		.histogram = rq_histogram,
		.summary = rq_summary,
	},
	{
		.name = "functions",
		.columns = function_columns,
		.n_columns = ARRAY_LEN(function_columns),
		.default_sort = 3, /* TOTAL */
		.rows = function_rows,
		.hint = "no data: enable with -u SYMBOL (e.g. -u handle_request, "
			"-u libc:malloc)",
		.histogram = fn_histogram,
		.summary = fn_summary,
	},
	{
		.name = "resources",
		.columns = resource_columns,
		/* .n_columns: counted from the family table, see below */
		.default_sort = 2, /* CPU% */
		.rows = resource_rows,
		.hint = "no data: no traced process read yet (CPU needs --sched, "
			"faults --faults; block and net are on)",
	},
	{
		.name = "overhead",
		.columns = overhead_columns,
		.n_columns = ARRAY_LEN(overhead_columns),
		.default_sort = 3, /* CPU% */
		.rows = overhead_rows,
		.hint = "no BPF stats yet (first sampling window pending, "
			"or --no-overhead)",
	},
};

const struct top_view *const top_views = views;
const int top_n_views = ARRAY_LEN(views);

/* The resources view's columns come from the family table, before main(). */
__attribute__((constructor)) static void count_table_columns(void)
{
	for (int i = 0; i < ARRAY_LEN(views); i++)
		if (views[i].columns == resource_columns)
			views[i].n_columns = resource_column_count();
}

double top_cell_number(const struct top_column *col, const void *row)
{
	double v;

	if (!col->field)
		return col->number ? col->number(row) : 0;
	v = res_field_value(row, col->family, col->field);
	/* Columns of bytes take bytes: /proc's figures are KiB. */
	return col->field->unit == RES_UNIT_KIB ? v * 1024 : v;
}

void top_view_rows(const struct top_view *view, struct model *model, const struct top_state *st,
		   struct top_rows *out)
{
	out->n = 0;
	out->window_s = 0;
	out->window_name = "";
	if (view->rows)
		view->rows(model, st, out);
}

const char *top_row_name(const struct top_view *view, const void *row)
{
	return view->columns[0].text(row);
}

struct sort_ctx {
	const struct top_view *view;
	const struct top_column *col;
	int sign; /* -1 flips the natural order */
};

static int compare_rows(const void *a, const void *b, void *arg)
{
	const struct sort_ctx *ctx = arg;
	const void *x = *(const void *const *)a, *y = *(const void *const *)b;
	const char *xn = top_row_name(ctx->view, x), *yn = top_row_name(ctx->view, y);
	int order = 0;

	if (ctx->view->group && ctx->view->group(x) != ctx->view->group(y))
		return ctx->view->group(x) - ctx->view->group(y); /* whatever the sort */
	if (ctx->col->format == TOP_TEXT) {
		order = strcmp(ctx->col->text(x), ctx->col->text(y));
	} else {
		double vx = top_cell_number(ctx->col, x), vy = top_cell_number(ctx->col, y);

		order = vx > vy ? -1 : vx < vy ? 1 : 0; /* largest first */
	}
	if (order)
		return order * ctx->sign;
	return strcmp(xn, yn);
}

void top_sort_rows(const struct top_view *view, int col, bool reverse, const void **rows, int n)
{
	struct sort_ctx ctx = { view, NULL, reverse ? -1 : 1 };

	if (col < 0 || col >= view->n_columns || n < 2)
		return;
	ctx.col = &view->columns[col];
	qsort_r(rows, n, sizeof(rows[0]), compare_rows, &ctx);
}

const char *top_cell_text(const struct top_column *col, const void *row, char *buf, size_t len)
{
	double v = top_cell_number(col, row);

	switch (col->format) {
	case TOP_TEXT:
		snprintf(buf, len, "%s", col->text(row));
		break;
	case TOP_COUNT:
		format_count(v, buf, len);
		break;
	case TOP_DURATION:
		format_duration((__u64)v, buf, len);
		break;
	case TOP_SHARE:
		v *= 100;
		if (v == 0)
			snprintf(buf, len, "0");
		else
			snprintf(buf, len,
				 v >= 100  ? "%.0f"
				 : v >= 10 ? "%.1f"
				 : v >= 1  ? "%.2f"
					   : "%.3f",
				 v);
		break;
	case TOP_DECIMAL:
		snprintf(buf, len, "%.1f", v);
		break;
	case TOP_BYTES:
		format_kib((long)(v / 1024), buf, len);
		break;
	case TOP_ID:
		snprintf(buf, len, "%.0f", v);
		break;
	}
	return buf;
}

#define NAME_MAX_WIDTH 48

int top_column_width(const struct top_column *col)
{
	int need = (int)strlen(col->title) + 1;

	return col->width > need ? col->width : need;
}

int top_name_width(const struct top_view *view, const struct top_rows *rows)
{
	int w = top_column_width(&view->columns[0]);

	for (int i = 0; i < rows->n; i++) {
		int len = (int)strlen(top_row_name(view, rows->rows[i]));

		if (len > w)
			w = len < NAME_MAX_WIDTH ? len : NAME_MAX_WIDTH;
	}
	return w;
}

int top_fit_columns(const struct top_view *view, const struct top_rows *rows, int cols, int first,
		    int *idx, int *widths)
{
	int used, n = 1;

	if (view->n_columns < 1)
		return 0;
	idx[0] = 0;
	widths[0] = top_name_width(view, rows);
	if (widths[0] > cols)
		widths[0] = cols;
	used = widths[0];
	if (first < 1)
		first = 1;
	for (int c = first; c < view->n_columns && n < TOP_MAX_COLUMNS; c++) {
		int w = top_column_width(&view->columns[c]);

		if (used + w + 1 > cols)
			break;
		idx[n] = c;
		widths[n++] = w;
		used += w + 1;
	}
	return n;
}

bool top_cell_unmeasured(const struct top_column *col, const struct top_rows *rows)
{
	return col->family && col->family->optional &&
	       !(rows->res_groups & RES_GROUP_BIT(res_family_index(col->family)));
}

bool top_cell_alert(const struct top_column *col, const void *row, __u64 warn_ns)
{
	switch (col->highlight) {
	case TOP_HL_NONZERO:
		return top_cell_number(col, row) > 0;
	case TOP_HL_LATENCY:
		return warn_ns && top_cell_number(col, row) > (double)warn_ns;
	default:
		return false;
	}
}
