// Bad input: a clear one-line error and the documented exit code (1 for a
// runtime failure, 2 for a usage error), before anything is attached.
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(bad_input);

static struct proc *latscope(char *const args[])
{
	char *argv[32] = { (char *)latscope_bin() };

	for (int i = 0; args[i]; i++) {
		cr_assert(i + 2 < 32, "too many arguments");
		argv[i + 1] = args[i];
	}
	return run_command(argv, RUN_TIMEOUT_S);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Exit @code, one stderr line naming @what, and nothing attached. */
static void assert_one_line_error(const struct proc *p, int code, const char *what)
{
	assert_exit(p, code);
	cr_assert_eq(count_lines(p->err.data), 1, "expected one error line, got:\n%s", p->err.data);
	cr_assert(!strncmp(p->err.data, "latscope: ", 10), "stderr: %s", p->err.data);
	cr_assert(strstr(p->err.data, what), "stderr does not mention \"%s\": %s", what,
		  p->err.data);
	cr_assert_str_eq(p->out.data, "");
}

/* A pid that just existed and was reaped: unused, unlike a guess. */
static pid_t unused_pid(void)
{
	pid_t pid = fork();

	cr_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0)
		_exit(0);
	waitpid(pid, NULL, 0);
	return pid;
}

Test(bad_input, no_such_pid)
{
	const char *pid = strf("%d", unused_pid());

	struct proc *p = latscope((char *[]){ "record", "-p", (char *)pid, NULL });

	assert_one_line_error(p, 1, strf("no such process: %s", pid));
}

Test(bad_input, kernel_thread)
{
	/* pid 2 is kthreadd on every Linux since 2.6.23. */
	assert_one_line_error(latscope((char *[]){ "record", "-p", "2", NULL }), 1,
			      "kernel thread");
}

Test(bad_input, unprivileged)
{
	const char *self = strf("%d", getpid());
	char *argv[] = { "setpriv",	    "--reuid=65534",
			 "--regid=65534",   "--clear-groups",
			 "--inh-caps=-all", (char *)latscope_bin(),
			 "record",	    "-p",
			 (char *)self,	    NULL };

	assert_one_line_error(run_command(argv, RUN_TIMEOUT_S), 1, "CAP_BPF");
}

/* The output is checked before attaching: no trace runs for nothing. */
Test(bad_input, unwritable_output)
{
	const char *self = strf("%d", getpid());
	struct proc *p = latscope(
		(char *[]){ "record", "-p", (char *)self, "-o", "/proc/latscope-test.json", NULL });

	assert_one_line_error(p, 1, "cannot write /proc/latscope-test.json");
	cr_assert_null(strstr(p->err.data, "tracing"));
}

/* A directory is as unwritable as /proc: found out before tracing, too. */
Test(bad_input, output_is_directory)
{
	const char *self = strf("%d", getpid()), *dir = temp_dir();
	struct proc *p = latscope(
		(char *[]){ "record", "-p", (char *)self, "-d", "1", "-o", (char *)dir, NULL });

	assert_one_line_error(p, 1, strf("cannot write %s", dir));
	cr_assert_null(strstr(p->err.data, "tracing"));
}

/*
 * A thread id is not a process id, but kill() and /proc accept it. latscope
 * must either trace it (the thread's N calls, or its whole process's, which
 * are the same N here) or refuse it with one line; never "trace" nothing.
 */
Test(bad_input, thread_id_not_silently_ignored)
{
	char *wargv[] = { (char *)workload_bin("sysload"), "thread-wait", "3000", NULL };
	struct proc *workload = proc_start(wargv), *tracer;
	const char *tid;
	json_t *snap;

	cr_assert(proc_wait_output(workload, false, "thread ", RUN_START_TIMEOUT_S),
		  "sysload thread-wait printed no thread id");
	tid = strstr(workload->out.data, "thread ") + strlen("thread ");
	tid = strf("%ld", strtol(tid, NULL, 10));
	tracer = proc_start(
		(char *[]){ (char *)latscope_bin(), "record", "-p", (char *)tid, "--json", NULL });
	if (!proc_wait_output(tracer, true, "latscope: tracing ", RUN_TIMEOUT_S)) {
		proc_wait(tracer, RUN_TIMEOUT_S);
		assert_one_line_error(tracer, 1, "thread");
		return;
	}
	proc_signal(workload, SIGUSR1);
	proc_wait(workload, RUN_TIMEOUT_S);
	proc_wait(tracer, RUN_TIMEOUT_S);
	assert_exit(workload, 0);
	snap = snapshot_of(tracer);
	cr_assert_eq(syscall_count(snap, "getppid"), 3000,
		     "-p <thread id> traced %lld of the thread's 3000 getppid() calls",
		     syscall_count(snap, "getppid"));
	json_decref(snap);
}

/* Usage errors are one line that says where the help is. */
static void assert_usage_error(const struct proc *p, const char *what)
{
	assert_one_line_error(p, 2, what);
	cr_assert(strstr(p->err.data, " (see latscope record --help)\n"), "no pointer to help: %s",
		  p->err.data);
}

Test(bad_input, unknown_option)
{
	struct proc *p = latscope((char *[]){ "record", "-p", "1", "--bogus", NULL });

	assert_usage_error(p, "unknown option '--bogus'");
}

Test(bad_input, pid_not_a_number)
{
	assert_usage_error(latscope((char *[]){ "record", "-p", "abc", NULL }),
			   "invalid PID list 'abc'");
}
