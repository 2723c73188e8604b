// Live alerts: the breach/recovery state machine, the model's tick window
// it judges live, and a breach that recovers across crafted ticks.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "unit/request_recs.h"
#include "judge/alerts.h"
#include "base/syscall_names.h"
#include "hist.h"
#include "model/model.h"
#include "views/json/snapshot.h"
#include "lat_samples.h"

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

#define SEC 1000000000ULL

static __u32 nanosleep_nr(void)
{
	char buf[32];

	for (__u32 nr = 0; nr < LATSCOPE_MAX_SYSCALLS; nr++)
		if (!strcmp(syscall_name(nr, buf, sizeof(buf)), "nanosleep"))
			return nr;
	cr_assert_fail("no nanosleep in the syscall table");
	return 0;
}

/* The kernel's cumulative "nanosleep" after @fast 1 ms calls and @slow 50 ms, at @seconds. */
static void cumulative(struct model *m, int fast, int slow, double seconds)
{
	struct lat_stats lat = {};

	lat_samples_add(&lat, 1000000, fast, false);
	lat_samples_add(&lat, 50000000, slow, false);
	cr_assert_eq(syscalls_set(&m->syscalls, nanosleep_nr(), &lat), 0);
	model_set_now(m, m->clock.start_ns + (__u64)(seconds * SEC));
}

static enum expr_verdict judge_tick(struct model *m, const char *text, struct expr_result *res)
{
	struct expr_error err;
	struct expr *e;

	cr_assert_eq(expr_parse(text, &e, &err), 0, "%s: %s", text, err.msg);
	expr_eval_live(e, m, WINDOW_TICK, res);
	expr_free(e);
	return res->verdict;
}

static void expect_tick(struct model *m, const char *text, enum expr_verdict want)
{
	struct expr_result res;

	cr_expect_eq(judge_tick(m, text, &res), want, "%s: measured %s (%s)", text, res.measured,
		     res.reason);
}

Test(alerts, tick_window_differences_two_readings)
{
	struct model *m = model_new(8);

	cumulative(m, 900, 0, 1.0);
	/* The first tick covers everything so far. */
	expect_tick(m, "syscalls.nanosleep.count == 900", EXPR_PASS);
	model_mark_tick(m);
	cumulative(m, 900, 100, 2.0);
	expect_tick(m, "syscalls.nanosleep.count == 100", EXPR_PASS);
	/* p50 of the window is the slow calls, within 1.5625 % of 50 ms. */
	expect_tick(m, "syscalls.nanosleep.p50 > 49.2ms and syscalls.nanosleep.p50 < 50.8ms",
		    EXPR_PASS);
	expect_tick(m, "syscalls.nanosleep.rate == 100", EXPR_PASS);
	expect_tick(m, "time.duration == 1s", EXPR_PASS);
	model_mark_tick(m);
	expect_tick(m, "syscalls.nanosleep.p99 < 1s", EXPR_NO_DATA);
	model_free(m);
}

/* @n requests "GET /x" taking @ns each, on server group 0 (port 8080). */
static void served(struct model *m, int n, __u64 ns, struct lat_stats *group)
{
	static const char req[] = "GET /x HTTP/1.1\r\n", resp[] = "HTTP/1.1 200 OK\r\n";
	struct req_group_key key = { .role = REQ_ROLE_SERVER, .port = 8080 };
	struct req_group_counts counts = {};
	struct request_rec rec = {
		.hdr = { .type = REC_REQUEST, .tgid = 10, .tid = 11, .ts_ns = 1 },
		.role = REQ_ROLE_SERVER,
		.outcome = REQ_DONE,
		.local_port = 8080,
		.duration_ns = ns,
	};

	request_rec_set(&rec, req, resp);
	for (int i = 0; i < n; i++)
		cr_assert_eq(model_add_record(m, &rec, sizeof(rec)), REC_REQUEST);
	lat_samples_add(group, ns, n, false);
	counts.status[2] = group->count;
	cr_assert_eq(requests_set_group(m->requests, 0, &key, group, &counts), 0);
}

Test(alerts, request_rows_are_windowed_too)
{
	struct model *m = model_new(8);
	struct lat_stats group = {};

	served(m, 900, 1000000, &group);
	model_set_now(m, m->clock.start_ns + SEC);
	model_mark_tick(m);
	served(m, 100, 50000000, &group);
	model_set_now(m, m->clock.start_ns + 2 * SEC);
	expect_tick(m, "requests[\":8080\"].count == 100", EXPR_PASS);
	expect_tick(m, "requests[\":8080 GET /x\"].count == 100", EXPR_PASS);
	expect_tick(m, "requests[\"GET /x\"].p50 > 40ms and requests.count == 100", EXPR_PASS);
	model_free(m);
}

