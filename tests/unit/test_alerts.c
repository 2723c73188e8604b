// Live alerts: the breach/recovery state machine, the windowed snapshot
// it judges, and a breach that recovers across crafted ticks.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "judge/alerts.h"
#include "hist.h"
#include "judge/snapshot_window.h"

static struct expr_result verdict(enum expr_verdict v)
{
	struct expr_result r = { .verdict = v };

	return r;
}

Test(alerts, state_machine)
{
	struct alert a = {};
	struct expr_result pass = verdict(EXPR_PASS), fail = verdict(EXPR_FAIL),
			   none = verdict(EXPR_NO_DATA);

	cr_expect_eq(alert_step(&a, &pass, 1), ALERT_SAME);
	cr_expect_eq(alert_step(&a, &none, 2), ALERT_SAME, "no data changes nothing");
	cr_expect_eq(alert_step(&a, &fail, 3), ALERT_BREACH);
	cr_expect(a.breached);
	cr_expect_eq(a.since_ns, 3);
	cr_expect_eq(alert_step(&a, &fail, 4), ALERT_SAME, "still breached: one report");
	cr_expect_eq(alert_step(&a, &none, 5), ALERT_SAME);
	cr_expect(a.breached, "no data does not recover");
	cr_expect_eq(alert_step(&a, &pass, 6), ALERT_RECOVERY);
	cr_expect_not(a.breached);
	cr_expect_eq(alert_step(&a, &fail, 7), ALERT_BREACH);
	cr_expect_eq(a.breaches, 2);
}

/* Cumulative "syscalls.nanosleep" after @fast 1 ms calls and @slow 50 ms. */
static json_t *cumulative(int fast, int slow, double seconds)
{
	json_t *hist = json_array();
	__u32 fb = hist_bucket_of(1000000), sb = hist_bucket_of(50000000);

	if (fast)
		json_array_append_new(hist, json_pack("[I, I, i]", (json_int_t)hist_bucket_low(fb),
						      (json_int_t)hist_bucket_width(fb), fast));
	if (slow)
		json_array_append_new(hist, json_pack("[I, I, i]", (json_int_t)hist_bucket_low(sb),
						      (json_int_t)hist_bucket_width(sb), slow));
	return json_pack("{s:{s:f}, s:{s:{s:i, s:i, s:I, s:I, s:I, s:I, s:o}}}",
			 "time", "duration_s", seconds,
			 "syscalls", "nanosleep", "count", fast + slow, "errors", 0,
			 "total_ns", (json_int_t)fast * 1000000 + (json_int_t)slow * 50000000,
			 "min_ns", (json_int_t)(fast ? 1000000 : 50000000),
			 "max_ns", (json_int_t)(slow ? 50000000 : 1000000),
			 "p99_ns", (json_int_t)0, "histogram", hist);
}

static json_int_t window_field(const json_t *w, const char *name)
{
	return json_integer_value(json_object_get(
		json_object_get(json_object_get(w, "syscalls"), "nanosleep"), name));
}

Test(alerts, window_differences_two_snapshots)
{
	json_t *a = cumulative(900, 0, 1.0), *b = cumulative(900, 100, 2.0), *w;

	w = snapshot_window(a, b);
	cr_assert(w);
	cr_expect_eq(window_field(w, "count"), 100);
	cr_expect(labs((long)window_field(w, "p50_ns") - 50000000) < 50000000 / 64,
		  "p50 of the window is the slow calls: %lld", window_field(w, "p50_ns"));
	cr_expect_float_eq(json_number_value(json_object_get(json_object_get(
		json_object_get(w, "syscalls"), "nanosleep"), "rate_per_s")), 100.0, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(json_object_get(w, "time"),
							     "duration_s")), 1.0, 1e-9);
	json_decref(w);
	w = snapshot_window(b, b);
	cr_expect_null(json_object_get(json_object_get(json_object_get(w, "syscalls"),
						       "nanosleep"), "p99_ns"),
		       "an empty window has no percentiles (no data)");
	json_decref(w);
	w = snapshot_window(NULL, a);
	cr_expect_eq(window_field(w, "count"), 900);
	json_decref(w);
	json_decref(a);
	json_decref(b);
}

