// Snapshot files: -o replaces the file atomically, --jsonl appends one
// snapshot per interval.
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include "run.h"

INTEGRATION_SUITE(output);

/* The old file is replaced whole: it never parses as half old, half new. */
Test(output, snapshot_file_replaced_atomically)
{
	const char *dir = temp_dir(), *path = strf("%s/snap.json", dir);
	struct proc *tracer;
	json_t *snap;

	write_text(path, "not a snapshot\n");
	tracer =
		record_command(sysload_cmd("getppid 1000"), (char *[]){ "-o", (char *)path, NULL });
	assert_exit(tracer, 0);
	snap = json_parse_file(path);
	cr_assert_str_eq(jstr(snap, "schema"), "latscope.snapshot");
	cr_assert_eq(jint(snap, "version"), 1);
	cr_assert_eq(jint(snap, "syscalls.getppid.count"), 1000);
	assert_only_file(dir, "snap.json");
	json_decref(snap);
}

/*
 * -i 1 -d 3: a line per interval, each a whole snapshot. The -c child,
 * still sleeping at the deadline, is stopped and reaped by latscope.
 */
Test(output, jsonl_one_snapshot_per_interval)
{
	const char *dir = temp_dir(), *path = strf("%s/snap.jsonl", dir);
	struct proc *tracer = record_command(sysload_cmd("exit-after 10000"),
					     (char *[]){ "-i", "1", "-d", "3", "--jsonl", "-o",
							 (char *)path, NULL });
	char *line = NULL;
	size_t cap = 0;
	long long child = 0;
	int lines = 0;
	FILE *f;

	assert_exit(tracer, 0);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		json_t *snap = json_parse(line);

		cr_assert(json_is_object(jpath(snap, "interval")),
			  "line %d has no \"interval\" object", lines + 1);
		cr_assert(json_is_object(jpath(snap, "interval.syscalls")));
		cr_assert_str_eq(jstr(snap, "schema"), "latscope.snapshot");
		child = jint(snap, "targets.0.pid");
		json_decref(snap);
		lines++;
	}
	fclose(f);
	free(line);
	cr_assert(lines >= 2, "%d snapshot lines in 3 s at -i 1", lines);
	cr_assert(kill(child, 0) && errno == ESRCH, "the -c child %lld outlived latscope's -d",
		  child);
	assert_only_file(dir, "snap.jsonl");
}

/*
 * Writing a snapshot to a device, /dev/null above all, must write into it
 * (or refuse up front), never rename a regular file over it. A private
 * node with /dev/null's numbers stands in for the real one.
 */
Test(output, device_output_not_replaced)
{
	const char *dir = temp_dir(), *node = strf("%s/null", dir);
	struct proc *tracer;
	struct stat st;

	cr_assert(!mknod(node, S_IFCHR | 0666, makedev(1, 3)), "mknod: %s", strerror(errno));
	tracer = record_command(sysload_cmd("getppid 1"), (char *[]){ "-o", (char *)node, NULL });
	cr_assert(!tracer->timed_out);
	cr_assert(!stat(node, &st), "stat %s: %s", node, strerror(errno));
	cr_assert(S_ISCHR(st.st_mode),
		  "-o %s turned a character device into a regular file (mode %o, exit %d)", node,
		  st.st_mode, tracer->exit_code);
	cr_assert(tracer->exit_code == 0 ||
			  (tracer->exit_code == 1 && !strstr(tracer->err.data, "tracing")),
		  "exit %d; stderr:\n%s", tracer->exit_code, tracer->err.data);
	assert_only_file(dir, "null");
}

/* --json owns stdout: what a -c target prints must not corrupt the JSON. */
Test(output, json_stdout_not_mixed_with_target_output)
{
	struct proc *tracer =
		record_command("echo hello-from-target", (char *[]){ "--json", NULL });
	json_t *snap = snapshot_of(tracer);

	cr_assert(strstr(tracer->err.data, "hello-from-target"),
		  "the target's output was lost; stderr:\n%s", tracer->err.data);
	cr_assert(syscall_count(snap, "write") >= 1, "echo's write() not seen");
	json_decref(snap);
}
