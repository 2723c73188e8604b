// latscope top's view table: consistency, sorting, cells, rows from a model.
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "unit/request_recs.h"
#include "model/requests.h"
#include "views/top/columns.h"
#include "lat_samples.h"

enum { COL_NAME, COL_COUNT, COL_RATE, COL_ERR, COL_TOTAL, COL_P50 };

static struct syscall_view rows[3];
static const void *order[3];

static void add_row(int i, const char *name, __u64 count, __u64 total, __u64 errors)
{
	snprintf(rows[i].name, sizeof(rows[i].name), "%s", name);
	rows[i].lat.count = count;
	rows[i].lat.total_ns = total;
	rows[i].lat.errors = errors;
	rows[i].lat.quantile_ns[0] = total / (count ? count : 1);
	order[i] = &rows[i];
}

static void setup(void)
{
	add_row(0, "read", 100, 5000, 0);
	add_row(1, "openat", 10, 90000, 10);
	add_row(2, "getppid", 100, 300, 0);
}

static const char *name_at(int i)
{
	return ((const struct syscall_view *)order[i])->name;
}

#define SYSCALLS_VIEW (&top_views[0])

TestSuite(columns, .init = setup);

Test(columns, every_view_is_complete)
{
	cr_assert_geq(top_n_views, 5);
	cr_assert_leq(top_n_views, TOP_MAX_VIEWS);
	for (int i = 0; i < top_n_views; i++) {
		const struct top_view *v = &top_views[i];

		cr_assert(v->name && v->hint && v->hint[0], "view %d", i);
		cr_assert_geq(v->n_columns, 1);
		cr_assert_leq(v->n_columns, TOP_MAX_COLUMNS, "%s", v->name);
		cr_assert_lt(v->default_sort, v->n_columns, "%s", v->name);
		cr_assert_eq(v->columns[0].format, TOP_TEXT, "%s: rows are named", v->name);
		for (int c = 1; c < v->n_columns; c++)
			cr_assert(v->columns[c].number || v->columns[c].field, "%s column %d",
				  v->name, c);
		cr_assert_eq(!v->histogram, !v->summary, "%s", v->name);
	}
	cr_assert_str_eq(top_views[0].name, "syscalls");
	cr_assert_str_eq(top_views[top_n_views - 1].name, "overhead");
}

Test(columns, figures_sort_largest_first_ties_by_name)
{
	top_sort_rows(SYSCALLS_VIEW, COL_COUNT, false, order, 3);
	cr_assert_str_eq(name_at(0), "getppid", "100 calls, tie with read: by name");
	cr_assert_str_eq(name_at(1), "read");
	cr_assert_str_eq(name_at(2), "openat");
	top_sort_rows(SYSCALLS_VIEW, COL_TOTAL, false, order, 3);
	cr_assert_str_eq(name_at(0), "openat");
	cr_assert_str_eq(name_at(2), "getppid");
}

Test(columns, reverse_flips_the_order)
{
	top_sort_rows(SYSCALLS_VIEW, COL_TOTAL, true, order, 3);
	cr_assert_str_eq(name_at(0), "getppid");
	cr_assert_str_eq(name_at(2), "openat");
}

Test(columns, names_sort_alphabetically)
{
	top_sort_rows(SYSCALLS_VIEW, COL_NAME, false, order, 3);
	cr_assert_str_eq(name_at(0), "getppid");
	cr_assert_str_eq(name_at(1), "openat");
	cr_assert_str_eq(name_at(2), "read");
	top_sort_rows(SYSCALLS_VIEW, COL_NAME, true, order, 3);
	cr_assert_str_eq(name_at(0), "read");
}

Test(columns, out_of_range_column_leaves_rows_alone)
{
	top_sort_rows(SYSCALLS_VIEW, 99, false, order, 3);
	cr_assert_str_eq(name_at(0), "read");
}

Test(columns, cells_and_highlights)
{
	const struct top_column *c = SYSCALLS_VIEW->columns;
	char buf[32];

	cr_assert_str_eq(top_cell_text(&c[COL_NAME], &rows[1], buf, sizeof(buf)), "openat");
	cr_assert_str_eq(top_cell_text(&c[COL_TOTAL], &rows[1], buf, sizeof(buf)), "90.0us");
	cr_assert_str_eq(top_cell_text(&c[COL_COUNT], &rows[0], buf, sizeof(buf)), "100");
	cr_assert(top_cell_alert(&c[COL_ERR], &rows[1], 0), "errors are flagged");
	cr_assert_not(top_cell_alert(&c[COL_ERR], &rows[0], 0));
	cr_assert(top_cell_alert(&c[COL_P50], &rows[1], 8000), "p50 9us > 8us");
	cr_assert_not(top_cell_alert(&c[COL_P50], &rows[1], 10000));
	cr_assert_not(top_cell_alert(&c[COL_P50], &rows[1], 0), "no --warn: no colour");
	cr_assert_not(top_cell_alert(&c[COL_COUNT], &rows[1], 1));
}

