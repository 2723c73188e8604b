// Syscalls in flight in traced threads, from /proc and the kernel's entries.
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "model/syscalls.h"
#include "loader/in_flight.h"

/* Bounds one scan: a reading per tick must stay cheap. */
#define SCAN_MAX_PROCESSES 64
#define SCAN_MAX_THREADS   512

#ifndef PIDFD_THREAD
#define PIDFD_THREAD 0x80 /* O_EXCL: a pidfd for one thread (Linux 6.9+) */
#endif

/*
 * The syscall @tid is blocked in, or -1 (running, not in a syscall, gone).
 * The kernel answers only for a thread that is not running, which is the
 * case that matters: a thread inside a call that takes a while.
 */
static long blocked_syscall(pid_t tgid, pid_t tid)
{
	char path[64], buf[32];
	long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", tgid, tid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f) || sscanf(buf, "%ld", &nr) != 1)
		nr = -1;
	fclose(f);
	return nr;
}

/* When the call the kernel saw @tid enter started, or 0 if unknown. */
static __u64 entry_time(int entries_fd, pid_t tgid, pid_t tid, long nr, __u64 stale_ns)
{
	struct syscall_entry entry;
	int pidfd = syscall(SYS_pidfd_open, tid, PIDFD_THREAD), err;

	/* Older kernels: a pidfd names a process, i.e. its leader thread. */
	if (pidfd < 0 && tid == tgid)
		pidfd = syscall(SYS_pidfd_open, tid, 0);
	if (pidfd < 0)
		return 0;
	err = bpf_map_lookup_elem(entries_fd, &pidfd, &entry);
	close(pidfd);
	if (err || entry.nr != nr || entry.start_ns <= stale_ns)
		return 0;
	return entry.start_ns;
}

static int scan_process(pid_t tgid, int entries_fd, __u64 stale_ns, struct model_syscalls *s,
			int *threads)
{
	char path[32];
	struct dirent *de;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", tgid);
	dir = opendir(path);
	if (!dir)
		return 0; /* exited */
	while ((de = readdir(dir)) && *threads < SCAN_MAX_THREADS) {
		struct in_flight_call call = { .tgid = tgid };
		long nr;

		if (de->d_name[0] < '0' || de->d_name[0] > '9')
			continue;
		call.tid = strtoul(de->d_name, NULL, 10);
		++*threads;
		nr = blocked_syscall(tgid, call.tid);
		if (nr < 0)
			continue;
		call.nr = nr;
		call.since_ns = entry_time(entries_fd, tgid, call.tid, nr, stale_ns);
		syscalls_in_flight_add(s, &call);
	}
	closedir(dir);
	return 0;
}

int in_flight_scan(struct bpf_map *traced_tgids, struct bpf_map *entries, __u64 stale_ns,
		   struct model_syscalls *s)
{
	__u32 key, next, *prev = NULL;
	int processes = 0, threads = 0;

	syscalls_in_flight_reset(s);
	while (processes < SCAN_MAX_PROCESSES &&
	       !bpf_map__get_next_key(traced_tgids, prev, &next, sizeof(next))) {
		key = next;
		prev = &key;
		processes++;
		scan_process(key, bpf_map__fd(entries), stale_ns, s, &threads);
	}
	return 0;
}
