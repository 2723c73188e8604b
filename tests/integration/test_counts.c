// Exact syscall counts: a deterministic workload makes N calls, and latscope
// must report N, no more and no less, however the calls are spread over
// threads and processes.
#include <criterion/criterion.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(counts);

/* -c holds the command until the programs are attached: nothing is lost. */
Test(counts, getppid_exact_with_command)
{
	json_t *snap = snapshot_of(
		record_command(sysload_cmd("getppid 10000"), (char *[]){ "--json", NULL }));

	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 10000);
	cr_assert_eq(jint(snap, "syscalls.getppid.errors"), 0);
	assert_latency_row(jpath(jpath(snap, "syscalls"), "getppid"), "syscalls.getppid");
	json_decref(snap);
}

/*
 * Traced by PID from before the first open, so openat (what glibc's open()
 * calls) is counted exactly N times, every one an ENOENT.
 */
Test(counts, failing_opens_count_errno)
{
	struct traced t = trace_pid("sysload", (char *[]){ "enoent", "500", NULL },
				    (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(t.tracer);

	assert_exit(t.workload, 0);
	cr_assert_eq(jint(snap, "syscalls.openat.count"), 500);
	cr_assert_eq(jint(snap, "syscalls.openat.errors"), 500);
	cr_assert_str_eq(jstr(snap, "syscalls.openat.top_errnos.0.name"), "ENOENT");
	cr_assert_eq(jint(snap, "syscalls.openat.top_errnos.0.errno"), 2);
	cr_assert_eq(jint(snap, "syscalls.openat.top_errnos.0.count"), 500);
	cr_assert_eq(json_array_size(jpath(snap, "syscalls.openat.top_errnos")), 1);
	json_decref(snap);
}

/* Threads created after attach belong to the traced tgid from birth. */
Test(counts, threads_created_after_attach)
{
	struct traced t = trace_pid("sysload", (char *[]){ "threads", "4", "5000", NULL },
				    (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(t.tracer);

	assert_exit(t.workload, 0);
	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 20000);
	cr_assert_eq(jint(snap, "syscalls.getppid.errors"), 0);
	/* Four thread exits, one process exit: only the last is an event. */
	cr_assert_eq(jint(snap, "process_events.total"), 1);
	cr_assert_str_eq(jstr(snap, "process_events.events.0.type"), "exit");
	json_decref(snap);
}

/* The fork event for the traced process, or NULL. */
static json_t *find_fork(json_t *snap, long long parent)
{
	json_t *events = jpath(snap, "process_events.events"), *ev;
	size_t i;

	json_array_foreach (events, i, ev)
		if (!strcmp(jstr(ev, "type"), "fork") && jint(ev, "pid") == parent)
			return ev;
	return NULL;
}

static bool has_exit_of(json_t *snap, long long pid)
{
	json_t *events = jpath(snap, "process_events.events"), *ev;
	size_t i;

	json_array_foreach (events, i, ev)
		if (!strcmp(jstr(ev, "type"), "exit") && jint(ev, "pid") == pid)
			return true;
	return false;
}

/* All 3000 getppid() calls are the forked child's: only -f can see them. */
Test(counts, follow_counts_forked_child)
{
	struct proc *tracer =
		record_command(sysload_cmd("fork 3000"), (char *[]){ "-f", "--json", NULL });
	json_t *snap = snapshot_of(tracer);
	json_t *fork_ev = find_fork(snap, jint(snap, "targets.0.pid"));

	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 3000);
	cr_assert(fork_ev, "no fork event from the target in process_events");
	cr_assert(jint(fork_ev, "child_pid") > 0);
	cr_assert(has_exit_of(snap, jint(fork_ev, "child_pid")),
		  "the followed child's exit is missing from process_events");
	/* exec, fork, the child's exit, the parent's exit: nothing else. */
	cr_assert_eq(jint(snap, "process_events.total"), 4);
	json_decref(snap);
}

Test(counts, follow_by_pid_counts_forked_child)
{
	struct traced t = trace_pid("sysload", (char *[]){ "fork", "3000", NULL },
				    (char *[]){ "-f", "--json", NULL });
	json_t *snap = snapshot_of(t.tracer);

	assert_exit(t.workload, 0);
	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 3000);
	cr_assert(find_fork(snap, t.workload->pid), "no fork event from the target");
	json_decref(snap);
}

/* The counterpart: without -f a -p trace stays on the process it was given. */
Test(counts, no_follow_ignores_forked_child)
{
	struct traced t = trace_pid("sysload", (char *[]){ "fork", "3000", NULL },
				    (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(t.tracer);

	assert_exit(t.workload, 0);
	cr_assert_eq(syscall_count(snap, "getppid"), 0);
	cr_assert_null(find_fork(snap, t.workload->pid));
	cr_assert(json_is_false(jpath(snap, "follow")));
	json_decref(snap);
}
