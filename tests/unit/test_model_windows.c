// Model windows for live views (last interval, since reset), filtered
// views, totals, and histogram bars.
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>
#include "model/model.h"
#include "model/funcs.h"
#include "lat_samples.h"

#define NR_READ	   0
#define NR_OPENAT  257
#define SEC	   1000000000ULL
#define ENOENT_ERR 2

static struct model *model;
static struct lat_stats *reads, *opens;
static __u64 enoents;

static void setup(void)
{
	model = model_new(10);
	reads = calloc(1, sizeof(*reads));
	opens = calloc(1, sizeof(*opens));
	cr_assert(model && reads && opens);
	model_start(model, 1000 * SEC);
}

static void teardown(void)
{
	model_free(model);
	free(reads);
	free(opens);
}

/* One tick of the session: new cumulative readings at @at seconds. */
static void collect_at(int at, int new_reads, __u64 read_ns, int new_enoents)
{
	lat_samples_add(reads, read_ns, new_reads, false);
	lat_samples_add(opens, 3000, new_enoents, true);
	enoents += new_enoents;
	syscalls_set(&model->syscalls, NR_READ, reads);
	syscalls_set(&model->syscalls, NR_OPENAT, opens);
	syscalls_set_errno(&model->syscalls, NR_OPENAT, ENOENT_ERR, enoents);
	model->clock.now_ns = model->clock.start_ns + at * SEC;
}

static const struct syscall_view *find(enum model_window window, const char *name)
{
	const struct syscall_view *views;
	int n;

	syscalls_views(&model->syscalls, window, NULL, &views, &n);
	for (int i = 0; i < n; i++)
		if (!strcmp(views[i].name, name))
			return &views[i];
	return NULL;
}

static __u64 count_in(enum model_window window, const char *name)
{
	const struct syscall_view *v = find(window, name);

	return v ? v->lat.count : 0;
}

TestSuite(windows, .init = setup, .fini = teardown);

Test(windows, last_interval_stands_still_between_marks)
{
	collect_at(1, 100, 1000, 0);
	model_mark_interval(model);
	collect_at(2, 50, 1000000, 0);
	model_mark_interval(model);
	cr_assert_eq(count_in(WINDOW_LAST_INTERVAL, "read"), 50);
	cr_assert_float_eq(model_window_seconds(model, WINDOW_LAST_INTERVAL), 1.0, 1e-9);
	cr_assert_float_eq(find(WINDOW_LAST_INTERVAL, "read")->lat.rate_per_s, 50.0, 1e-9);
	/* A new reading between marks changes neither marked window... */
	collect_at(3, 7, 1000, 0);
	cr_assert_eq(count_in(WINDOW_LAST_INTERVAL, "read"), 50);
	cr_assert_eq(count_in(WINDOW_SINCE_RESET, "read"), 150);
	/* ...while the open interval and the total move. */
	cr_assert_eq(count_in(WINDOW_INTERVAL, "read"), 7);
	cr_assert_eq(count_in(WINDOW_TOTAL, "read"), 157);
}

Test(windows, first_interval_starts_at_the_start)
{
	collect_at(2, 30, 1000, 0);
	model_mark_interval(model);
	cr_assert_eq(count_in(WINDOW_LAST_INTERVAL, "read"), 30);
	cr_assert_float_eq(model_window_seconds(model, WINDOW_LAST_INTERVAL), 2.0, 1e-9);
	cr_assert_float_eq(model_window_seconds(model, WINDOW_SINCE_RESET), 2.0, 1e-9);
}

Test(windows, reset_is_a_new_baseline_for_live_views_only)
{
	collect_at(1, 100, 1000, 4);
	model_mark_interval(model);
	model_reset(model);
	cr_assert_null(find(WINDOW_LAST_INTERVAL, "read"), "reset empties the views");
	cr_assert_null(find(WINDOW_SINCE_RESET, "read"));
	collect_at(2, 10, 1000, 1);
	model_mark_interval(model);
	cr_assert_eq(count_in(WINDOW_SINCE_RESET, "read"), 10);
	cr_assert_eq(count_in(WINDOW_LAST_INTERVAL, "read"), 10);
	cr_assert_eq(count_in(WINDOW_TOTAL, "read"), 110, "reports keep everything");
	cr_assert_float_eq(model_window_seconds(model, WINDOW_SINCE_RESET), 1.0, 1e-9);
	cr_assert_eq(find(WINDOW_SINCE_RESET, "openat")->top_errnos[0].count, 1);
	cr_assert_eq(find(WINDOW_TOTAL, "openat")->top_errnos[0].count, 5);
}

Test(windows, errnos_follow_the_window)
{
	collect_at(1, 0, 0, 3);
	model_mark_interval(model);
	collect_at(2, 0, 0, 2);
	model_mark_interval(model);
	cr_assert_eq(find(WINDOW_LAST_INTERVAL, "openat")->top_errnos[0].count, 2);
	cr_assert_eq(find(WINDOW_LAST_INTERVAL, "openat")->lat.errors, 2);
	cr_assert_eq(find(WINDOW_SINCE_RESET, "openat")->top_errnos[0].count, 5);
}