/* The same calls as a served endpoint in the snapshot's request groups. */
static json_t *cumulative_requests(int fast, int slow, double seconds)
{
	json_t *snap = cumulative(fast, slow, seconds);
	json_t *row = json_deep_copy(json_object_get(json_object_get(snap, "syscalls"),
						     "nanosleep"));
	json_t *group = json_deep_copy(row);

	json_object_set_new(row, "endpoint", json_string("GET /x"));
	json_object_set_new(group, "port", json_integer(8080));
	json_object_set_new(group, "endpoints", json_pack("[o]", row));
	json_object_set_new(snap, "requests", json_pack("{s:[o]}", "servers", group));
	return snap;
}

Test(alerts, request_rows_are_windowed_too)
{
	json_t *a = cumulative_requests(900, 0, 1.0), *b = cumulative_requests(900, 100, 2.0);
	json_t *w = snapshot_window(a, b), *group, *ep;
	struct expr_result res;
	struct expr_error err;
	struct expr *e;

	cr_assert(w);
	group = json_array_get(json_object_get(json_object_get(w, "requests"), "servers"), 0);
	ep = json_array_get(json_object_get(group, "endpoints"), 0);
	cr_expect_eq(json_integer_value(json_object_get(group, "count")), 100);
	cr_expect_eq(json_integer_value(json_object_get(ep, "count")), 100);
	cr_expect_str_eq(json_string_value(json_object_get(ep, "endpoint")), "GET /x");
	cr_assert_eq(expr_parse("requests[\"GET /x\"].p50 > 40ms and requests.count == 100",
				&e, &err), 0, "%s", err.msg);
	expr_eval(e, w, &res);
	cr_expect_eq(res.verdict, EXPR_PASS, "%s", res.measured);
	expr_free(e);
	json_decref(w);
	json_decref(a);
	json_decref(b);
}

Test(alerts, breach_then_recovery_over_ticks)
{
	struct alerts alerts = {};
	char why[256];
	json_t *ticks[4] = {
		cumulative(100, 0, 1), cumulative(100, 20, 2),
		cumulative(100, 20, 3), cumulative(200, 20, 4),
	};
	int changes[4];

	cr_assert_eq(alerts_add(&alerts, "syscalls.nanosleep.p99 < 20ms", why, sizeof(why)), 0);
	cr_assert_eq(alerts_add(&alerts, "syscalls.nanosleep.p99 <", why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "column 25"), "%s", why);
	for (int i = 0; i < 4; i++)
		changes[i] = alerts_tick(&alerts, ticks[i], (i + 1) * 1000000000ULL);
	cr_expect_eq(changes[0], 0);
	cr_expect_eq(changes[1], 1, "slow calls breach");
	cr_expect_eq(changes[2], 0, "no calls: no data, still breached");
	cr_expect_eq(changes[3], 1, "fast again: recovered");
	cr_assert_eq(alerts.n_events, 2);
	cr_expect_eq(alerts.events[0].change, ALERT_BREACH);
	/* the midpoint of 50 ms's bucket, within 1.5625 % */
	cr_expect_str_eq(alerts.events[0].measured, "49.8ms");
	cr_expect_eq(alerts.events[1].change, ALERT_RECOVERY);
	cr_expect_eq(alerts.events[1].realtime_ns, 4000000000ULL);

	json_t *j = alerts_json(&alerts);
	cr_expect_eq(json_array_size(json_object_get(j, "events")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(
		json_array_get(json_object_get(j, "events"), 0), "type")), "breach");
	cr_expect_eq(json_integer_value(json_object_get(
		json_array_get(json_object_get(j, "rules"), 0), "breaches")), 1);
	json_decref(j);
	for (int i = 0; i < 4; i++)
		json_decref(ticks[i]);
	alerts_free(&alerts);
}

/* Windows over snapshots of the wrong shape: no crash, no invented data. */
Test(alerts, window_of_malformed_snapshots)
{
	static const char *const docs[] = {
		"{}", "{\"time\": 3}", "{\"syscalls\": {\"read\": {\"count\": 5}}}",
		"{\"syscalls\": {\"read\": {\"count\": 5, \"histogram\": [[1], \"x\", [-1, 1, 5],"
		" [99999999999999999, 1, 3]]}}}",
		"{\"syscalls\": {\"read\": {\"count\": 3, \"histogram\": 7}}}",
	};
	size_t n = sizeof(docs) / sizeof(docs[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			json_t *a = json_loads(docs[i], 0, NULL), *b = json_loads(docs[j], 0, NULL);
			json_t *w = snapshot_window(a, b);

			cr_assert(w, "%s then %s", docs[i], docs[j]);
			json_decref(w);
			json_decref(a);
			json_decref(b);
		}
	}
}
