// Outputs that cannot be written: a full file system (a tmpfs of the test's
// own, full but for a page or two) and a full stdout (/dev/full). Each
// must fail with the documented exit code and one line, and leave no half
// file, no empty file and no temp file behind; a file that was there
// before stays as it was.
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include "run.h"

INTEGRATION_SUITE(write_failures);

#define NO_SPACE "No space left on device"

static struct proc *latscope(char *const args[])
{
	return run_latscope(args, NULL);
}

/* latscope ARGS with its stdout on /dev/full. */
static struct proc *latscope_to_dev_full(char *const args[])
{
	return run_latscope(args, "> /dev/full");
}

/*
 * Exit @code, and of latscope's stderr lines exactly one that is not the
 * "tracing" announcement: the error, naming @what.
 */
static void assert_fails_once(const struct proc *p, int code, const char *what)
{
	const char *line = p->err.data, *error = NULL;
	int errors = 0;

	assert_exit(p, code);
	for (; *line; line = strchrnul(line, '\n') + !!*strchrnul(line, '\n')) {
		if (strncmp(line, "latscope: ", 10) || !strncmp(line, "latscope: tracing ", 18))
			continue;
		errors++;
		error = line;
	}
	cr_assert_eq(errors, 1, "expected one error line, got %d:\n%s", errors, p->err.data);
	cr_assert(strstr(error, what) && strchrnul(error, '\n') > strstr(error, what),
		  "the error does not say \"%s\": %s", what, error);
}

/* A real snapshot to judge and compare, written where there is room. */
static const char *good_snapshot(void)
{
	const char *path = strf("%s/good.json", temp_dir());

	assert_exit(record_command(sysload_cmd("getppid 1000"),
				   (char *[]){ "-o", (char *)path, NULL }),
		    0);
	return path;
}

/* The reproducer: exit 0, no message, a 0-byte j.xml. */
Test(write_failures, junit_on_full_fs)
{
	const char *good = good_snapshot(), *dir = full_fs_dir(0);
	const char *junit = strf("%s/j.xml", dir);
	struct proc *p = latscope((char *[]){ "check", "--snapshot", (char *)good, "--assert",
					      "syscalls.getppid.count == 1000", "--junit",
					      (char *)junit, NULL });

	assert_fails_once(p, 2, strf("cannot write %s: " NO_SPACE, junit));
	assert_only_file(dir, NULL);
}

/* Room for the early check's byte, not for the XML: found at the write. */
Test(write_failures, junit_that_does_not_fit)
{
	const char *good = good_snapshot(), *dir = full_fs_dir(1);
	const char *junit = strf("%s/j.xml", dir), *reqs = strf("%s/reqs.txt", temp_dir());
	FILE *f = fopen(reqs, "w");
	struct proc *p;

	cr_assert(f);
	/* 60 test cases of ~250 bytes each: several pages of XML. */
	for (int i = 0; i < 60; i++)
		fprintf(f, "requirement number %d: syscalls.getppid.count == 1000\n", i);
	fclose(f);
	p = latscope((char *[]){ "check", "--snapshot", (char *)good, "--requirements",
				 (char *)reqs, "--junit", (char *)junit, NULL });
	assert_fails_once(p, 2, strf("cannot write %s: " NO_SPACE, junit));
	assert_only_file(dir, NULL);
}

/* A full file system is found before attaching, not after the whole -d. */
Test(write_failures, snapshot_on_full_fs_before_tracing)
{
	const char *dir = full_fs_dir(0), *out = strf("%s/snap.json", dir);
	struct proc *p =
		record_command(sysload_cmd("getppid 10"), (char *[]){ "-o", (char *)out, NULL });

	assert_fails_once(p, 1, strf("cannot write %s: " NO_SPACE, out));
	cr_assert_null(strstr(p->err.data, "tracing"), "traced for nothing:\n%s", p->err.data);
	assert_only_file(dir, NULL);
}

