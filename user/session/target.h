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
};

enum child_stdio {
	CHILD_STDIO_INHERIT,
	CHILD_STDOUT_TO_STDERR, /* keeps our stdout for JSON */
	CHILD_STDIO_NULL,	/* stdin/stdout/stderr on /dev/null: top owns the tty */
};

/* Forks a child that waits, then runs @command with @stdio. */
int target_spawn_held(const char *command, enum child_stdio stdio, struct held_child *child);
/* Lets the held child go on to exec. */
int target_release(struct held_child *child);
/*
 * Ends a child we started: one still held exits without running the
 * command; one running gets SIGTERM (the trace it was started for is over).
 */
void target_abandon(struct held_child *child);
/* Non-blocking reap; returns true (and the wait status) once it exited. */
bool target_reap(pid_t pid, int *status);

#endif
