// The resources model: rows, /proc baselines, interval windows, JSON.
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include "cli/options.h"
#include "views/json/snapshot.h"
#include "lat_samples.h"
#include "res_rows.h"

static struct model *model;

static void setup(void)
{
	model = model_new(10);
	cr_assert(model);
	model->res.groups = res_group_bit("sched") | res_group_bit("net");
	model_add_target(model, 42, false);
	model->clock.now_ns = model->clock.start_ns + 2000000000ULL;
}

static void teardown(void)
{
	model_free(model);
}

TestSuite(resources, .init = setup, .fini = teardown);

static void add_samples(struct lat_stats *s, __u64 ns, int n)
{
	lat_samples_add(s, ns, n, false);
}

Test(resources, rows_sorted_by_tgid)
{
	const struct res_view *views;
	int n;

	cr_assert(resources_process(&model->res, 300));
	cr_assert(resources_process(&model->res, 7));
	cr_assert(resources_process(&model->res, 42));
	cr_assert_eq(resources_process(&model->res, 7), resources_process(&model->res, 7));
	resources_views(&model->res, WINDOW_TOTAL, NULL, &views, &n);
	cr_assert_eq(n, 3);
	cr_assert_eq(views[0].proc->tgid, 7);
	cr_assert_eq(views[1].proc->tgid, 42);
	cr_assert_eq(views[2].proc->tgid, 300);
}

Test(resources, many_rows_grow)
{
	for (__u32 t = 1000; t > 0; t--)
		cr_assert(resources_process(&model->res, t));
	cr_assert_eq(model->res.n, 1000);
	for (int i = 0; i < model->res.n; i++)
		cr_assert_eq(model->res.procs[i]->tgid, (__u32)i + 1);
}

Test(resources, fault_baseline_only_for_attached)
{
	struct res_process *attached = resources_process(&model->res, 1);
	struct res_process *spawned = resources_process(&model->res, 2);
	struct proc_stats s = {
		.has_memory = true, .minor_faults = 100, .major_faults = 3, .rss_kb = 50
	};

	res_process_set_proc(attached, &s, true);
	res_process_set_proc(spawned, &s, false);
	cr_assert_eq(MEMORY_NOW(attached, minor_faults), 0);
	cr_assert_eq(MEMORY_NOW(spawned, minor_faults), 100);
	s.minor_faults = 150;
	s.major_faults = 4;
	res_process_set_proc(attached, &s, true);
	cr_assert_eq(MEMORY_NOW(attached, minor_faults), 50);
	cr_assert_eq(MEMORY_NOW(attached, major_faults), 1);
}

Test(resources, zombie_keeps_memory_updates_faults)
{
	struct res_process *row = resources_process(&model->res, 1);
	struct proc_stats live = { .has_memory = true,
				   .rss_kb = 900,
				   .peak_rss_kb = 1000,
				   .threads = 4,
				   .minor_faults = 10 };
	struct proc_stats zombie = { .has_memory = false, .threads = 1, .minor_faults = 25 };

	res_process_set_proc(row, &live, false);
	res_process_set_proc(row, &zombie, false);
	cr_assert_eq(MEMORY_NOW(row, peak_rss_kb), 1000);
	cr_assert_eq(MEMORY_NOW(row, threads), 4);
	cr_assert_eq(MEMORY_NOW(row, minor_faults), 25);
}

