/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Harness for latscope's root integration tests: run processes without a
 * shell, bounded in time, with their output captured; trace a workload by
 * PID so that nothing it does is missed; read the JSON snapshot with jansson.
 *
 * Environment (set by `make integration-test`):
 *   LATSCOPE   absolute path of build/latscope
 *   WORKLOADS  absolute path of build/workloads
 *   CI=true    the tests must run: lacking root is a failure, not a skip
 */
#ifndef LATSCOPE_INTEGRATION_RUN_H
#define LATSCOPE_INTEGRATION_RUN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * Default bound for one latscope run. Every workload here finishes in well
 * under a second; the margin is for loading BPF programs on a busy machine.
 */
#define RUN_TIMEOUT_S 10.0
/* Bound for a workload to print "ready PID" or latscope to attach. */
#define RUN_START_TIMEOUT_S 5.0

/* Output of a process, NUL-terminated, growing as it is read. */
struct capture {
	char *data;
	size_t len, cap;
	int fd; /* read end of the pipe; -1 once EOF was seen */
};

struct proc {
	pid_t pid;
	struct capture out, err;
	bool reaped;
	bool timed_out;	  /* killed by the harness at its deadline */
	int exit_code;	  /* valid when reaped and !term_signal */
	int term_signal;  /* signal that ended it, 0 if it exited */
	double started_s; /* CLOCK_MONOTONIC, for elapsed times */
	double ended_s;
};

/* Skip (or, with CI=true, fail) unless running as root. */
void require_root(void);
/*
 * Kill whatever the test left running and remove its temporary
 * directories, also after a failed assertion.
 */
void harness_cleanup(void);

/* Every integration suite: the skip policy before, the clean-up after. */
#define INTEGRATION_SUITE(name) TestSuite(name, .init = require_root, .fini = harness_cleanup)

/* $LATSCOPE; fails the test when it is unset. */
const char *latscope_bin(void);
/* "$WORKLOADS/NAME"; the string lives until the test ends. */
const char *workload_bin(const char *name);
/* build/tools/NAME, next to $LATSCOPE (the demo server, the load generator). */
const char *tool_bin(const char *name);
/* "$WORKLOADS/sysload ARGS", a command line for latscope -c. */
const char *sysload_cmd(const char *args);
/* printf into a string that lives until the test ends. */
const char *strf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A fresh directory under /tmp, removed with its files after the test. */
const char *temp_dir(void);

/* Fails on any name in @dir but @keep (NULL: the directory must be empty). */
void assert_only_file(const char *dir, const char *keep);
void write_text(const char *path, const char *text);
/* A file's whole text (lives until the test ends), or NULL if it cannot be read. */
const char *read_text(const char *path);
/*
 * A directory on a tmpfs of its own, full but for @free_pages pages,
 * mounted in a private mount namespace of the test (its children, latscope
 * among them, see it; nothing else does). Writes past those pages fail
 * with ENOSPC.
 */
const char *full_fs_dir(int free_pages);

double mono_s(void);

/*
 * Start argv[0] (searched in PATH) with stdout and stderr on pipes, in a
 * process group of its own, killed if the test process dies.
 */
struct proc *proc_start(char *const argv[]);
/*
 * Read every running process's output until @needle shows in @p's stdout
 * (or stderr when @on_stderr). False on timeout or when @p ends first.
 */
bool proc_wait_output(struct proc *p, bool on_stderr, const char *needle, double timeout_s);
/* Wait for @p to end; at the deadline kill its process group and reap it. */
void proc_wait(struct proc *p, double timeout_s);
void proc_signal(struct proc *p, int sig);

/*
 * Drop a finished process from the registry (which holds a few per test),
 * for tests that run many short commands; its output stays readable.
 */
void proc_forget(struct proc *p);

/* Run a command to completion within @timeout_s (argv NULL-terminated). */
struct proc *run_command(char *const argv[], double timeout_s);
/*
 * $LATSCOPE @args (NULL-terminated) to completion within RUN_TIMEOUT_S;
 * with @shell_redirect (e.g. "> /dev/full"), run through sh with it.
 */
struct proc *run_latscope(char *const args[], const char *shell_redirect);

/*
 * latscope record -p on a workload started with --wait-signal: start the
 * workload, wait for "ready PID", start latscope with @opts (NULL-terminated,
 * may be NULL) after "-p PID", wait for its "latscope: tracing" line, then
 * send SIGUSR1 so the workload starts with the tracer already attached.
 * Both are waited for. @workload_args follow "--wait-signal".
 */
struct traced {
	struct proc *tracer;
	struct proc *workload;
	bool attached; /* the "tracing" line was seen and SIGUSR1 sent */
};

struct traced trace_pid_start(const char *workload, char *const workload_args[],
			      char *const opts[]);
struct traced trace_pid(const char *workload, char *const workload_args[], char *const opts[]);

/*
 * latscope record -c @cmd with @opts (NULL-terminated, may be NULL), run to
 * completion within RUN_TIMEOUT_S.
 */
struct proc *record_command(const char *cmd, char *const opts[]);
/* The --json snapshot a run printed on stdout; asserts it exited 0. */
json_t *snapshot_of(const struct proc *tracer);

/* Assert a finished run exited with @code, showing its stderr if not. */
void assert_exit(const struct proc *p, int code);

/* Parse JSON text; failing the test, with jansson's reason, when invalid. */
json_t *json_parse(const char *text);
json_t *json_parse_file(const char *path);
/*
 * Look up a dot-separated path: object keys, or decimal indices into
 * arrays ("slow_syscalls.events.0.duration_ns"). NULL when absent.
 */
json_t *jpath(json_t *root, const char *path);
/* The integer or string at @path; failing the test when absent or mistyped. */
long long jint(json_t *root, const char *path);
const char *jstr(json_t *root, const char *path);
/* The element of @array whose @key is the string @value / the integer @value; NULL if none. */
json_t *jfind_str(json_t *array, const char *key, const char *value);
json_t *jfind_int(json_t *array, const char *key, long long value);
/* Samples in a latency row's sparse "histogram" ([low, width, count] rows). */
long long jhist_total(json_t *row);
/*
 * A latency row (@what names it in failures) describes one histogram: its
 * buckets add up to the count, and min <= p50 <= ... <= p99.9 <= max.
 */
void assert_latency_row(json_t *row, const char *what);
/* A loopback port nobody listens on right now (bound, read back, released). */
int free_port(void);
/* Whether something accepts connections on 127.0.0.1:@port. */
bool port_open(int port);
/* Waits until @p (a server, @what in failures) listens on @port. */
void wait_port(struct proc *p, int port, const char *what);
/*
 * latscope record -p @pid --json @opts (NULL-terminated, may be NULL),
 * once it says it is tracing; trace_stop() ends it (SIGINT) and returns
 * its snapshot.
 */
struct proc *trace_attach(pid_t pid, char *const opts[]);
json_t *trace_stop(struct proc *tracer);

/* Count of a syscall in a snapshot, 0 when the syscall was never seen. */
long long syscall_count(json_t *snap, const char *name);

#endif /* LATSCOPE_INTEGRATION_RUN_H */
