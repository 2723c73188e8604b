// A -c command's outcome is latscope's: a command that cannot start is one
// line and exit 1, record exits with the command's status, check fails a
// command that did not start or was killed, the command never outlives a
// killed latscope, and its figures (peak RSS) are the kernel's.
#include <criterion/criterion.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(command);

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_cannot_run(const char *cmd, const char *why)
{
	struct proc *p =
		run_latscope((char *[]){ "record", "-c", (char *)cmd, "-d", "5", NULL }, NULL);

	assert_exit(p, 1);
	cr_assert_eq(count_lines(p->err.data), 1, "expected one line, got:\n%s", p->err.data);
	cr_assert(strstr(p->err.data, strf("latscope: cannot run %s: %s", cmd, why)), "stderr: %s",
		  p->err.data);
	cr_assert_str_eq(p->out.data, "", "a report was printed");
}

Test(command, cannot_start_is_one_line_and_exit_1)
{
	assert_cannot_run("nonexistent_cmd_latscope", "No such file or directory");
	assert_cannot_run("/etc/passwd", "Permission denied");
}

/* As time(1) and perf stat: the command's status, 128 + signal if killed. */
Test(command, record_exits_with_command_status)
{
	assert_exit(record_command("false", NULL), 1);
	assert_exit(record_command("sh -c 'exit 3'", NULL), 3);
	assert_exit(record_command("sh -c 'kill -KILL $$'", NULL), 128 + SIGKILL);
	assert_exit(record_command("true", NULL), 0);
}

Test(command, check_fails_command_not_started)
{
	const char *junit = strf("%s/j.xml", temp_dir());
	struct proc *p =
		run_latscope((char *[]){ "check", "-c", "nonexistent_cmd_latscope", "--assert",
					 "syscalls.count >= 0", "--junit", (char *)junit, NULL },
			     NULL);
	const char *xml = read_text(junit);

	assert_exit(p, 1);
	cr_assert(strstr(p->out.data, "FAIL (cannot run nonexistent_cmd_latscope: No such file"),
		  "table:\n%s", p->out.data);
	cr_assert(strstr(p->out.data, "1 of 2 requirements met: FAIL"), "table:\n%s", p->out.data);
	cr_assert(xml && strstr(xml, "failures=\"1\""), "junit:\n%s", xml);
	cr_assert(strstr(xml, "cannot run nonexistent_cmd_latscope"), "junit:\n%s", xml);
}

Test(command, check_fails_command_killed_by_signal)
{
	struct proc *p = run_latscope((char *[]){ "check", "-c", "sh -c 'kill -SEGV $$'",
						  "--assert", "syscalls.count > 0", NULL },
				      NULL);

	assert_exit(p, 1);
	cr_assert(strstr(p->out.data, "killed by SEGV"), "table:\n%s", p->out.data);
	cr_assert(strstr(p->out.data, "1 of 2 requirements met: FAIL"), "table:\n%s", p->out.data);
	p = run_latscope(
		(char *[]){ "check", "-c", "true", "--assert", "syscalls.count > 0", NULL }, NULL);
	assert_exit(p, 0);
}

/* A -p target gone while the probes were attached (issue 18, item 9). */
Test(command, target_gone_before_attach)
{
	struct proc *sleeper = proc_start((char *[]){ "sleep", "0.01", NULL });
	struct proc *p = run_latscope((char *[]){ "record", "-p", (char *)strf("%d", sleeper->pid),
						  "-d", "5", NULL },
				      NULL);

	proc_wait(sleeper, RUN_START_TIMEOUT_S);
	assert_exit(p, 1);
	cr_assert(strstr(p->err.data, "exited before tracing started") ||
			  strstr(p->err.data, "no such process"),
		  "stderr: %s", p->err.data);
	cr_assert_eq(count_lines(p->err.data), 1, "stderr:\n%s", p->err.data);
	cr_assert_str_eq(p->out.data, "");
}

/* SIGKILL leaves no orphan: the kernel sends the SIGTERM latscope could not. */
Test(command, sigkill_leaves_no_orphan)
{
	struct proc *p = proc_start(
		(char *[]){ (char *)latscope_bin(), "record", "-c", "sleep 30", "-d", "20", NULL });
	const char *line;
	double end;
	pid_t child;

	cr_assert(proc_wait_output(p, true, "Ctrl-C to stop", RUN_TIMEOUT_S), "stderr: %s",
		  p->err.data);
	line = strstr(p->err.data, "(pid ");
	cr_assert(line);
	child = atoi(line + 5);
	cr_assert(child > 0);
	proc_signal(p, SIGKILL);
	proc_wait(p, RUN_START_TIMEOUT_S);
	for (end = mono_s() + RUN_START_TIMEOUT_S; mono_s() < end; usleep(10 * 1000)) {
		const char *stat = read_text(strf("/proc/%d/stat", child));

		if (!stat || strstr(stat, ") Z "))
			break;
	}
	cr_assert(mono_s() < end, "sleep (pid %d) outlived latscope", child);
}

/* 80 MB touched by a process too short-lived for /proc to be read. */
Test(command, peak_rss_of_short_command)
{
	json_t *snap = snapshot_of(
		record_command("dd if=/dev/zero of=/dev/null bs=80M count=1 status=none",
			       (char *[]){ "--json", NULL }));

	cr_assert_geq(jint(snap, "resources.processes.0.memory.peak_rss_kb"), 80 * 1024);
	json_decref(snap);
}
