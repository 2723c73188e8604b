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
	return run_latscope(args, NULL);
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

/* -o '' used to pass the early check (a temp file ".tmp.PID" in the cwd) and fail after -d. */
Test(bad_input, empty_output_name)
{
	assert_usage_error(latscope((char *[]){ "record", "-p", "1", "-d", "30", "-o", "", NULL }),
			   "empty file name for -o");
}

/*
 * The bad-input matrix: every way of getting the command line or an input
 * file wrong that is found before tracing, each with its exit code and
 * its one line. "@name" stands for a file of the test's own directory:
 * good.json (a valid snapshot), garbage.json, other.json (JSON, not a
 * snapshot), reqs.txt (a requirements file with a mistake).
 */
struct bad_case {
	const char *args[12];
	int code;
	const char *error;
	bool usage; /* a usage error: its one line points at the help */
};

static const struct bad_case matrix[] = {
	{ { "bogus" }, 2, "unknown command 'bogus'", true },
	{ { "record" }, 2, "no target: give -p PID or -c CMD", true },
	{ { "record", "-p", "1", "-c", "x" }, 2, "-p and -c exclude each other", true },
	{ { "record", "-c", "" }, 2, "empty command for -c", true },
	{ { "record", "-p", "0" }, 2, "invalid PID list '0'", true },
	{ { "record", "-p", "1,,2" }, 2, "invalid PID list '1,,2'", true },
	{ { "record", "-p", "99999999999" }, 2, "invalid PID list '99999999999'", true },
	{ { "record", "-p", "1", "-d", "abc" }, 2, "invalid duration 'abc'", true },
	{ { "record", "-p", "1", "-d", "-5" }, 2, "invalid duration '-5'", true },
	{ { "record", "-p", "1", "-i", "0" }, 2, "invalid interval '0'", true },
	{ { "record", "-p", "1", "--slow", "0" }, 2, "invalid --slow '0'", true },
	{ { "record", "-p", "1", "--ringbuf-size", "1000" },
	  2,
	  "invalid --ringbuf-size '1000'",
	  true },
	{ { "record", "-p", "1", "--keep", "-1" }, 2, "invalid --keep '-1'", true },
	{ { "record", "-p", "1", "--listen", "nonsense" }, 2, "invalid --listen 'nonsense'", true },
	{ { "record", "-p", "1", "--buckets", "5ms,1ms" }, 2, "invalid --buckets '5ms,1ms'", true },
	{ { "record", "-p", "1", "-u", "" }, 2, "invalid -u ''", true },
	{ { "record", "-p", "1", "-u", "lib:" }, 2, "invalid -u 'lib:'", true },
	{ { "record", "-p", "1", "--jsonl" }, 2, "--jsonl needs -o FILE or --json", true },
	{ { "record", "-p", "1", "--alert", "sycalls.read.p99 < 1ms" },
	  2,
	  "unknown name 'sycalls'",
	  true },
	{ { "top", "-p", "1", "--warn", "abc" }, 2, "invalid --warn 'abc'", true },
	{ { "check", "--snapshot", "@good.json" }, 2, "no requirements", true },
	{ { "check", "--snapshot", "@good.json", "--assert", "sycalls.read.p99 < 1ms" },
	  2,
	  "--assert: column 1: unknown name 'sycalls'" },
	{ { "check", "--snapshot", "@good.json", "--assert", "syscalls.read.p99 < 5" },
	  2,
	  "column 19: a duration needs a unit" },
	{ { "check", "--snapshot", "@good.json", "--assert", "syscalls.read.p99 <" },
	  2,
	  "column 20: expected a number" },
	{ { "check", "--snapshot", "@good.json", "--requirements", "@reqs.txt" },
	  2,
	  "reqs.txt:2: column 38: no space before a unit: write 50ms" },
	{ { "check", "--snapshot", "@good.json", "--requirements", "/nonexistent" },
	  2,
	  "cannot read /nonexistent" },
	{ { "check", "--snapshot", "/nonexistent", "--assert", "syscalls.count > 0" },
	  2,
	  "cannot read snapshot /nonexistent" },
	{ { "check", "--snapshot", "@garbage.json", "--assert", "syscalls.count > 0" },
	  2,
	  "garbage.json: line 1" },
	{ { "check", "--snapshot", "@other.json", "--assert", "syscalls.count > 0" },
	  2,
	  "other.json: not a latscope snapshot" },
	{ { "check", "--snapshot", "@good.json", "--assert", "syscalls.count > 0", "-p", "1" },
	  2,
	  "--snapshot takes no tracing options ('-p')" },
	{ { "check", "--snapshot", "@good.json", "--assert", "syscalls.count > 0", "--junit", "" },
	  2,
	  "cannot write '': No such file or directory" },
	{ { "check", "--snapshot", "@good.json", "--assert", "syscalls.count > 0", "--junit",
	    "/nonexistent/j.xml" },
	  2,
	  "cannot write /nonexistent/j.xml: No such file or directory" },
	{ { "check", "-p", "1", "-i", "1", "--assert", "syscalls.count > 0" },
	  2,
	  "-i and --jsonl do not apply" },
	{ { "diff", "@good.json" }, 2, "diff needs two snapshots", true },
	{ { "diff", "@good.json", "/nonexistent" }, 2, "cannot read snapshot /nonexistent" },
	{ { "diff", "@good.json", "@garbage.json" }, 2, "garbage.json: line 1" },
	{ { "diff", "--max-regression", "abc", "@good.json", "@good.json" },
	  2,
	  "invalid --max-regression 'abc'" },
};

static void write_matrix_files(const char *dir)
{
	write_text(strf("%s/good.json", dir),
		   "{\"schema\": \"latscope.snapshot\", \"version\": 1, \"syscalls\": {}}\n");
	write_text(strf("%s/garbage.json", dir), "garbage\n");
	write_text(strf("%s/other.json", dir), "{\"schema\": \"something else\"}\n");
	write_text(strf("%s/reqs.txt", dir), "syscalls.count > 0\n"
					     "read latency: syscalls.read.p99 < 50 ms\n");
}

Test(bad_input, matrix)
{
	const char *dir = temp_dir();

	write_matrix_files(dir);
	for (size_t i = 0; i < sizeof(matrix) / sizeof(matrix[0]); i++) {
		const struct bad_case *c = &matrix[i];
		char *args[13] = { NULL };
		struct proc *p;

		for (int a = 0; c->args[a]; a++)
			args[a] = c->args[a][0] == '@' ? (char *)strf("%s/%s", dir, c->args[a] + 1)
						       : (char *)c->args[a];
		p = latscope(args);
		assert_exit(p, c->code);
		cr_assert(!strncmp(p->err.data, "latscope: ", 10) &&
				  strstr(p->err.data, c->error) &&
				  strstr(p->err.data, c->error) < strchrnul(p->err.data, '\n'),
			  "latscope %s ...: the first line does not say \"%s\":\n%s", c->args[0],
			  c->error, p->err.data);
		cr_assert(count_lines(p->err.data) == 1 &&
				  (!c->usage || strstr(p->err.data, "--help)")),
			  "latscope %s ... (\"%s\"): %s:\n%s", c->args[0], c->error,
			  c->usage ? "not one line pointing at --help" : "more than one line",
			  p->err.data);
		cr_assert_str_eq(p->out.data, "", "latscope %s ... wrote on stdout", c->args[0]);
		proc_forget(p);
	}
}
