// The assertion language: units, precedence, paths, every error's column,
// evaluation against a crafted snapshot, and random garbage.
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "judge/expr.h"

static json_t *snap;

static void setup(void)
{
	json_error_t error;

	snap = json_loads(
		"{\"time\": {\"duration_s\": 2.5},"
		" \"syscalls\": {"
		"  \"read\": {\"count\": 1000, \"errors\": 5, \"rate_per_s\": 400.0,"
		"            \"total_ns\": 2000000, \"min_ns\": 500, \"max_ns\": 40000000,"
		"            \"p50_ns\": 1000, \"p90_ns\": 2000, \"p95_ns\": 3000,"
		"            \"p99_ns\": 800000, \"p999_ns\": 40000000},"
		"  \"openat\": {\"count\": 10, \"errors\": 10, \"rate_per_s\": 4.0,"
		"            \"total_ns\": 50000, \"p50_ns\": 5000, \"p99_ns\": 9000}},"
		" \"requests\": {\"servers\": ["
		"  {\"port\": 8080, \"count\": 190, \"errors\": 1, \"rate_per_s\": 76.0,"
		"   \"p95_ns\": 42000000, \"endpoints\": ["
		"    {\"endpoint\": \"GET /api/status\", \"count\": 150, \"errors\": 1,"
		"     \"rate_per_s\": 60.0, \"p95_ns\": 42000000, \"min_ns\": 900},"
		"    {\"endpoint\": \"GET /x\", \"count\": 40, \"errors\": 0,"
		"     \"rate_per_s\": 16.0, \"p95_ns\": 1000000, \"min_ns\": 800}]},"
		"  {\"port\": 9090, \"count\": 10, \"errors\": 0, \"rate_per_s\": 4.0,"
		"   \"p95_ns\": 5000000, \"endpoints\": ["
		"    {\"endpoint\": \"GET /x\", \"count\": 10, \"errors\": 0,"
		"     \"rate_per_s\": 4.0, \"p95_ns\": 5000000, \"min_ns\": 700}]}],"
		"  \"slow\": {\"reported\": 0}},"
		" \"upstreams\": {\"peers\": ["
		"  {\"peer\": \"127.0.0.1:5432\", \"port\": 5432, \"count\": 30,"
		"   \"errors\": 0, \"rate_per_s\": 12.0, \"p99_ns\": 3000000,"
		"   \"endpoints\": [{\"endpoint\": \"(not http)\", \"count\": 30,"
		"   \"errors\": 0, \"p99_ns\": 3000000}]}]},"
		" \"resources\": {\"groups\": {\"sched\": true}, \"processes\": ["
		"  {\"pid\": 10, \"comm\": \"worker\", \"cpu\": {\"cpu_share\": 0.25},"
		"   \"memory\": {\"rss_kb\": 102400}},"
		"  {\"pid\": 11, \"comm\": \"worker\", \"cpu\": {\"cpu_share\": 0.5},"
		"   \"memory\": {\"rss_kb\": 51200}},"
		"  {\"pid\": 12, \"comm\": \"gone\"}]},"
		" \"overhead\": {\"kernel_cpu_share\": 0.004,"
		"            \"loader\": {\"cpu_share\": 0.01, \"peak_rss_kb\": 15000},"
		"            \"ringbuf\": {\"records\": 7, \"dropped\": 0}}}",
		0, &error);
	cr_assert(snap, "%s", error.text);
}

static void teardown(void)
{
	json_decref(snap);
}

TestSuite(expr, .init = setup, .fini = teardown);

static enum expr_verdict verdict_of(const char *text, struct expr_result *out)
{
	struct expr_result res;
	struct expr_error err;
	struct expr *e;

	cr_assert_eq(expr_parse(text, &e, &err), 0, "'%s': col %d: %s", text, err.column, err.msg);
	expr_eval(e, snap, &res);
	expr_free(e);
	if (out)
		*out = res;
	return res.verdict;
}