Test(alerts, breach_then_recovery_over_ticks)
{
	static const struct {
		int fast, slow;
	} ticks[4] = {
		{ 100, 0 },
		{ 100, 20 },
		{ 100, 20 },
		{ 200, 20 },
	};
	struct model *m = model_new(8);
	struct alerts alerts = {};
	char why[256];
	int changes[4];

	cr_assert_eq(alerts_add(&alerts, "syscalls.nanosleep.p99 < 20ms", why, sizeof(why)), 0);
	cr_assert_eq(alerts_add(&alerts, "syscalls.nanosleep.p99 <", why, sizeof(why)), -EINVAL);
	cr_expect(strstr(why, "column 25"), "%s", why);
	for (int i = 0; i < 4; i++) {
		cumulative(m, ticks[i].fast, ticks[i].slow, i + 1);
		changes[i] = alerts_tick(&alerts, m, (i + 1) * SEC);
	}
	cr_expect_eq(changes[0], 0);
	cr_expect_eq(changes[1], 1, "slow calls breach");
	cr_expect_eq(changes[2], 0, "no calls: no data, still breached");
	cr_expect_eq(changes[3], 1, "fast again: recovered");
	cr_assert_eq(alerts.n_events, 2);
	cr_expect_eq(alerts.events[0].change, ALERT_BREACH);
	/* the midpoint of 50 ms's bucket, within 1.5625 % */
	cr_expect_str_eq(alerts.events[0].measured, "49.8ms");
	cr_expect_eq(alerts.events[1].change, ALERT_RECOVERY);
	cr_expect_eq(alerts.events[1].realtime_ns, 4 * SEC);

	json_t *j = alerts_json(&alerts);

	cr_expect_eq(json_array_size(json_object_get(j, "events")), 2);
	cr_expect_str_eq(json_string_value(json_object_get(
				 json_array_get(json_object_get(j, "events"), 0), "type")),
			 "breach");
	cr_expect_eq(json_integer_value(json_object_get(
			     json_array_get(json_object_get(j, "rules"), 0), "breaches")),
		     1);
	json_decref(j);
	alerts_free(&alerts);
	model_free(m);
}

/* Every section read live from an empty model: no data, never invented, no crash. */
Test(alerts, live_fields_of_an_empty_model)
{
	static const char *const exprs[] = {
		"syscalls.read.p99 < 1ms",    "syscalls.count > 0",	   "requests.count > 0",
		"requests[\":80\"].p99 < 1s", "upstreams.error_rate < 1%", "functions.f.p99 < 1ms",
		"resources.rss > 0",	      "resources[\"x\"].cpu < 1%",
	};
	struct model *m = model_new(8);
	struct expr_result res;

	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		enum expr_verdict v = judge_tick(m, exprs[i], &res);

		cr_expect(v == EXPR_NO_DATA || (v == EXPR_FAIL && strstr(exprs[i], "count")),
			  "%s: %s", exprs[i], expr_verdict_name(v));
	}
	expect_tick(m, "overhead.dropped == 0", EXPR_PASS);
	model_free(m);
}

/* Live and snapshot evaluation agree, section by section, over the whole trace. */
Test(alerts, live_matches_snapshot)
{
	static const char *const exprs[] = {
		"syscalls.nanosleep.p99 < 20ms", "syscalls.nanosleep.mean > 1ms",
		"syscalls.count == 120",	 "syscalls.nanosleep.error_rate < 1%",
		"requests[\":8080\"].p50 < 2ms", "requests[\"GET /x\"].count == 30",
		"requests.error_rate == 0",	 "functions.handle.p99 < 1s",
		"functions.handle.errors == 0",	 "resources[\"app\"].net_sent == 4600",
		"resources.rss > 1MB",		 "resources.app.off_cpu_p99 < 1s",
		"time.duration == 2s",		 "overhead.dropped == 0",
		"slow_syscalls.reported == 0",
	};
	struct model *m = model_new(8);
	struct lat_stats group = {}, func = {};
	struct res_process *p;
	struct proc_stats st = { .rss_kb = 2048, .threads = 3, .has_memory = true };
	json_t *snap;

	m->res.groups = res_group_bit("net") | res_group_bit("sched");
	cumulative(m, 100, 20, 2.0);
	served(m, 30, 1000000, &group);
	lat_samples_add(&func, 3000, 10, false);
	cr_assert_eq(funcs_set_info(m->funcs, 0, "handle", "/bin/app", "/bin/app", false), 0);
	cr_assert_eq(funcs_set(m->funcs, 0, &func, 100), 0);
	p = resources_process(&m->res, 42);
	strcpy(p->comm, "app");
	res_process_slot(p, res_family_find("net"), RES_SLOT(struct net_counts, bytes_sent))->now =
		4600;
	lat_samples_add(res_process_hist(p, res_family_find("sched"), 0), 2000000, 5, false);
	res_process_set_proc(p, &st, false);
	snap = snapshot_build(m, false);
	for (size_t i = 0; i < sizeof(exprs) / sizeof(exprs[0]); i++) {
		struct expr_result live, saved;
		struct expr_error err;
		struct expr *e;

		cr_assert_eq(expr_parse(exprs[i], &e, &err), 0, "%s: %s", exprs[i], err.msg);
		expr_eval(e, snap, &saved);
		expr_eval_live(e, m, WINDOW_TOTAL, &live);
		cr_expect_eq(live.verdict, saved.verdict, "%s", exprs[i]);
		cr_expect_str_eq(live.measured, saved.measured, "%s", exprs[i]);
		expr_free(e);
	}
	json_decref(snap);
	model_free(m);
}
