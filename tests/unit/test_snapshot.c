// The JSON snapshot: built from a crafted model, parsed back with jansson.
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lat_samples.h"
#include "views/json/snapshot.h"

static struct model *model;

static void setup(void)
{
	struct lat_stats *read_stats = calloc(1, sizeof(*read_stats));
	struct lat_stats *open_stats = calloc(1, sizeof(*open_stats));
	struct syscall_slow_rec slow = {
		.hdr = { .type = REC_SYSCALL_SLOW, .tgid = 42, .tid = 43 },
		.nr = 0,
		.arg0 = 3,
		.ret = 17,
		.duration_ns = 60000000,
	};
	struct proc_rec exec_rec = {
		.hdr = { .type = REC_PROC_EXEC, .tgid = 42, .tid = 42 },
		.comm = "worker",
		.filename = "/usr/bin/worker",
	};
	struct proc_rec exit_rec = {
		.hdr = { .type = REC_PROC_EXIT, .tgid = 42, .tid = 42 },
		.exit_code = 3 << 8,
		.comm = "worker",
	};

	model = model_new(10);
	cr_assert(model && read_stats && open_stats);
	model_set_slow_threshold(model, 50000000);
	model_add_target(model, 42, false);
	lat_samples_add(read_stats, 2000, 900, false);
	lat_samples_add(read_stats, 60000000, 100, false);
	lat_samples_add(open_stats, 5000, 7, true);
	syscalls_set(&model->syscalls, 0, read_stats);	 /* read */
	syscalls_set(&model->syscalls, 257, open_stats); /* openat */
	syscalls_set_errno(&model->syscalls, 257, 2, 7);
	cr_assert_eq(model_add_record(model, &slow, sizeof(slow)), REC_SYSCALL_SLOW);
	cr_assert_eq(model_add_record(model, &exec_rec, sizeof(exec_rec)), REC_PROC_EXEC);
	cr_assert_eq(model_add_record(model, &exit_rec, sizeof(exit_rec)), REC_PROC_EXIT);
	model->clock.now_ns = model->clock.start_ns + 2000000000ULL;
	free(read_stats);
	free(open_stats);
}

static void teardown(void)
{
	model_free(model);
}

static json_t *round_trip(void)
{
	json_t *snap = snapshot_build(model, false);
	char *text = json_dumps(snap, 0);
	json_error_t error;
	json_t *parsed = json_loads(text, 0, &error);

	cr_assert(parsed, "snapshot does not parse: %s", error.text);
	free(text);
	json_decref(snap);
	return parsed;
}

TestSuite(snapshot, .init = setup, .fini = teardown);

Test(snapshot, schema_and_version)
{
	json_t *snap = round_trip();

	cr_assert_str_eq(json_string_value(json_object_get(snap, "schema")), "latscope.snapshot");
	cr_assert_eq(json_integer_value(json_object_get(snap, "version")), SNAPSHOT_VERSION);
	cr_assert_float_eq(
		json_real_value(json_object_get(json_object_get(snap, "time"), "duration_s")), 2.0,
		1e-9);
	json_decref(snap);
}

Test(snapshot, syscalls_carry_counts_and_percentiles)
{
	json_t *snap = round_trip();
	json_t *read = json_object_get(json_object_get(snap, "syscalls"), "read");

	cr_assert(read, "read is keyed by name");
	cr_assert_eq(json_integer_value(json_object_get(read, "count")), 1000);
	cr_assert_eq(json_integer_value(json_object_get(read, "p50_ns")),
		     lat_stats_quantile(&model->syscalls.rows[0]->lat.now, 0.5));
	cr_assert_eq(json_integer_value(json_object_get(read, "p99_ns")),
		     lat_stats_quantile(&model->syscalls.rows[0]->lat.now, 0.99));
	cr_assert_eq(json_integer_value(json_object_get(read, "max_ns")), 60000000);
	cr_assert_float_eq(json_real_value(json_object_get(read, "rate_per_s")), 500.0, 1e-6);
	cr_assert_eq(json_array_size(json_object_get(read, "histogram")), 2);
	json_decref(snap);
}

Test(snapshot, sorted_by_total_time_then_errnos_named)
{
	json_t *snap = round_trip();
	json_t *syscalls = json_object_get(snap, "syscalls");
	json_t *openat = json_object_get(syscalls, "openat");
	json_t *top = json_array_get(json_object_get(openat, "top_errnos"), 0);

	cr_assert_str_eq(json_object_iter_key(json_object_iter(syscalls)), "read");
	cr_assert_eq(json_integer_value(json_object_get(openat, "errors")), 7);
	cr_assert_str_eq(json_string_value(json_object_get(top, "name")), "ENOENT");
	cr_assert_eq(json_integer_value(json_object_get(top, "count")), 7);
	json_decref(snap);
}

