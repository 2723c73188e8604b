// Native histograms end to end: two real Prometheus servers (Debian's 2.42)
// scrape one latscope, one with --enable-feature=native-histograms (it asks
// for protobuf and stores latscope's schema-5 buckets), one without (it asks
// for OpenMetrics and stores the classic ladder). latscope traces a fixed
// burst of sleeps with a sparse tail; once both have scraped the final
// state, histogram_quantile(0.99) over the native histogram must be within
// 2 % of latscope's own p99 for the same trace. The classic ladder's error
// is printed, not asserted.
//
// Why the tail is sparse and the count 250: Prometheus interpolates inside
// the schema-5 bucket (2.19 % wide) holding the rank q * count. With 247.5,
// halfway between two samples, and n <= 5 samples in that bucket, its answer
// stays 0.5/n of the bucket away from either end, so within
// 2.19 % * (1 - 0.5/n) <= 1.97 % of latscope's midpoint, which lies in the
// same bucket (README "Native histograms").
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include "prometheus.h"

#define N_GETPPID 20000
#define FAST	  240
#define FAST_MS	  1
#define SLOW	  10
#define SLOW_MS	  5 /* 5, 6, ... 14 ms */
#define STEP_MS	  1
#define SLEEPS	  (FAST + SLOW)
#define TOLERANCE 0.02

INTEGRATION_SUITE(prometheus_native);

struct quantiles {
	double native, classic, latscope;
};

static void report(const char *what, const struct quantiles *q)
{
	fprintf(stderr,
		"prometheus_native: %s: latscope %.6g s, native %.6g s (%+.2f %%), "
		"classic %.6g s (%+.2f %%)\n",
		what, q->latscope, q->native, 100 * (q->native / q->latscope - 1), q->classic,
		100 * (q->classic / q->latscope - 1));
}

/* One quantile of one syscall from both servers, and latscope's own. */
static struct quantiles quantile(int native_port, int classic_port, json_t *snap,
				 const char *syscall, const char *q, const char *field)
{
	return (struct quantiles){
		.native = prom_query(native_port,
				     strf("histogram_quantile(%s, latscope_syscall_duration_seconds"
					  "{syscall=\"%s\"})",
					  q, syscall)),
		.classic = prom_query(classic_port,
				      strf("histogram_quantile(%s, latscope_syscall_duration_"
					   "seconds_bucket{syscall=\"%s\"})",
					   q, syscall)),
		.latscope = jint(snap, strf("syscalls.%s.%s", syscall, field)) / 1e9,
	};
}

Test(prometheus_native, quantiles_within_two_percent, .timeout = 120)
{
	const char *dir = temp_dir(), *snap_path = strf("%s/snap.json", dir);
	const char *sleeps = "latscope_syscall_duration_seconds{syscall=\"clock_nanosleep\"}";
	int port, native_port, classic_port;
	struct proc *native, *classic;
	struct quantiles p99, p50, getppid_p99;
	double sum_s;
	struct traced t;
	json_t *snap;

	require_tool("prometheus");
	t = trace_pid_start("scrapeload",
			    (char *[]){ (char *)strf("%d", N_GETPPID), (char *)strf("%d", FAST),
					(char *)strf("%d", FAST_MS), (char *)strf("%d", SLOW),
					(char *)strf("%d", SLOW_MS), (char *)strf("%d", STEP_MS),
					NULL },
			    (char *[]){ "--listen", "127.0.0.1:0", "-o", (char *)snap_path, NULL });
	port = announced_port(t.tracer);
	native_port = free_port();
	native = prom_start(native_port, port, true);
	classic_port = free_port();
	classic = prom_start(classic_port, port, false);
	cr_assert(proc_wait_output(t.workload, false, "done", RUN_TIMEOUT_S),
		  "workload never finished; stderr:\n%s", t.workload->err.data);
	prom_wait_ready(native, native_port);
	prom_wait_ready(classic, classic_port);

	/* Exact counts, through the native histogram and the classic one. */
	prom_wait_value(native_port, strf("histogram_count(%s)", sleeps), SLEEPS);
	prom_wait_value(native_port,
			"histogram_count(latscope_syscall_duration_seconds{syscall=\"getppid\"})",
			N_GETPPID);
	prom_wait_value(classic_port,
			"latscope_syscall_duration_seconds_count{syscall=\"clock_nanosleep\"}",
			SLEEPS);
	cr_assert(isnan(prom_query(native_port, "count(latscope_syscall_duration_seconds_bucket)")),
		  "the native server stored classic buckets: it did not scrape protobuf");
	cr_assert_eq(prom_query(native_port, "up"), 1);
	sum_s = prom_query(native_port, strf("histogram_sum(%s)", sleeps));

	/* End the trace: the workload exits, latscope writes its snapshot. */
	proc_signal(t.workload, SIGTERM);
	proc_wait(t.workload, RUN_TIMEOUT_S);
	proc_wait(t.tracer, RUN_TIMEOUT_S);
	assert_exit(t.tracer, 0);
	snap = json_parse_file(snap_path);
	cr_assert_eq(syscall_count(snap, "clock_nanosleep"), SLEEPS);
	cr_assert_float_eq(sum_s, jint(snap, "syscalls.clock_nanosleep.total_ns") / 1e9, 1e-9);

	p99 = quantile(native_port, classic_port, snap, "clock_nanosleep", "0.99", "p99_ns");
	p50 = quantile(native_port, classic_port, snap, "clock_nanosleep", "0.5", "p50_ns");
	getppid_p99 = quantile(native_port, classic_port, snap, "getppid", "0.99", "p99_ns");
	proc_signal(native, SIGTERM);
	proc_signal(classic, SIGTERM);
	proc_wait(native, 10);
	proc_wait(classic, 10);
	report("clock_nanosleep p99", &p99);
	report("clock_nanosleep p50", &p50);
	report("getppid p99", &getppid_p99);
	cr_assert_leq(fabs(p99.native / p99.latscope - 1), TOLERANCE,
		      "native p99 %.6f s vs latscope's %.6f s", p99.native, p99.latscope);
	json_decref(snap);
}