Test(windows, filtered_views_match_substrings_case_insensitively)
{
	const struct syscall_view *views;
	int n;

	collect_at(1, 5, 1000, 5);
	syscalls_views(&model->syscalls, WINDOW_TOTAL, "OPEN", &views, &n);
	cr_assert_eq(n, 1);
	cr_assert_str_eq(views[0].name, "openat");
	syscalls_views(&model->syscalls, WINDOW_TOTAL, "", &views, &n);
	cr_assert_eq(n, 2);
	syscalls_views(&model->syscalls, WINDOW_TOTAL, NULL, &views, &n);
	cr_assert_eq(n, 2);
	syscalls_views(&model->syscalls, WINDOW_TOTAL, "zz", &views, &n);
	cr_assert_eq(n, 0);
}

Test(windows, totals_sum_every_syscall)
{
	struct syscall_totals t;

	collect_at(2, 30, 1000, 10);
	syscalls_totals(&model->syscalls, WINDOW_TOTAL, &t);
	cr_assert_eq(t.count, 40);
	cr_assert_eq(t.errors, 10);
	cr_assert_float_eq(t.rate_per_s, 20.0, 1e-9);
	cr_assert_float_eq(t.error_share, 0.25, 1e-9);
	syscalls_totals(&model->syscalls, WINDOW_LAST_INTERVAL, &t);
	cr_assert_eq(t.count, 0, "no mark yet: the last interval is empty");
	cr_assert_float_eq(t.rate_per_s, 0.0, 1e-9);
}

Test(windows, overhead_rows_filtered_by_name)
{
	struct overhead_view v;

	model->overhead.mode = OVERHEAD_SAMPLED;
	model->overhead.sampled_ns = SEC;
	model->overhead.n_progs = 3;
	strcpy(model->overhead.progs[0].name, "syscall_enter");
	strcpy(model->overhead.progs[1].name, "syscall_exit");
	strcpy(model->overhead.progs[2].name, "lifecycle_exit");
	model->clock.now_ns = model->clock.start_ns + SEC;
	model_overhead_view_matching(model, "SYSCALL", &v);
	cr_assert_eq(v.n_progs, 2);
	cr_assert_str_eq(v.progs[1].name, "syscall_exit");
	model_overhead_view_matching(model, "exit", &v);
	cr_assert_eq(v.n_progs, 2);
	cr_assert_str_eq(v.progs[1].name, "lifecycle_exit");
}

Test(windows, functions_share_the_windows_and_the_reset)
{
	const struct func_view *views;
	int n;

	funcs_set_info(model->funcs, 0, "handle_request", "app", "app", false);
	lat_samples_add(reads, 2000000, 4, false);
	funcs_set(model->funcs, 0, reads, 4000000);
	model->clock.now_ns = model->clock.start_ns + SEC;
	model_mark_interval(model);
	lat_samples_add(reads, 2000000, 6, false);
	funcs_set(model->funcs, 0, reads, 10000000);
	model->clock.now_ns = model->clock.start_ns + 2 * SEC;
	model_mark_interval(model);
	funcs_views(model->funcs, WINDOW_LAST_INTERVAL, NULL, &views, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(views[0].lat.count, 6);
	cr_assert_eq(views[0].self_ns, 6000000);
	funcs_views(model->funcs, WINDOW_SINCE_RESET, "HANDLE", &views, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(views[0].lat.count, 10);
	funcs_views(model->funcs, WINDOW_SINCE_RESET, "nope", &views, &n);
	cr_assert_eq(n, 0);
	model_reset(model);
	funcs_views(model->funcs, WINDOW_SINCE_RESET, NULL, &views, &n);
	cr_assert_eq(n, 0, "reset empties functions too");
	funcs_views(model->funcs, WINDOW_TOTAL, NULL, &views, &n);
	cr_assert_eq(views[0].lat.count, 10);
}

Test(bars, cover_every_sample_in_contiguous_log_linear_bars)
{
	struct lat_stats *s = calloc(1, sizeof(*s));
	struct lat_bar bars[16];
	__u64 sum = 0;
	int n;

	lat_samples_add(s, 900, 10, false);
	lat_samples_add(s, 40000, 5, false);
	lat_samples_add(s, 40000000, 1, false);
	n = lat_stats_bars(s, bars, 16);
	cr_assert(n >= 2 && n <= 16, "%d bars", n);
	cr_assert_leq(bars[0].low_ns, 900);
	cr_assert_gt(bars[n - 1].high_ns, 40000000);
	for (int i = 0; i < n; i++) {
		sum += bars[i].count;
		if (i)
			cr_assert_eq(bars[i].low_ns, bars[i - 1].high_ns, "bar %d", i);
	}
	cr_assert_eq(sum, 16);
	cr_assert_eq(lat_stats_bars(s, bars, 1), 1);
	cr_assert_eq(bars[0].count, 16);
	free(s);
}

Test(bars, fine_when_the_range_is_narrow_and_none_when_empty)
{
	struct lat_stats *s = calloc(1, sizeof(*s));
	struct lat_bar bars[16];

	cr_assert_eq(lat_stats_bars(s, bars, 16), 0);
	lat_samples_add(s, 1000, 3, false);
	lat_samples_add(s, 1100, 2, false);
	/* 1000 ns is bucket 190, 1100 ns (past 1024) bucket 194. */
	cr_assert_eq(lat_stats_bars(s, bars, 16), 5, "one fine bucket per bar");
	cr_assert_eq(bars[0].count, 3);
	cr_assert_eq(bars[4].count, 2);
	free(s);
}
