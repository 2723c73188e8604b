/*
 * cgroup v2 targets: a path (or a systemd unit) resolved to the cgroup id
 * the kernel filters on, and the processes in it now.
 */
#ifndef LATSCOPE_CGROUP_H
#define LATSCOPE_CGROUP_H

#include <linux/types.h>
#include <stddef.h>
#include <sys/types.h>

/*
 * @arg: an absolute path on a cgroup v2 file system, or one relative to
 * where cgroup v2 is mounted. Fills @path and @id (the cgroup's inode
 * number, which is its id); -errno with a one-line reason in @why.
 */
int cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id, char *why, size_t wlen);
/* system.slice/NAME(.service), once systemd is known to run; -errno and @why. */
int cgroup_of_unit(const char *unit, char *path, size_t len, __u64 *id, char *why, size_t wlen);
/* @pid's cgroup v2 id (the "0::" line of /proc/PID/cgroup); 0 if unknown. */
__u64 cgroup_id_of_pid(pid_t pid);
/* Every process in @path and the cgroups below it; *out is malloc'ed. */
int cgroup_processes(const char *path, pid_t **out, int *n);

#endif