Test(resources, interval_differences_counters_and_histograms)
{
	struct res_process *row = resources_process(&model->res, 42);
	const struct res_view *views;
	int n;

	SCHED_NOW(row, on_cpu_ns) = 500000000;
	NET_NOW(row, active_opens) = 3;
	add_samples(res_process_hist(row, fam("sched"), 0), 1000000, 10);
	model_mark_interval(model);
	model->clock.mark_ns = model->clock.start_ns + 1000000000ULL;
	SCHED_NOW(row, on_cpu_ns) += 250000000;
	NET_NOW(row, active_opens) += 2;
	add_samples(res_process_hist(row, fam("sched"), 0), 20000000, 4);

	resources_views(&model->res, WINDOW_INTERVAL, NULL, &views, &n);
	cr_assert_eq(n, 1);
	cr_assert_eq(RES_VIEW(&views[0], "sched", struct sched_counts, on_cpu_ns), 250000000);
	cr_assert_eq(RES_VIEW(&views[0], "net", struct net_counts, active_opens), 2);
	cr_assert_eq(res_view_hist(&views[0], fam("sched"), 0)->count, 4);
	cr_assert_float_eq(res_view_field(&views[0], "sched", "cpu_share"), 0.25, 1e-9);
	/* p50 of the window: 20 ms within the histogram's 1.5625 %. */
	cr_assert_float_eq((double)res_view_hist(&views[0], fam("sched"), 0)->quantile_ns[0], 20e6,
			   20e6 * HIST_ERROR_PPM / 1e6);

	resources_views(&model->res, WINDOW_TOTAL, NULL, &views, &n);
	cr_assert_eq(RES_VIEW(&views[0], "sched", struct sched_counts, on_cpu_ns), 750000000);
	cr_assert_eq(res_view_hist(&views[0], fam("sched"), 0)->count, 14);
	cr_assert_float_eq(res_view_field(&views[0], "sched", "cpu_share"), 0.375, 1e-9);
}

Test(resources, json_sections_follow_groups)
{
	struct res_process *row = resources_process(&model->res, 42);
	json_t *snap, *res, *proc;

	NET_NOW(row, bytes_sent) = 12345;
	cr_assert(!res_row_has_hists(row), "no histogram memory until a histogram is used");
	SCHED_NOW(row, on_cpu_ns) = 1000;
	snap = snapshot_build(model, false);
	res = json_object_get(snap, "resources");
	cr_assert(json_is_true(json_object_get(json_object_get(res, "groups"), "sched")));
	cr_assert(json_is_false(json_object_get(json_object_get(res, "groups"), "block")));
	proc = json_array_get(json_object_get(res, "processes"), 0);
	cr_assert_eq(json_integer_value(json_object_get(proc, "pid")), 42);
	cr_assert_eq(
		json_integer_value(json_object_get(json_object_get(proc, "net"), "bytes_sent")),
		12345);
	cr_assert_eq(json_integer_value(json_object_get(json_object_get(proc, "cpu"), "on_cpu_ns")),
		     1000);
	cr_assert(json_object_get(json_object_get(json_object_get(proc, "net"), "tcp"), "connect"));
	cr_assert_null(json_object_get(proc, "disk"));
	cr_assert_null(json_object_get(proc, "faults"));
	json_decref(snap);
}

static __u32 groups_of(const char *line)
{
	char buf[256], err[128], *argv[16];
	struct trace_settings cli;
	int argc = 0;

	snprintf(buf, sizeof(buf), "record -p 1 %s", line);
	for (char *tok = strtok(buf, " "); tok && argc < 15; tok = strtok(NULL, " "))
		argv[argc++] = tok;
	argv[argc] = NULL;
	cr_assert_eq(trace_cli_parse(argc, argv, &cli, err, sizeof(err)), PARSE_OK, "%s: %s", line,
		     err);
	trace_cli_free(&cli);
	return cli.resource_groups;
}

Test(resource_options, defaults_and_switches)
{
	__u32 all = res_group_bit("sched") | res_group_bit("faults") | res_group_bit("block") |
		    res_group_bit("net");

	cr_assert_eq(groups_of(""), res_default_groups());
	cr_assert_eq(groups_of("--sched --faults --block --net"), all);
	cr_assert_eq(groups_of("--no-sched --no-faults --no-block --no-net"), 0);
	cr_assert_eq(groups_of("--sched --no-sched"),
		     res_default_groups() & ~res_group_bit("sched"));
	cr_assert_eq(groups_of("--no-net"), res_default_groups() & ~res_group_bit("net"));
}
