// diff on crafted snapshots: matching, thresholds, sample-count rules.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "judge/diff.h"

static json_t *row(int count, int errors, double rate, long p50, long p99)
{
	return json_pack("{s:i, s:i, s:f, s:I, s:I, s:I, s:I, s:I, s:I}", "count", count, "errors",
			 errors, "rate_per_s", rate, "total_ns", (json_int_t)p50 * count, "p50_ns",
			 (json_int_t)p50, "p90_ns", (json_int_t)p50, "p95_ns", (json_int_t)p50,
			 "p99_ns", (json_int_t)p99, "p999_ns", (json_int_t)p99);
}

static json_t *snapshot(json_t *syscalls)
{
	return json_pack("{s:s, s:o, s:{s:f}}", "schema", "latscope.snapshot", "syscalls", syscalls,
			 "overhead", "kernel_cpu_share", 0.01);
}

/* The row of the result for @key/@metric, or NULL. */
static const json_t *find(const json_t *res, const char *key, const char *metric)
{
	const json_t *r;
	size_t i;

	json_array_foreach (json_object_get(res, "rows"), i, r)
		if (!strcmp(json_string_value(json_object_get(r, "key")), key) &&
		    !strcmp(json_string_value(json_object_get(r, "metric")), metric))
			return r;
	return NULL;
}

static bool flagged(const json_t *res, const char *key, const char *metric)
{
	const json_t *r = find(res, key, metric);

	cr_assert(r, "no row %s.%s", key, metric);
	return json_is_true(json_object_get(r, "regression"));
}

static json_t *run(json_t *base, json_t *next, struct diff_opts *opts)
{
	json_t *res = diff_snapshots(base, next, opts);

	json_decref(base);
	json_decref(next);
	cr_assert(res);
	return res;
}

Test(diff, flags_regressions_beyond_the_threshold)
{
	struct diff_opts opts;
	json_t *res;

	diff_opts_init(&opts);
	res = run(snapshot(json_pack("{s:o, s:o}", "read", row(1000, 0, 100, 1000, 5000), "write",
				     row(1000, 0, 100, 1000, 5000))),
		  snapshot(json_pack("{s:o, s:o}", "read", row(1000, 0, 100, 1050, 6000), "write",
				     row(1000, 0, 50, 900, 5400))),
		  &opts);
	cr_expect_not(flagged(res, "read", "p50"), "+5%% is within 10%%");
	cr_expect(flagged(res, "read", "p99"), "+20%% is a regression");
	cr_expect_not(flagged(res, "write", "p50"), "faster is fine");
	cr_expect_not(flagged(res, "write", "p99"), "+8%%");
	cr_expect_not(flagged(res, "write", "rate"), "rate is informational by default");
	cr_expect_float_eq(json_number_value(json_object_get(find(res, "read", "p99"), "change")),
			   0.2, 1e-9);
	cr_expect_eq(json_integer_value(json_object_get(res, "regressions")), 2,
		     "read p99 and p999 (mean is +5%%) -> %lld",
		     json_integer_value(json_object_get(res, "regressions")));
	json_decref(res);
}

Test(diff, per_metric_thresholds)
{
	struct diff_opts opts;
	char why[256];
	json_t *res;

	diff_opts_init(&opts);
	cr_assert_eq(diff_opts_threshold(&opts, "p99=50%", why, sizeof(why)), 0);
	cr_assert_eq(diff_opts_threshold(&opts, "p50=1%", why, sizeof(why)), 0);
	cr_assert_eq(diff_opts_threshold(&opts, "rate=10%", why, sizeof(why)), 0);
	cr_assert_eq(diff_opts_threshold(&opts, "25%", why, sizeof(why)), 0);
	res = run(snapshot(json_pack("{s:o}", "read", row(1000, 0, 100, 1000, 5000))),
		  snapshot(json_pack("{s:o}", "read", row(1000, 0, 80, 1050, 6000))), &opts);
	cr_expect(flagged(res, "read", "p50"), "+5%% > 1%%");
	cr_expect_not(flagged(res, "read", "p99"), "+20%% < 50%%");
	cr_expect_not(flagged(res, "read", "p999"), "+20%% < 25%% (default)");
	cr_expect(flagged(res, "read", "rate"), "-20%% with rate=10%%");
	json_decref(res);
}

