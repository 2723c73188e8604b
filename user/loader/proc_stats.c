// Memory, threads, fds and fault counters from /proc.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "model/model.h"
#include "loader/proc_stats.h"
#include "loader/cgroup.h"
#include "loader/proc_pid.h"

/* The value of "Key:\t  123 kB" lines; -1 when the key is absent. */
static long status_field(const char *text, const char *key)
{
	size_t len = strlen(key);

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, len) && line[len] == ':')
			return strtol(line + len + 1, NULL, 10);
	}
	return -1;
}

/* The last number of a "Key:\tA\tB..." line (NSpid: host, ..., innermost). */
static long last_field(const char *text, const char *key)
{
	size_t len = strlen(key);
	long value = -1;

	for (const char *line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, key, len) || line[len] != ':')
			continue;
		for (const char *p = line + len + 1; *p && *p != '\n';) {
			char *end;

			p += strspn(p, " \t");
			if (*p < '0' || *p > '9')
				break;
			value = strtol(p, &end, 10);
			p = end;
		}
		break;
	}
	return value;
}

int proc_parse_status(const char *text, struct proc_stats *out)
{
	out->threads = status_field(text, "Threads");
	out->ns_pid = last_field(text, "NSpid");
	/* Kernel threads and zombies have no Vm* lines. */
	out->rss_kb = status_field(text, "VmRSS");
	out->peak_rss_kb = status_field(text, "VmHWM");
	out->has_memory = out->rss_kb >= 0 && out->peak_rss_kb >= 0;
	if (!out->has_memory)
		out->rss_kb = out->peak_rss_kb = 0;
	return out->threads < 0 ? -EINVAL : 0;
}

/* The comm may hold spaces and parentheses: fields follow the last ')'. */
static const char *stat_fields(const char *text)
{
	const char *p = strrchr(text, ')');

	return p ? p + 1 : NULL;
}

int proc_parse_stat(const char *text, struct proc_stats *out)
{
	const char *p = stat_fields(text);
	unsigned long long minflt, majflt;

	if (!p)
		return -EINVAL;
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt */
	if (sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %llu %*u %llu", &minflt, &majflt) != 2)
		return -EINVAL;
	out->minor_faults = minflt;
	out->major_faults = majflt;
	return 0;
}

static int read_text(pid_t pid, const char *name, char *buf, size_t len)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return 0;
}

int proc_parse_cpu_ns(const char *text, long ticks_per_s, __u64 *ns)
{
	const char *p = stat_fields(text);
	unsigned long long utime, stime;

	/* ... majflt cmajflt utime stime */
	if (!p || ticks_per_s <= 0 ||
	    sscanf(p, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime, &stime) !=
		    2)
		return -EINVAL;
	*ns = (utime + stime) * (1000000000ULL / ticks_per_s);
	return 0;
}

int proc_cpu_ns(pid_t pid, __u64 *ns)
{
	char buf[4096];
	int err = read_text(pid, "stat", buf, sizeof(buf));

	return err ? err : proc_parse_cpu_ns(buf, sysconf(_SC_CLK_TCK), ns);
}

static long count_fds(pid_t pid)
{
	char path[64];
	struct dirent *e;
	long n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -1;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n;
}

int proc_stats_read(pid_t pid, struct proc_stats *out)
{
	char buf[4096];
	int err;

	err = read_text(pid, "status", buf, sizeof(buf));
	if (!err)
		err = proc_parse_status(buf, out);
	if (!err)
		err = read_text(pid, "stat", buf, sizeof(buf));
	if (!err)
		err = proc_parse_stat(buf, out);
	if (err)
		return err == -EINVAL ? -ESRCH : err;
	out->fds = count_fds(pid);
	return 0;
}

void proc_stats_refresh_pid(struct model *model, pid_t pid, bool exiting)
{
	struct res_process *row = resources_process(&model->res, pid);
	const struct target_info *t = model_find_target(model, pid);
	struct proc_stats stats;

	if (!row || row->proc_gone)
		return;
	if (proc_stats_read(pid, &stats)) {
		res_process_mark_gone(row);
		return;
	}
	/* Mid-exit, memory is being torn down; fault counters are final. */
	if (exiting)
		stats.has_memory = false;
	else /* every tick: a process started with -c execs after the first */
		proc_pid_comm(pid, row->comm, sizeof(row->comm));
	if (!row->cgroup_id)
		row->cgroup_id = cgroup_id_of_pid(pid);
	/* Only a process attached by -p ran before tracing began. */
	res_process_set_proc(row, &stats, t && !t->spawned);
}

void proc_stats_on_exit(struct model *model, const struct proc_rec *rec)
{
	struct res_process *row = resources_process(&model->res, rec->hdr.tgid);

	/* A short-lived child may be reaped before /proc can name it. */
	if (row && !row->comm[0])
		memcpy(row->comm, rec->comm, sizeof(row->comm) - 1);
	proc_stats_refresh_pid(model, rec->hdr.tgid, true);
}

void proc_stats_refresh(struct model *model)
{
	for (int i = 0; i < model->n_targets; i++)
		proc_stats_refresh_pid(model, model->targets[i].pid, false);
	for (int i = 0; i < model->res.n; i++)
		proc_stats_refresh_pid(model, model->res.procs[i]->tgid, false);
}
