// The trace's life around the target's: seen from its exec, ended by its
// exit or by a signal to latscope, never harming the target.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(lifecycle);

static json_t *find_event(json_t *snap, const char *type, long long pid)
{
	json_t *events = jpath(snap, "process_events.events"), *ev;
	size_t i;

	json_array_foreach (events, i, ev)
		if (!strcmp(jstr(ev, "type"), type) && jint(ev, "pid") == pid)
			return ev;
	return NULL;
}

/* A -c target is traced from its execve on, dynamic loader included. */
Test(lifecycle, command_traced_from_exec)
{
	json_t *snap =
		snapshot_of(record_command(sysload_cmd("getppid 1"), (char *[]){ "--json", NULL }));
	long long pid = jint(snap, "targets.0.pid");
	json_t *exec_ev = find_event(snap, "exec", pid);

	cr_assert_eq(syscall_count(snap, "execve"), 1);
	cr_assert(syscall_count(snap, "brk") >= 1, "startup brk() not seen");
	cr_assert(syscall_count(snap, "mmap") >= 1, "startup mmap() not seen");
	cr_assert_eq(syscall_count(snap, "getppid"), 1);
	cr_assert(exec_ev, "no exec event for the target");
	cr_assert_str_eq(jstr(exec_ev, "filename"), workload_bin("sysload"));
	cr_assert(find_event(snap, "exit", pid), "no exit event for the target");
	cr_assert(json_is_true(jpath(snap, "targets.0.spawned")));
	cr_assert_str_eq(jstr(snap, "targets.0.state"), "exited");
	cr_assert_eq(jint(snap, "targets.0.wait_status"), 0);
	json_decref(snap);
}

/*
 * A -p target that exits 300 ms into a 30 s trace ends the trace at once,
 * with the report and the snapshot written. The run's bound (RUN_TIMEOUT_S)
 * is what proves "at once": at the deadline latscope would be killed.
 */
Test(lifecycle, target_exit_ends_trace)
{
	const char *dir = temp_dir(), *path = strf("%s/snap.json", dir);
	struct traced t = trace_pid("sysload", (char *[]){ "exit-after", "300", NULL },
				    (char *[]){ "-d", "30", "-o", (char *)path, NULL });
	json_t *snap;

	assert_exit(t.workload, 0);
	assert_exit(t.tracer, 0);
	cr_assert(strstr(t.tracer->out.data, "[exited]"),
		  "text report does not show the target exited:\n%s", t.tracer->out.data);
	snap = json_parse_file(path);
	cr_assert_eq(jint(snap, "targets.0.pid"), t.workload->pid);
	cr_assert_str_eq(jstr(snap, "targets.0.state"), "exited");
	cr_assert_eq(jint(snap, "targets.0.wait_status"), 0);
	cr_assert(json_is_number(jpath(snap, "time.duration_s")));
	cr_assert(json_number_value(jpath(snap, "time.duration_s")) < 30);
	cr_assert_eq(syscall_count(snap, "clock_nanosleep") + syscall_count(snap, "nanosleep"), 1);
	json_decref(snap);
}

/* Ctrl-C detaches and reports; the target keeps running and ends normally. */
Test(lifecycle, sigint_reports_and_spares_target)
{
	struct traced t =
		trace_pid_start("sysload", (char *[]){ "exit-after", "1500", NULL }, NULL);
	char header[64];

	usleep(200 * 1000);
	proc_signal(t.tracer, SIGINT);
	proc_wait(t.tracer, RUN_START_TIMEOUT_S);
	assert_exit(t.tracer, 0);
	snprintf(header, sizeof(header), "== latscope: pid %d (sysload) |", t.workload->pid);
	cr_assert(strstr(t.tracer->out.data, header),
		  "no final report for a running target on stdout:\n%s", t.tracer->out.data);
	cr_assert(!t.workload->reaped, "the target died with the tracer");
	proc_wait(t.workload, RUN_START_TIMEOUT_S);
	assert_exit(t.workload, 0);
}

/* SIGTERM, as from a service manager, also detaches and writes the snapshot. */
Test(lifecycle, sigterm_writes_snapshot)
{
	const char *dir = temp_dir(), *path = strf("%s/snap.json", dir);
	struct traced t = trace_pid_start("sysload", (char *[]){ "exit-after", "1500", NULL },
					  (char *[]){ "-o", (char *)path, NULL });
	json_t *snap;

	usleep(200 * 1000);
	proc_signal(t.tracer, SIGTERM);
	proc_wait(t.tracer, RUN_START_TIMEOUT_S);
	assert_exit(t.tracer, 0);
	snap = json_parse_file(path);
	cr_assert_eq(jint(snap, "targets.0.pid"), t.workload->pid);
	cr_assert_str_eq(jstr(snap, "targets.0.state"), "running");
	proc_wait(t.workload, RUN_START_TIMEOUT_S);
	assert_exit(t.workload, 0);
	json_decref(snap);
}
