/*
 * A process as /proc describes it: whether a PID can be traced, the
 * process a thread belongs to, its name, whether it still runs.
 */
#ifndef LATSCOPE_PROC_PID_H
#define LATSCOPE_PROC_PID_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* 0, or -ESRCH / -EINVAL (kernel thread) with a one-line reason in @why. */
int proc_pid_check(pid_t pid, char *why, size_t len);
/* The process (thread group) a thread id belongs to; @pid itself if a leader. */
int proc_pid_tgid(pid_t pid, pid_t *tgid);
/* Reads /proc/PID/comm; empty string if gone. */
void proc_pid_comm(pid_t pid, char *buf, size_t len);
/* True while @pid exists and is not a zombie. */
bool proc_pid_alive(pid_t pid);

/*
 * Every live descendant of @root (children, their children...), without
 * @root; *out is malloc'ed (free it), possibly with *n 0.
 */
int proc_pid_descendants(pid_t root, pid_t **out, int *n);

/* @pid's PID in its own namespace (NSpid's innermost); 0 if unknown. */
pid_t proc_pid_in_namespace(pid_t pid);
/* Every live process whose comm is @comm (as pgrep -x), latscope aside. */
int proc_pid_by_comm(const char *comm, pid_t **out, int *n);

#endif
