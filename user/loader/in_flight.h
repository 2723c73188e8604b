/*
 * Syscalls traced threads are inside of right now: the kernel's own view
 * (/proc/PID/task/TID/syscall) of which call a blocked thread is in, timed
 * by the entry syscalls.bpf.c stored for it (read through a pidfd).
 */
#ifndef LATSCOPE_IN_FLIGHT_H
#define LATSCOPE_IN_FLIGHT_H

#include <linux/types.h>
#include <bpf/libbpf.h>

struct model_syscalls;

/*
 * Scans every thread of the processes in @traced_tgids into @s. Entries
 * in @entries (task storage of struct syscall_entry) that started at or
 * before @stale_ns are not trusted for the entry time.
 */
int in_flight_scan(struct bpf_map *traced_tgids, struct bpf_map *entries, __u64 stale_ns,
		   struct model_syscalls *s);

#endif