Test(snapshot, events_and_targets)
{
	json_t *snap = round_trip();
	json_t *slow = json_object_get(snap, "slow_syscalls");
	json_t *ev = json_array_get(json_object_get(slow, "events"), 0);
	json_t *target = json_array_get(json_object_get(snap, "targets"), 0);

	cr_assert_eq(json_integer_value(json_object_get(slow, "reported")), 1);
	cr_assert_str_eq(json_string_value(json_object_get(ev, "syscall")), "read");
	cr_assert_eq(json_integer_value(json_object_get(ev, "duration_ns")), 60000000);
	cr_assert_str_eq(json_string_value(json_object_get(target, "state")), "exited");
	cr_assert_str_eq(json_string_value(json_object_get(target, "comm")), "worker",
			 "exec renames the target");
	cr_assert_eq(json_integer_value(
			     json_object_get(json_object_get(snap, "process_events"), "total")),
		     2);
	json_decref(snap);
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

Test(snapshot, file_written_atomically)
{
	char dir[] = "/tmp/latscope-unit-XXXXXX", path[128];
	json_t *snap = snapshot_build(model, true), *back;
	json_error_t error;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/snap.json", dir);
	cr_assert_eq(snapshot_write_file(path, snap), 0);
	cr_assert_eq(snapshot_write_file(path, snap), 0, "replacing works too");
	back = json_load_file(path, 0, &error);
	cr_assert(back, "%s", error.text);
	cr_assert(json_object_get(back, "interval"));
	cr_assert_eq(count_entries(dir), 1, "no temp file left behind");
	unlink(path);
	rmdir(dir);
	json_decref(back);
	json_decref(snap);
}

Test(snapshot, unwritable_path_fails_cleanly)
{
	json_t *snap = snapshot_build(model, false);
	char why[256];

	cr_assert_lt(snapshot_write_file("/nonexistent-dir/snap.json", snap), 0);
	cr_assert_lt(snapshot_check_writable("/nonexistent-dir/snap.json", why, sizeof(why)), 0);
	cr_assert(strstr(why, "/nonexistent-dir/snap.json"));
	json_decref(snap);
}

/* Readers refuse what they cannot vouch for, in one line. */
Test(snapshot_read, version_and_section_types)
{
	static const struct {
		const char *doc, *why;
	} bad[] = {
		{ "{\"schema\":\"latscope.snapshot\",\"version\":99}",
		  "cannot read snapshot s.json: version 99, this latscope reads version 1" },
		{ "{\"schema\":\"latscope.snapshot\"}",
		  "cannot read snapshot s.json: no integer \"version\"" },
		{ "{\"schema\":\"latscope.snapshot\",\"version\":1,\"syscalls\":[1,2]}",
		  "cannot read snapshot s.json: \"syscalls\" is an array, not an object" },
		{ "{\"schema\":\"latscope.snapshot\",\"version\":1,\"targets\":{}}",
		  "cannot read snapshot s.json: \"targets\" is an object, not an array" },
		{ "{\"schema\":\"other\",\"version\":1}",
		  "cannot read snapshot s.json: not a latscope snapshot" },
	};
	char why[256];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = json_loads(bad[i].doc, 0, NULL);

		cr_assert(doc);
		cr_expect_neq(snapshot_validate(doc, "s.json", why, sizeof(why)), 0, "%s",
			      bad[i].doc);
		cr_expect_str_eq(why, bad[i].why);
		json_decref(doc);
	}
}

Test(snapshot_read, histogram_round_trip)
{
	struct lat_stats *in = calloc(1, sizeof(*in)), *out = calloc(1, sizeof(*out));
	json_t *hist, *bad;

	cr_assert(in && out);
	lat_samples_add(in, 700, 10, false);
	lat_samples_add(in, 123456789, 3, false);
	hist = snapshot_hist_json(in);
	cr_assert_eq(snapshot_hist_decode(hist, out), 0);
	cr_expect_eq(out->count, 13);
	cr_expect_eq(memcmp(in->buckets, out->buckets, sizeof(in->buckets)), 0);
	bad = json_loads("[[701, 1, 3]]", 0, NULL);
	cr_expect_eq(snapshot_hist_decode(bad, out), -EINVAL, "701 starts no bucket of 16ns");
	json_decref(bad);
	json_decref(hist);
	free(in);
	free(out);
}
