// The overhead budget: a syscall storm over a low --max-overhead is shed and
// estimated, and full (exact) tracing comes back once the storm is over.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(budget);

/* 5M getppid() calls at up to 1M/s: ~25 % of a CPU traced in full, over 5 %. */
#define STORM_CALLS 5000000
#define STORM_RATE  "1000000"
#define AFTER_CALLS 1000
/*
 * The estimate of a storm paced by the clock: the tick before shedding is
 * exact, the rest is scaled from windows covering 1/8 to 1/32 of the time
 * (one a sub-period of 250 ms). Its error is at most a sub-period of calls
 * where the storm stops (5 %), plus the storm's rate in the windows
 * against its rate outside them (the machine's other load, the loader's
 * own work at window starts: a few percent in our runs).
 */
#define STORM_ERROR	  0.10
#define RESTORE_TIMEOUT_S 30.0

/* Each JSON line (one snapshot per interval, the final one last), parsed. */
static int parse_lines(char *text, json_t **lines, int max)
{
	int n = 0;

	for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n"))
		lines[n++] = json_parse(line);
	return n;
}

/* The first line holding an event of @cause, or -1. */
static int first_with(json_t **lines, int n, const char *cause)
{
	for (int i = 0; i < n; i++)
		if (jfind_str(jpath(lines[i], "overhead.budget.events"), "cause", cause))
			return i;
	return -1;
}

static const char *interval_meaning(json_t *snap)
{
	return jstr(snap, "interval.sampling.syscalls.meaning");
}

/* The first line after @from whose interval was traced in full, or -1. */
static int first_full(json_t **lines, int n, int from)
{
	for (int i = from + 1; i < n; i++)
		if (!strcmp(interval_meaning(lines[i]), "traced in full"))
			return i;
	return -1;
}

static long long interval_count(json_t *snap)
{
	json_t *row = jpath(snap, "interval.syscalls.getppid.count");

	return row ? json_integer_value(row) : 0;
}

Test(budget, storm_is_shed_estimated_then_traced_exactly_again, .timeout = 90)
{
	struct traced t = trace_pid_start(
		"sysload",
		(char *[]){ "storm-then", (char *)strf("%d", STORM_CALLS), STORM_RATE,
			    (char *)strf("%d", AFTER_CALLS), NULL },
		(char *[]){ "-i", "1", "--jsonl", "--json", "--max-overhead", "5%", NULL });
	json_t *lines[256];
	long long total, after = 0;
	int n, shed, restored, full;
	double least = 1;

	cr_assert(proc_wait_output(t.workload, false, "storm done", 60), "the storm never ended");
	/* An interval traced in full: only one after the restore can be. */
	cr_assert(proc_wait_output(t.tracer, false, "\"traced in full\"", RESTORE_TIMEOUT_S),
		  "full tracing never came back; stderr:\n%s", t.tracer->err.data);
	/* Only now the last calls: they all fall in intervals traced in full. */
	proc_signal(t.workload, SIGUSR2);
	proc_wait(t.workload, RUN_TIMEOUT_S);
	proc_wait(t.tracer, RUN_TIMEOUT_S);
	assert_exit(t.workload, 0);
	assert_exit(t.tracer, 0);

	n = parse_lines(t.tracer->out.data, lines, 256);
	shed = first_with(lines, n, "over budget");
	restored = first_with(lines, n, "under budget");
	full = first_full(lines, n, shed);
	cr_assert_geq(shed, 0, "latscope never said it shed syscalls");
	cr_assert_gt(restored, shed);
	cr_assert_gt(full, restored - 1);
	cr_assert_str_eq(jstr(lines[shed], "overhead.budget.events.0.family"), "syscalls");
	cr_assert_str_eq(jstr(lines[shed], "overhead.budget.events.0.from.level"), "full");
	for (int i = shed + 1; i < restored; i++) {
		double share = json_real_value(
			jpath(lines[i], "interval.sampling.syscalls.sampled_share"));

		cr_assert(strstr(interval_meaning(lines[i]),
				 "counts scaled, percentiles from samples"),
			  "interval %d: %s", i, interval_meaning(lines[i]));
		if (share < least)
			least = share;
	}
	cr_assert_lt(least, 0.5, "shed intervals were sampled less than half the time");

	/* The whole trace: the storm estimated, the calls after it exact. */
	total = jint(lines[n - 1], "syscalls.getppid.count");
	cr_assert(total >= (STORM_CALLS + AFTER_CALLS) * (1 - STORM_ERROR) &&
			  total <= (STORM_CALLS + AFTER_CALLS) * (1 + STORM_ERROR),
		  "getppid estimated %lld, made %d (within %.0f %%)", total,
		  STORM_CALLS + AFTER_CALLS, STORM_ERROR * 100);
	cr_log_info(
		"budget: storm of %d calls estimated at %lld (%+.1f %%), sampled down to %.1f %%",
		STORM_CALLS + AFTER_CALLS, total,
		(total - (STORM_CALLS + AFTER_CALLS)) * 100.0 / (STORM_CALLS + AFTER_CALLS),
		least * 100);
	/* Once back, every interval is traced in full and counted exactly. */
	for (int i = full; i < n; i++) {
		cr_assert_str_eq(interval_meaning(lines[i]), "traced in full", "interval %d", i);
		after += interval_count(lines[i]);
	}
	cr_assert_eq(after, AFTER_CALLS);
	cr_assert_str_eq(jstr(lines[n - 1], "overhead.budget.families.syscalls.now.level"), "full");
	for (int i = 0; i < n; i++)
		json_decref(lines[i]);
}

