/*
 * A -c command started held before exec (so tracing is in place before
 * its first instruction), released, reaped or abandoned.
 */
#ifndef LATSCOPE_TARGET_H
#define LATSCOPE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct held_child {
	pid_t pid;
	int release_fd; /* write end of the pipe the child waits on */
	int status_fd;	/* read end: the exec's errno if it failed, else EOF */
};

enum child_stdio {
	CHILD_STDIO_INHERIT,
	CHILD_STDOUT_TO_STDERR, /* keeps our stdout for JSON */
	CHILD_STDIO_NULL,	/* stdin/stdout/stderr on /dev/null: top owns the tty */
};

/* Forks a child that waits, then runs @command with @stdio. */
int target_spawn_held(const char *command, enum child_stdio stdio, struct held_child *child);
/*
 * Lets the held child go on to exec, and waits to know whether it did:
 * *exec_errno is 0, or why the command could not run (ENOENT, EACCES...).
 */
int target_release(struct held_child *child, int *exec_errno);
/*
 * Ends a child we started: one still held exits without running the
 * command; one running gets SIGTERM (the trace it was started for is over).
 * A tracer that dies without this (SIGKILL) has the kernel send the
 * SIGTERM (PR_SET_PDEATHSIG): the command never outlives it as an orphan.
 */
void target_abandon(struct held_child *child);
/*
 * Reaps @pid (waiting for it when @block); true once it exited, with its
 * wait status and the peak RSS the kernel kept for it (ru_maxrss, KB):
 * right even for a process too short-lived for /proc to be read.
 */
bool target_reap(pid_t pid, bool block, int *status, long *peak_rss_kb);

#endif