/* The snapshot from before stays whole when the new one does not fit. */
Test(write_failures, snapshot_that_does_not_fit_keeps_the_old_one)
{
	const char *dir = full_fs_dir(2), *out = strf("%s/snap.json", dir);
	struct proc *p;

	write_text(out, "old\n"); /* one of the two pages */
	p = record_command(sysload_cmd("getppid 10"), (char *[]){ "-o", (char *)out, NULL });
	assert_fails_once(p, 1, strf("cannot write %s: " NO_SPACE, out));
	cr_assert_str_eq(read_text(out), "old\n");
	assert_only_file(dir, "snap.json");
}

/*
 * --jsonl appends: a line that does not fit is cut back out, so the file
 * holds what it held, and the trace ends at once rather than at -d.
 */
Test(write_failures, jsonl_line_that_does_not_fit_is_taken_back)
{
	const char *dir = full_fs_dir(2), *out = strf("%s/snap.jsonl", dir);
	struct proc *p;

	write_text(out, "{\"earlier\": 1}\n");
	p = record_command(sysload_cmd("exit-after 60000"),
			   (char *[]){ "-i", "1", "--jsonl", "-o", (char *)out, NULL });
	assert_fails_once(p, 1, strf("cannot write %s: " NO_SPACE, out));
	cr_assert_str_eq(read_text(out), "{\"earlier\": 1}\n");
	assert_only_file(dir, "snap.jsonl");
}

/* The reproducer: exit 1 and a 0-byte file. Now no file at all. */
Test(write_failures, jsonl_first_line_that_does_not_fit_leaves_no_file)
{
	const char *dir = full_fs_dir(1), *out = strf("%s/snap.jsonl", dir);
	struct proc *p =
		record_command(sysload_cmd("exit-after 60000"),
			       (char *[]){ "-i", "1", "--jsonl", "-o", (char *)out, NULL });

	assert_fails_once(p, 1, strf("cannot write %s: " NO_SPACE, out));
	assert_only_file(dir, NULL);
}

/* The reproducer: `record -p PID -d 1 > /dev/full` exited 0. */
Test(write_failures, report_to_full_stdout)
{
	struct proc *workload = proc_start(
		(char *[]){ (char *)workload_bin("sysload"), "exit-after", "5000", NULL });
	struct proc *p = latscope_to_dev_full(
		(char *[]){ "record", "-p", (char *)strf("%d", workload->pid), "-d", "1", NULL });

	assert_fails_once(p, 1, "cannot write to stdout: " NO_SPACE);
}

/* Interval reports nobody can read end the trace at the first one. */
Test(write_failures, interval_reports_to_full_stdout_end_the_trace)
{
	struct proc *p = latscope_to_dev_full((char *[]){
		"record", "-c", (char *)sysload_cmd("exit-after 60000"), "-i", "1", NULL });

	assert_fails_once(p, 1, "cannot write to stdout: " NO_SPACE);
}

Test(write_failures, json_to_full_stdout)
{
	struct proc *p = latscope_to_dev_full(
		(char *[]){ "record", "-c", (char *)sysload_cmd("getppid 10"), "--json", NULL });

	assert_fails_once(p, 1, "cannot write to stdout: " NO_SPACE);
}

/* check and diff say 2 for anything but a verdict. */
Test(write_failures, check_and_diff_tables_to_full_stdout)
{
	const char *good = good_snapshot();

	assert_fails_once(latscope_to_dev_full((char *[]){ "check", "--snapshot", (char *)good,
							   "--assert", "syscalls.count > 0",
							   NULL }),
			  2, "cannot write to stdout: " NO_SPACE);
	assert_fails_once(
		latscope_to_dev_full((char *[]){ "diff", (char *)good, (char *)good, NULL }), 2,
		"cannot write to stdout: " NO_SPACE);
	assert_fails_once(latscope_to_dev_full(
				  (char *[]){ "diff", "--json", (char *)good, (char *)good, NULL }),
			  2, "cannot write to stdout: " NO_SPACE);
}
