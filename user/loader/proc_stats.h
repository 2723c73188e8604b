/*
 * What /proc says about a process at a moment: memory, threads, open file
 * descriptors and cumulative page faults. The parsers are pure (text in,
 * figures out) so the unit tests feed them captured files.
 */
#ifndef LATSCOPE_PROC_STATS_H
#define LATSCOPE_PROC_STATS_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>
#include "model/resources.h"

struct model;
struct proc_rec;

/* /proc/PID/status: VmRSS, VmHWM, Threads. -EINVAL if Threads is missing. */
int proc_parse_status(const char *text, struct proc_stats *out);
/* /proc/PID/stat: minflt and majflt (fields 10 and 12, after the comm). */
int proc_parse_stat(const char *text, struct proc_stats *out);
/* /proc/PID/stat: utime + stime of every thread, in ns (clock ticks given). */
int proc_parse_cpu_ns(const char *text, long ticks_per_s, __u64 *ns);
int proc_cpu_ns(pid_t pid, __u64 *ns);
/* Reads all of the above for @pid; -ESRCH once it is gone. */
int proc_stats_read(pid_t pid, struct proc_stats *out);
/* Reads /proc for every target and every process with resource figures. */
void proc_stats_refresh(struct model *model);
/*
 * Reads one process. Also called (@exiting) on its exit record, while it
 * is still a zombie: its fault counters are final then, a tick later it
 * may be reaped; its memory figures stay those of the last tick.
 */
void proc_stats_refresh_pid(struct model *model, pid_t pid, bool exiting);
/* A traced process exited: its last fault counters, and its name. */
void proc_stats_on_exit(struct model *model, const struct proc_rec *rec);

#endif
