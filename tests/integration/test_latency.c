// Latencies against references the workload measures itself, and the slow
// path (one ring-buffer record per call above --slow).
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(latency);

/*
 * Tolerance for p50 against the workload's own median: the histogram adds at
 * most 1.5625 %, and user-space timing adds the syscall entry and exit
 * (microseconds against 2 ms); 5 % leaves room for both without hiding a
 * wrong bucket or unit.
 */
#define P50_TOLERANCE 0.05

/* glibc's nanosleep() is the clock_nanosleep syscall since 2.31; accept both. */
static const char *sleep_syscall(json_t *snap)
{
	if (syscall_count(snap, "clock_nanosleep"))
		return "clock_nanosleep";
	return "nanosleep";
}

static long long workload_median_ns(const struct proc *workload)
{
	const char *line = strstr(workload->err.data, "median_ns ");

	cr_assert(line, "workload printed no median; stderr:\n%s", workload->err.data);
	return strtoll(line + strlen("median_ns "), NULL, 10);
}

Test(latency, sleep_p50_matches_workload_median)
{
	struct traced t = trace_pid("sysload", (char *[]){ "sleep", "200", "2", NULL },
				    (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(t.tracer);
	const char *name = sleep_syscall(snap);
	long long median, p50;

	assert_exit(t.workload, 0);
	median = workload_median_ns(t.workload);
	cr_assert_eq(syscall_count(snap, name), 200);
	p50 = jint(snap, strf("syscalls.%s.p50_ns", name));
	cr_assert(median >= 2000000, "the workload slept %lld ns, less than asked", median);
	cr_assert(llabs(p50 - median) <= median * P50_TOLERANCE,
		  "%s p50 %lld ns is more than %.0f%% from the workload's median %lld ns", name,
		  p50, P50_TOLERANCE * 100, median);
	json_decref(snap);
}

/* 5 sleeps of 50 ms among 1000 getppid(): exactly the 5 sleeps are slow. */
Test(latency, slow_calls_reported_exactly)
{
	json_t *snap = snapshot_of(record_command(sysload_cmd("slowmix 5 50 1000"),
						  (char *[]){ "--slow", "20ms", "--json", NULL }));
	json_t *events = jpath(snap, "slow_syscalls.events"), *ev;
	const char *name = sleep_syscall(snap);
	size_t i;

	cr_assert_eq(jint(snap, "slow_syscalls.threshold_ns"), 20000000);
	cr_assert_eq(jint(snap, "slow_syscalls.reported"), 5);
	cr_assert_eq(json_array_size(events), 5);
	json_array_foreach (events, i, ev) {
		cr_assert(jint(ev, "duration_ns") >= 20000000,
			  "slow event %zu lasted %lld ns, under the threshold", i,
			  jint(ev, "duration_ns"));
		cr_assert_str_eq(jstr(ev, "syscall"), name);
		cr_assert_eq(jint(ev, "pid"), jint(snap, "targets.0.pid"));
	}
	cr_assert_eq(syscall_count(snap, name), 5);
	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 1000);
	json_decref(snap);
}