static void expect_pass(const char *text)
{
	cr_expect_eq(verdict_of(text, NULL), EXPR_PASS, "'%s' should pass", text);
}

static void expect_fail(const char *text)
{
	cr_expect_eq(verdict_of(text, NULL), EXPR_FAIL, "'%s' should fail", text);
}

static void expect_error(const char *text, int column, const char *needle)
{
	struct expr_error err;
	struct expr *e = (struct expr *)1;

	cr_assert_eq(expr_parse(text, &e, &err), -EINVAL, "'%s' should not parse", text);
	cr_expect_null(e);
	cr_expect_eq(err.column, column, "'%s': column %d, expected %d (%s)", text, err.column,
		     column, err.msg);
	cr_expect(strstr(err.msg, needle), "'%s': message '%s' lacks '%s'", text, err.msg, needle);
}

Test(expr, duration_units)
{
	expect_pass("syscalls.read.p99 < 1ms");
	expect_pass("syscalls.read.p99 == 800us");
	expect_pass("syscalls.read.p99 == 800000ns");
	expect_pass("syscalls.read.p99 == 0.8ms");
	expect_pass("syscalls.read.p99 == 800µs");
	expect_pass("syscalls.read.max == 0.04s");
	expect_fail("syscalls.read.p99 < 800us");
	expect_pass("syscalls.read.p99 <= 800us");
	expect_pass("time.duration == 2.5s");
}

Test(expr, fraction_rate_size_units)
{
	expect_pass("syscalls.read.error_rate == 0.5%");
	expect_pass("syscalls.read.error_rate < 0.01");
	expect_pass("syscalls.openat.error_rate == 100%");
	expect_pass("overhead.kernel_cpu < 2%");
	expect_fail("overhead.kernel_cpu < 0.3%");
	expect_pass("syscalls.read.rate > 100/s");
	expect_pass("syscalls.read.rate > 100");
	expect_pass("overhead.loader_rss < 20MB");
	expect_pass("overhead.loader_rss > 14MB");
	expect_pass("overhead.loader_rss == 15000KB");
	expect_pass("overhead.loader_rss < 1GB");
}

Test(expr, counts_and_aggregates)
{
	expect_pass("syscalls.read.count == 1000");
	expect_pass("syscalls.read.errors == 5");
	expect_pass("syscalls.count == 1010");
	expect_pass("syscalls.errors == 15");
	expect_pass("syscalls.rate == 404/s");
	/* (5 + 10) / (1000 + 10) */
	expect_pass("syscalls.error_rate > 1.48% and syscalls.error_rate < 1.49%");
	expect_pass("syscalls.read.mean == 2us");
	expect_pass("overhead.dropped == 0");
}

Test(expr, quoted_keys)
{
	expect_pass("requests[\"GET /api/status\"].p95 < 100ms");
	expect_pass("requests['GET /api/status'].p95 == 42ms");
	expect_pass("syscalls[\"read\"].count == 1000");
	expect_pass("requests.error_rate == 0.5%");
}

Test(expr, request_upstream_and_resource_paths)
{
	/* an endpoint on one port, or by name over every port */
	expect_pass("requests[\":8080 GET /x\"].p95 == 1ms");
	expect_pass("requests[\":9090 GET /x\"].p95 == 5ms");
	expect_pass("requests[\"GET /x\"].count == 50");
	expect_pass("requests[\"GET /x\"].p95 == 5ms"); /* the worst port's */
	expect_pass("requests[\"GET /x\"].min == 700ns");
	expect_pass("requests[\"GET /x\"].rate == 20/s");
	expect_pass("requests[\":8080\"].count == 190"); /* a port's total */
	expect_pass("requests.rate == 80/s and requests.count == 200");
	expect_fail("requests[\"GET /api/status\"].error_rate < 0.5%");
	expect_pass("upstreams[\"127.0.0.1:5432\"].p99 < 5ms");
	expect_pass("upstreams.count == 30");
	/* summed over the processes that have the figure */
	expect_pass("resources.cpu == 75%");
	expect_pass("resources.rss == 150MB");
	expect_pass("resources.worker.rss < 200MB");
	expect_fail("resources.cpu < 70%");
}