Test(columns, syscall_rows_come_from_the_chosen_model_window)
{
	struct model *model = model_new(0);
	struct lat_stats *s = calloc(1, sizeof(*s));
	struct top_rows *out = calloc(1, sizeof(*out));
	struct top_state st;
	int defaults[TOP_MAX_VIEWS] = { 0 };

	cr_assert(model && s && out);
	top_state_init(&st, top_n_views, defaults);
	lat_samples_add(s, 1000, 5, false);
	syscalls_set(&model->syscalls, 0, s);	/* read */
	syscalls_set(&model->syscalls, 110, s); /* getppid */
	model->clock.now_ns = model->clock.start_ns + 1000000000ULL;
	top_view_rows(SYSCALLS_VIEW, model, &st, out);
	cr_assert_eq(out->n, 0, "no interval marked yet");
	model_mark_interval(model);
	top_view_rows(SYSCALLS_VIEW, model, &st, out);
	cr_assert_eq(out->n, 2);
	cr_assert_str_eq(out->window_name, "last interval");
	strcpy(st.filter, "PPID");
	st.cumulative = true;
	top_view_rows(SYSCALLS_VIEW, model, &st, out);
	cr_assert_eq(out->n, 1);
	cr_assert_str_eq(top_row_name(SYSCALLS_VIEW, out->rows[0]), "getppid");
	cr_assert_str_eq(out->window_name, "cumulative");
	top_view_rows(&top_views[1], model, &st, out);
	cr_assert_eq(out->n, 0, "no requests: no rows");
	free(out);
	free(s);
	model_free(model);
}

/* A finished request on group @group (port 8080 served, or a peer called). */
static void add_request(struct model *model, __u32 group, enum req_role role, const char *req,
			int status, __u64 ns)
{
	struct request_rec rec = {
		.hdr = { .type = REC_REQUEST, .tgid = 10, .tid = 11, .ts_ns = 1 },
		.group = group,
		.role = role,
		.outcome = REQ_DONE,
		.duration_ns = ns,
	};

	char resp[32];

	snprintf(resp, sizeof(resp), "HTTP/1.1 %d X\r\n", status);
	request_rec_set(&rec, req, resp);
	cr_assert_eq(model_add_record(model, &rec, sizeof(rec)), REC_REQUEST);
}

static void set_group(struct model *model, __u32 id, enum req_role role, __u16 port, __u64 n,
		      __u64 n_5xx)
{
	struct req_group_key key = { .role = role, .port = port };
	struct req_group_counts counts = { .status[2] = n - n_5xx, .status[5] = n_5xx };
	struct lat_stats *lat = calloc(1, sizeof(*lat));

	cr_assert(lat);
	lat_samples_add(lat, 1000, n, false);
	lat->errors = n_5xx;
	if (role == REQ_ROLE_CLIENT) {
		static const __u8 v4[16] = { [10] = 0xff, [11] = 0xff, 127, 0, 0, 1 };

		memcpy(key.addr, v4, sizeof(v4));
	}
	cr_assert_eq(requests_set_group(model->requests, id, &key, lat, &counts), 0);
	free(lat);
}

static const struct top_view *view_named(const char *name)
{
	for (int i = 0; i < top_n_views; i++)
		if (!strcmp(top_views[i].name, name))
			return &top_views[i];
	cr_assert_fail("no view %s", name);
	return NULL;
}

static int col_named(const struct top_view *v, const char *title)
{
	for (int i = 0; i < v->n_columns; i++)
		if (!strcmp(v->columns[i].title, title))
			return i;
	cr_assert_fail("no column %s", title);
	return -1;
}

