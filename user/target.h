/*
 * The processes being traced: validating a PID, starting a command held
 * before exec (so tracing is in place before its first instruction), and
 * telling when a target has gone.
 */
#ifndef LATSCOPE_TARGET_H
#define LATSCOPE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 0, or -ESRCH / -EINVAL (kernel thread) with a one-line reason in @why. */
int target_check_pid(pid_t pid, char *why, size_t len);
/* The process (thread group) a thread id belongs to; @pid itself if a leader. */
int target_tgid_of(pid_t pid, pid_t *tgid);
/* Reads /proc/PID/comm; empty string if gone. */
void target_comm(pid_t pid, char *buf, size_t len);
/* True while @pid exists and is not a zombie. */
bool target_is_alive(pid_t pid);

struct held_child {
	pid_t pid;
	int release_fd; /* write end of the pipe the child waits on */
};

/*
 * Forks a child that waits, then runs @command. With @stdout_to_stderr its
 * output goes to our stderr, keeping our stdout for JSON.
 */
int target_spawn_held(const char *command, bool stdout_to_stderr,
		      struct held_child *child);
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