Test(diff, error_rate_in_points)
{
	struct diff_opts opts;
	json_t *res;

	diff_opts_init(&opts);
	res = run(snapshot(json_pack("{s:o, s:o}", "a", row(1000, 0, 1, 1000, 1000), "b",
				     row(1000, 100, 1, 1000, 1000))),
		  snapshot(json_pack("{s:o, s:o}", "a", row(1000, 5, 1, 1000, 1000), "b",
				     row(1000, 120, 1, 1000, 1000))),
		  &opts);
	cr_expect_not(flagged(res, "a", "error_rate"), "0 -> 0.5%%: +0.5 points");
	cr_expect(flagged(res, "b", "error_rate"), "10%% -> 12%%: +2 points");
	cr_expect(json_is_null(json_object_get(find(res, "a", "error_rate"), "change")));
	json_decref(res);
}

Test(diff, too_few_samples_and_unmatched_rows)
{
	struct diff_opts opts;
	json_t *res, *skipped;

	diff_opts_init(&opts);
	res = run(
		snapshot(json_pack("{s:o, s:o, s:o}", "rare", row(10, 0, 1, 1000, 1000), "mid",
				   row(50, 0, 1, 1000, 1000), "gone", row(500, 0, 1, 1000, 1000))),
		snapshot(json_pack("{s:o, s:o, s:o}", "rare", row(10, 0, 1, 9000, 9000), "mid",
				   row(50, 0, 1, 1000, 9000), "fresh", row(500, 0, 1, 1000, 1000))),
		&opts);
	cr_expect_null(find(res, "rare", "p50"), "below --min-count");
	cr_expect_not_null(find(res, "mid", "p95"), "p95 needs 20");
	cr_expect_null(find(res, "mid", "p99"), "p99 needs 100 samples on both sides");
	cr_expect_eq(json_integer_value(json_object_get(res, "regressions")), 0);
	skipped = json_object_get(res, "skipped");
	cr_expect_eq(json_array_size(skipped), 3, "rare, gone, fresh");
	json_decref(res);
}

Test(diff, ignores_sections_that_are_not_latency_tables)
{
	struct diff_opts opts;
	json_t *res;

	diff_opts_init(&opts);
	res = run(json_pack("{s:{s:{s:i}}, s:[]}", "targets_like", "x", "pid", 1, "list"),
		  json_pack("{s:{s:{s:i}}}", "targets_like", "x", "pid", 2), &opts);
	cr_expect_eq(json_array_size(json_object_get(res, "rows")), 0);
	json_decref(res);
}

Test(diff, threshold_parse_errors)
{
	struct diff_opts opts;
	char why[256];

	diff_opts_init(&opts);
	cr_expect_eq(diff_opts_threshold(&opts, "ten", why, sizeof(why)), -EINVAL);
	cr_expect_eq(diff_opts_threshold(&opts, "-5%", why, sizeof(why)), -EINVAL);
	cr_expect_eq(diff_opts_threshold(&opts, "p98=5%", why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "unknown metric"), "%s", why);
	cr_expect_eq(diff_opts_threshold(&opts, "p99=", why, sizeof(why)), -EINVAL);
	cr_expect_eq(diff_opts_threshold(&opts, "0.05", why, sizeof(why)), 0);
	cr_expect_float_eq(opts.max_regression, 0.05, 1e-12);
}

Test(diff, text_output)
{
	struct diff_opts opts;
	char *text = NULL;
	size_t len;
	FILE *out = open_memstream(&text, &len);
	json_t *res;

	diff_opts_init(&opts);
	res = run(snapshot(json_pack("{s:o}", "read", row(1000, 0, 100, 1000000, 2000000))),
		  snapshot(json_pack("{s:o}", "read", row(1000, 0, 100, 1000000, 3000000))), &opts);
	diff_print(out, res);
	fclose(out);
	cr_expect(strstr(text, "2.00ms"), "%s", text);
	cr_expect(strstr(text, "3.00ms"), "%s", text);
	cr_expect(strstr(text, "+50.0%  REGRESSION"), "%s", text);
	cr_expect(strstr(text, "2 regressions"), "%s", text);
	free(text);
	json_decref(res);
}