Test(expr, unknown_request_key_is_no_data)
{
	struct expr_result res;

	cr_assert_eq(verdict_of("requests[\"GET /nope\"].p95 < 1s", &res), EXPR_NO_DATA);
	cr_expect(strstr(res.reason, "GET /nope"), "%s", res.reason);
	cr_assert_eq(verdict_of("resources.gone.cpu < 1%", &res), EXPR_NO_DATA);
}

Test(expr, precedence_and_logic)
{
	expect_pass("1 + 2 * 3 == 7");
	expect_pass("(1 + 2) * 3 == 9");
	expect_pass("10 - 4 - 3 == 3");
	expect_pass("12 / 3 / 2 == 2");
	expect_pass("-2 * 3 == -6");
	expect_pass("1 < 2 or 1 > 2 and 1 > 2"); /* and binds tighter */
	expect_fail("(1 < 2 or 1 > 2) and 1 > 2");
	expect_pass("not 1 > 2");
	expect_fail("not 1 < 2 and 1 < 2"); /* not binds tighter than and */
	expect_pass("not (1 < 2 and 1 > 2)");
	expect_pass("1 < 2 && !(2 < 1) || 1 > 2");
	expect_pass("syscalls.read.p99 < 2 * syscalls.read.p90 * 1000");
	expect_pass("syscalls.read.p99 / syscalls.read.p50 == 800");
	expect_pass("syscalls.read.p99 - syscalls.read.p95 == 797us");
	expect_pass("1 != 2 and 2 >= 2 and 3 = 3");
}

Test(expr, no_data_fails_with_a_reason)
{
	struct expr_result res;

	cr_assert_eq(verdict_of("syscalls.write.p99 < 1ms", &res), EXPR_NO_DATA);
	cr_expect(strstr(res.reason, "write"), "%s", res.reason);
	cr_expect_str_eq(res.measured, "no data");
	cr_assert_eq(verdict_of("requests[\"GET /y\"].p95 < 1s", &res), EXPR_NO_DATA);
	cr_assert_eq(verdict_of("syscalls.openat.p95 < 1s", &res), EXPR_NO_DATA,
		     "a field absent from the row");
	/* no data poisons 'or' too: a requirement is never met by accident */
	cr_assert_eq(verdict_of("syscalls.write.p99 < 1ms or 1 < 2", &res), EXPR_NO_DATA);
	json_object_del(snap, "requests");
	cr_assert_eq(verdict_of("requests.error_rate < 1%", &res), EXPR_NO_DATA);
	cr_expect(strstr(res.reason, "requests"), "%s", res.reason);
	cr_assert_eq(verdict_of("1 / (2 - 2) < 1", &res), EXPR_NO_DATA);
}

Test(expr, measured_and_limit_text)
{
	struct expr_result res;

	cr_assert_eq(verdict_of("syscalls.read.p99 < 1ms", &res), EXPR_PASS);
	cr_expect_str_eq(res.measured, "800us");
	cr_expect_str_eq(res.limit, "< 1.00ms");
	verdict_of("syscalls.read.error_rate < 1% and overhead.kernel_cpu < 2%", &res);
	cr_expect_str_eq(res.measured, "0.5%, 0.4%");
	cr_expect_str_eq(res.limit, "< 1%, < 2%");
	verdict_of("syscalls.read.rate >= 100/s", &res);
	cr_expect_str_eq(res.limit, ">= 100/s");
}

