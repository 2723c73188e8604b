// A process's identity from /proc: its name, thread group, whether it lives.
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "loader/proc_pid.h"

#define PF_KTHREAD 0x00200000 /* include/linux/sched.h */

/* Fields after "(comm)" in /proc/PID/stat; comm may contain spaces. */
static int read_stat(pid_t pid, char *state, unsigned long *flags)
{
	char path[64], buf[1024], *p;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 1, " %c %*d %*d %*d %*d %*d %lu", state, flags) != 2)
		return -EINVAL;
	return 0;
}

void proc_pid_comm(pid_t pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", pid);
	f = fopen(path, "r");
	if (!f)
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

int proc_pid_tgid(pid_t pid, pid_t *tgid)
{
	char path[64], line[128];
	int err = -ESRCH;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Tgid: %d", tgid) == 1) {
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

int proc_pid_check(pid_t pid, char *why, size_t len)
{
	unsigned long flags;
	char state, comm[32];

	if (kill(pid, 0) && errno == ESRCH) {
		snprintf(why, len, "no such process: %d", pid);
		return -ESRCH;
	}
	if (read_stat(pid, &state, &flags)) {
		snprintf(why, len, "cannot read /proc/%d/stat: process gone?", pid);
		return -ESRCH;
	}
	if (flags & PF_KTHREAD) {
		proc_pid_comm(pid, comm, sizeof(comm));
		snprintf(why, len, "pid %d (%s) is a kernel thread; latscope traces user processes",
			 pid, comm);
		return -EINVAL;
	}
	if (state == 'Z') {
		snprintf(why, len, "pid %d has already exited (zombie)", pid);
		return -ESRCH;
	}
	return 0;
}

bool proc_pid_alive(pid_t pid)
{
	unsigned long flags;
	char state;

	return read_stat(pid, &state, &flags) == 0 && state != 'Z' && state != 'X';
}

static pid_t read_ppid(pid_t pid)
{
	char path[64], buf[1024], *p;
	int ppid = -1;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %d", &ppid) != 1)
		return -1;
	return ppid;
}

struct proc_link {
	pid_t pid, ppid;
};

/*
 * One pass over /proc for every process's parent (the kernel may lack
 * /proc/PID/task/TID/children), then the tree under @root, breadth first.
 */
int proc_pid_descendants(pid_t root, pid_t **out, int *n_out)
{
	struct proc_link *links = NULL;
	int n_links = 0, cap = 0, n = 0;
	pid_t *found = NULL;
	struct dirent *de;
	DIR *dir = opendir("/proc");

	*out = NULL;
	*n_out = 0;
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t pid = strtol(de->d_name, NULL, 10), ppid;

		if (pid <= 0 || (ppid = read_ppid(pid)) <= 0)
			continue;
		if (n_links == cap) {
			struct proc_link *grown =
				realloc(links, (cap = cap ? cap * 2 : 256) * sizeof(*links));

			if (!grown) {
				closedir(dir);
				free(links);
				return -ENOMEM;
			}
			links = grown;
		}
		links[n_links++] = (struct proc_link){ pid, ppid };
	}
	closedir(dir);
	found = malloc((n_links + 1) * sizeof(*found));
	if (!found) {
		free(links);
		return -ENOMEM;
	}
	/* found[] doubles as the queue: each parent's children are appended. */
	for (int head = -1; head < n; head++) {
		pid_t parent = head < 0 ? root : found[head];

		for (int i = 0; i < n_links; i++)
			if (links[i].ppid == parent && links[i].pid != root)
				found[n++] = links[i].pid;
	}
	free(links);
	*out = found;
	*n_out = n;
	return 0;
}

int proc_pid_by_comm(const char *comm, pid_t **out, int *n_out)
{
	struct dirent *de;
	DIR *dir = opendir("/proc");
	pid_t *found = NULL;
	int n = 0, cap = 0;
	char name[64];

	*out = NULL;
	*n_out = 0;
	if (!dir)
		return -errno;
	while ((de = readdir(dir))) {
		pid_t pid = strtol(de->d_name, NULL, 10);

		if (pid <= 0 || pid == getpid())
			continue;
		proc_pid_comm(pid, name, sizeof(name));
		if (strcmp(name, comm) || !proc_pid_alive(pid))
			continue;
		if (n == cap) {
			pid_t *grown = realloc(found, (cap = cap ? cap * 2 : 16) * sizeof(*found));

			if (!grown) {
				closedir(dir);
				free(found);
				return -ENOMEM;
			}
			found = grown;
		}
		found[n++] = pid;
	}
	closedir(dir);
	*out = found;
	*n_out = n;
	return 0;
}

pid_t proc_pid_in_namespace(pid_t pid)
{
	char path[64], line[256];
	pid_t ns_pid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (long v; (v = strtol(p, &end, 10)), end != p && v > 0; p = end)
			ns_pid = v;
		break;
	}
	fclose(f);
	return ns_pid;
}