/* Snapshots of the wrong shape are compared where they can be, never crash. */
Test(diff, malformed_snapshots)
{
	static const char *const docs[] = {
		"{}",
		"{\"syscalls\": []}",
		"{\"syscalls\": {\"read\": 5}}",
		"{\"syscalls\": {\"read\": {\"count\": \"many\", \"p50_ns\": null}}}",
		"{\"syscalls\": {\"read\": {\"count\": 1e30, \"p50_ns\": -5, \"p99_ns\": 1.5}}}",
		"{\"syscalls\": {\"read\": {\"count\": 100, \"p50_ns\": 0}}}",
	};
	size_t n = sizeof(docs) / sizeof(docs[0]);
	struct diff_opts opts;

	diff_opts_init(&opts);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			json_t *a = json_loads(docs[i], 0, NULL), *b = json_loads(docs[j], 0, NULL);
			json_t *res = diff_snapshots(a, b, &opts);
			FILE *out = fopen("/dev/null", "w");

			cr_assert(res, "%s vs %s", docs[i], docs[j]);
			diff_print(out, res);
			fclose(out);
			json_decref(res);
			json_decref(a);
			json_decref(b);
		}
	}
}

/* A snapshot with one served port (its total and @endpoint) and one peer. */
static json_t *request_snapshot_on(int http_port, const char *endpoint, long p99)
{
	json_t *ep = row(500, 0, 50, 1000, p99), *port = row(500, 0, 50, 1000, p99);
	json_t *peer = row(200, 0, 20, 3000, 9000);

	json_object_set_new(ep, "endpoint", json_string(endpoint));
	json_object_set_new(port, "port", json_integer(http_port));
	json_object_set_new(port, "endpoints", json_pack("[o]", ep));
	json_object_set_new(peer, "peer", json_string("127.0.0.1:5432"));
	json_object_set_new(peer, "endpoints", json_array());
	return json_pack("{s:s, s:{s:[o], s:{}}, s:{s:[o]}}", "schema", "latscope.snapshot",
			 "requests", "servers", port, "slow", "upstreams", "peers", peer);
}

static json_t *request_snapshot(const char *endpoint, long p99)
{
	return request_snapshot_on(8080, endpoint, p99);
}

Test(diff, matches_request_endpoints_and_upstream_peers)
{
	struct diff_opts opts;
	json_t *res, *skipped;

	diff_opts_init(&opts);
	res = run(request_snapshot("GET /x", 1000000), request_snapshot("GET /x", 2000000), &opts);
	cr_expect(flagged(res, ":8080 GET /x", "p99"), "endpoint p99 doubled");
	cr_expect(flagged(res, ":8080", "p99"), "the port's total too");
	cr_expect_not(flagged(res, "127.0.0.1:5432", "p99"), "peer unchanged");
	cr_expect_not(flagged(res, ":8080 GET /x", "p50"));
	cr_expect_eq(json_integer_value(json_object_get(res, "regressions")), 2);
	json_decref(res);

	res = run(request_snapshot("GET /x", 1000000), request_snapshot("GET /y", 1000000), &opts);
	skipped = json_object_get(res, "skipped");
	cr_expect_eq(json_array_size(skipped), 2, "GET /x gone, GET /y new");
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(skipped, 0), "section")),
			 "requests");
	json_decref(res);
}

/* A service restarted on another port: its endpoints still pair by name. */
Test(diff, endpoints_on_another_port_pair_by_name)
{
	struct diff_opts opts;
	json_t *res;

	diff_opts_init(&opts);
	res = run(request_snapshot_on(8080, "GET /x", 1000000),
		  request_snapshot_on(9090, "GET /x", 2000000), &opts);
	cr_expect(flagged(res, "GET /x", "p99"), "paired by name, p99 doubled");
	cr_expect_null(find(res, ":8080", "p99"), "ports themselves do not pair");
	cr_expect_eq(json_array_size(json_object_get(res, "skipped")), 2, ":8080, :9090");
	json_decref(res);
}