/* latscope record -p on the demo service for 2 s with @opts (NULL-terminated); its snapshot. */
static json_t *trace_server(char *const opts[], int *port, const char **err)
{
	struct proc *server = proc_start((char *[]){ (char *)tool_bin("demo_server"), NULL });
	char *argv[16] = { (char *)latscope_bin(), "record", "-p", NULL, "-d", "2", "--json" };
	struct proc *tracer;
	json_t *snap;
	int upstream;

	cr_assert(proc_wait_output(server, false, "upstream ", RUN_START_TIMEOUT_S),
		  "demo_server did not start; stderr:\n%s", server->err.data);
	cr_assert_eq(sscanf(server->out.data, "http %d upstream %d", port, &upstream), 2);
	argv[3] = (char *)strf("%d", server->pid);
	for (int i = 0; opts[i] && i < 8; i++)
		argv[7 + i] = opts[i];
	tracer = run_command(argv, RUN_TIMEOUT_S);
	snap = snapshot_of(tracer);
	*err = tracer->err.data;
	proc_signal(server, SIGTERM);
	proc_wait(server, 2);
	return snap;
}

Test(budget, a_server_gets_its_syscalls_sampled)
{
	const char *err;
	int port;
	json_t *snap = trace_server((char *[]){ NULL }, &port, &err);
	const char *line = strstr(err, "listens on TCP ports ");

	/* The demo service listens twice: HTTP and its own upstream. */
	cr_assert(line && strstr(line, strf(" %d", port)),
		  "no line naming the server's port %d; stderr:\n%s", port, err);
	cr_assert(strstr(err,
			 "its syscalls sampled 1/16 of the time (--syscalls traces every one)"),
		  "%s", err);
	cr_assert_str_eq(jstr(snap, "overhead.budget.families.syscalls.at_most.level"), "1/16");
	cr_assert_str_eq(jstr(snap, "overhead.budget.events.0.cause"), "server defaults");
	cr_assert_str_eq(jstr(snap, "overhead.budget.events.0.to.level"), "1/16");
	cr_assert(strstr(jstr(snap, "overhead.budget.sampling.syscalls.meaning"), "counts scaled"));
	json_decref(snap);
}

Test(budget, syscalls_option_traces_every_syscall_of_a_server)
{
	const char *err;
	int port;
	/* No budget: other load on the machine could not shed them either. */
	json_t *snap = trace_server((char *[]){ "--syscalls", "--max-overhead", "off", NULL },
				    &port, &err);

	cr_assert_null(strstr(err, "listens on TCP"), "%s", err);
	cr_assert_str_eq(jstr(snap, "overhead.budget.families.syscalls.at_most.level"), "full");
	cr_assert_eq(json_array_size(jpath(snap, "overhead.budget.events")), 0);
	cr_assert_str_eq(jstr(snap, "overhead.budget.sampling.syscalls.meaning"), "traced in full");
	json_decref(snap);
}