Test(expr, errors_carry_their_column)
{
	expect_error("", 1, "expected a number");
	expect_error("syscalls.read.p99", 1, "not a condition");
	expect_error("syscalls.read.p99 < 1xs", 22, "unknown unit 'xs'");
	expect_error("sycalls.read.p99 < 1ms", 1, "unknown name 'sycalls'");
	expect_error("syscalls.read.p98 < 1ms", 15, "unknown metric 'p98'");
	expect_error("syscalls.p99 < 1ms", 10, "needs a key");
	expect_error("syscalls.read.p99 < 1", 19, "needs a unit");
	expect_error("syscalls.read.p99 < 50 ms", 24, "no space before a unit: write 50ms");
	expect_error("syscalls.read.p99 < 5%", 19, "cannot compare a duration with a fraction");
	expect_error("overhead.loader_rss < 2ms", 21, "cannot compare a size with a duration");
	expect_error("syscalls.read.p99 < 1ms < 2ms", 25, "do not chain");
	expect_error("syscalls.read.p99 < 1ms and", 28, "expected a number");
	expect_error("syscalls.read.p99 < 1ms and 3", 25, "joins conditions");
	expect_error("(syscalls.read.p99 < 1ms", 25, "expected ')'");
	expect_error("syscalls.read.p99 < 1ms)", 24, "unexpected ')'");
	expect_error("requests[\"GET /x].p95 < 1ms", 10, "unterminated string");
	expect_error("requests[GET].p95 < 1ms", 10, "quoted key");
	expect_error("requests[\"GET /x\"] < 1ms", 20, "expected '.METRIC'");
	expect_error("syscalls.read. < 1ms", 16, "expected a name after '.'");
	expect_error("syscalls < 1ms", 10, "needs a metric");
	expect_error("1 < 2 $", 7, "unexpected character '$'");
	expect_error("not 3", 1, "'not' needs a condition");
	expect_error("-(1 < 2) < 3", 1, "'-' needs a number");
	expect_error("(1 < 2) + 1 < 3", 9, "used as a number");
	expect_error("1ms + 1% < 3", 5, "cannot add or subtract");
	expect_error("overhead.nope < 1", 10, "unknown metric 'nope' of overhead");
	expect_error("syscalls.read.p99 < 1ms 2", 25, "unexpected a number");
}

Test(expr, deep_nesting_is_an_error_not_a_crash)
{
	char text[4096];
	size_t n = 0;

	for (int i = 0; i < 1000; i++)
		text[n++] = '(';
	strcpy(text + n, "1 < 2");
	expect_error(text, 65, "nested too deeply");
}

/* Random bytes and random token soup: parse must return cleanly, always. */
Test(expr, fuzz_garbage_never_crashes)
{
	static const char *const pieces[] = {
		"syscalls", "requests", ".",	      "read",	    "p99",   "[",  "]",	 "\"k\"",
		"'",	    "(",	")",	      "<",	    "<=",    "==", "!",	 "and",
		"or",	    "not",	"1",	      "2.5",	    "ms",    "%",  "/s", "/",
		"*",	    "-",	"+",	      " ",	    "\\",    "\"", "µ",	 "\xff",
		"1e9",	    "overhead", "kernel_cpu", "error_rate", "count", "KB",
	};
	unsigned int seed = 12345;
	char text[256];

	for (int round = 0; round < 20000; round++) {
		struct expr_result res;
		struct expr_error err;
		struct expr *e;
		size_t n = 0;
		int len = rand_r(&seed) % 40;

		for (int i = 0; i < len && n < sizeof(text) - 16; i++) {
			if (round % 2) {
				text[n++] = (char)(rand_r(&seed) % 255 + 1);
			} else {
				const char *p =
					pieces[rand_r(&seed) % (sizeof(pieces) / sizeof(pieces[0]))];

				n += snprintf(text + n, sizeof(text) - n, "%s", p);
			}
		}
		text[n] = '\0';
		if (expr_parse(text, &e, &err) == 0) {
			expr_eval(e, snap, &res);
			expr_free(e);
		} else {
			cr_assert(err.column >= 1 && err.column <= (int)n + 1,
				  "column %d out of range for '%s'", err.column, text);
			cr_assert(err.msg[0]);
		}
	}
}