Test(columns, request_rows_per_endpoint_and_upstream_with_windows)
{
	const struct top_view *v = view_named("requests");
	struct model *model = model_new(0);
	struct top_rows *out = calloc(1, sizeof(*out));
	struct top_state st;
	int defaults[TOP_MAX_VIEWS] = { 0 }, p95 = col_named(v, "P95");
	int err = col_named(v, "ERR%");
	char buf[32];

	cr_assert(model && out);
	top_state_init(&st, top_n_views, defaults);
	for (int i = 0; i < 4; i++)
		add_request(model, 0, REQ_ROLE_SERVER, "GET /a HTTP/1.1\r\n", 200, 1000);
	add_request(model, 0, REQ_ROLE_SERVER, "POST /b HTTP/1.1\r\n", 500, 90000);
	add_request(model, 1, REQ_ROLE_CLIENT, "GET /up HTTP/1.1\r\n", 200, 5000);
	set_group(model, 0, REQ_ROLE_SERVER, 8080, 5, 1);
	set_group(model, 1, REQ_ROLE_CLIENT, 9000, 1, 0);
	model->clock.now_ns = model->clock.start_ns + 1000000000ULL;
	top_view_rows(v, model, &st, out);
	cr_assert_eq(out->n, 0, "last interval: nothing marked yet");
	model_mark_interval(model);
	top_view_rows(v, model, &st, out);
	cr_assert_eq(out->n, 3);
	top_sort_rows(v, v->default_sort, false, out->rows, out->n);
	cr_assert_str_eq(top_row_name(v, out->rows[0]), ":8080 GET /a", "by count");
	top_sort_rows(v, p95, false, out->rows, out->n);
	cr_assert_str_eq(top_row_name(v, out->rows[0]), ":8080 POST /b");
	cr_assert_str_eq(top_row_name(v, out->rows[2]), "127.0.0.1:9000 GET /up",
			 "called rows after every served one, whatever the sort");
	top_sort_rows(v, p95, true, out->rows, out->n);
	cr_assert_str_eq(top_row_name(v, out->rows[2]), "127.0.0.1:9000 GET /up", "reversed too");
	top_sort_rows(v, p95, false, out->rows, out->n);
	cr_assert_str_eq(top_cell_text(&v->columns[err], out->rows[0], buf, sizeof(buf)), "100");
	cr_assert(top_cell_alert(&v->columns[err], out->rows[0], 0), "5xx flagged");
	cr_assert(v->histogram(out->rows[0])->count == 1);

	/* The next interval has one more GET /a; cumulative keeps all. */
	add_request(model, 0, REQ_ROLE_SERVER, "GET /a HTTP/1.1\r\n", 200, 1000);
	set_group(model, 0, REQ_ROLE_SERVER, 8080, 6, 1);
	model->clock.now_ns += 1000000000ULL;
	model_mark_interval(model);
	top_view_rows(v, model, &st, out);
	cr_assert_eq(out->n, 1);
	cr_assert_eq(v->summary(out->rows[0])->count, 1);
	st.cumulative = true;
	strcpy(st.filter, "get");
	top_view_rows(v, model, &st, out);
	cr_assert_eq(out->n, 2, "filter keeps the GETs, both sides");
	model_reset(model);
	model->clock.now_ns += 1000000000ULL;
	model_mark_interval(model);
	top_view_rows(v, model, &st, out);
	cr_assert_eq(out->n, 0, "reset: cumulative starts again");
	free(out);
	model_free(model);
}

Test(columns, request_totals_for_the_header)
{
	struct model *model = model_new(0);
	struct req_totals t;

	cr_assert(model);
	set_group(model, 0, REQ_ROLE_SERVER, 8080, 10, 1);
	set_group(model, 1, REQ_ROLE_SERVER, 8081, 10, 0);
	set_group(model, 2, REQ_ROLE_CLIENT, 9000, 50, 50);
	model->clock.now_ns = model->clock.start_ns + 2000000000ULL;
	requests_totals(model->requests, WINDOW_TOTAL, REQ_ROLE_SERVER, &t);
	cr_assert_eq(t.count, 20);
	cr_assert_eq(t.errors, 1);
	cr_assert_float_eq(t.rate_per_s, 10.0, 1e-9);
	cr_assert_float_eq(t.error_share, 0.05, 1e-9);
	model_free(model);
}

/* Shares with three digits at most: 0, 0.115, 1.60, 25.0, 100. */
static double share_of(const void *row)
{
	return *(const double *)row;
}

Test(columns, shares_read_short)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0, "0" }, { 0.00115, "0.115" }, { 0.016, "1.60" }, { 0.25, "25.0" }, { 1, "100" }
	};
	const struct top_column col = { "ERR%", 6, TOP_SHARE, share_of, NULL, TOP_HL_NONE };
	char buf[32];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_expect_str_eq(top_cell_text(&col, &cases[i].v, buf, sizeof(buf)), cases[i].text);
}

/* Every title plus a sort marker fits its column with the space before it. */
Test(columns, titles_and_markers_fit)
{
	for (int v = 0; v < top_n_views; v++)
		for (int c = 0; c < top_views[v].n_columns; c++)
			cr_expect_geq(top_column_width(&top_views[v].columns[c]),
				      (int)strlen(top_views[v].columns[c].title) + 1, "%s %s",
				      top_views[v].name, top_views[v].columns[c].title);
}

/*
 * At 60 columns the syscall view cannot show P95..MAX at once: scrolling
 * (first column 5) brings MAX in; the name column keeps what it needs, not
 * the whole width at 160 columns.
 */
Test(columns, narrow_screens_scroll_wide_ones_do_not_stretch)
{
	const struct top_view *v = &top_views[0];
	static struct top_rows rows; /* big: off the stack */
	int idx[TOP_MAX_COLUMNS], widths[TOP_MAX_COLUMNS], n, shown = 0;

	n = top_fit_columns(v, &rows, 60, 1, idx, widths);
	cr_assert_lt(idx[n - 1], v->n_columns - 1, "MAX is off screen at 60 columns");
	n = top_fit_columns(v, &rows, 60, 5, idx, widths);
	cr_expect_eq(idx[0], 0, "the name stays");
	cr_expect_eq(idx[n - 1], v->n_columns - 1, "scrolled: MAX is there");
	for (int i = 0; i < n; i++)
		shown += widths[i] + (i ? 1 : 0);
	cr_expect_leq(shown, 60);
	n = top_fit_columns(v, &rows, 160, 1, idx, widths);
	cr_expect_eq(n, v->n_columns, "everything fits at 160");
	cr_expect_leq(widths[0], 48, "the name column does not take the spare width");
}
