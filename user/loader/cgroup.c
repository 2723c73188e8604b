// cgroup v2 paths, ids and members.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include "loader/cgroup.h"

#define CGROUP2_MAGIC 0x63677270 /* linux/magic.h: CGROUP2_SUPER_MAGIC */
/* Nested cgroups walked for members; deeper ones are not searched. */
#define MAX_DEPTH 16

/* Where cgroup v2 is mounted: /sys/fs/cgroup, or .../unified (hybrid). */
static int cgroup2_mount(char *buf, size_t len)
{
	char line[1024], mnt[512], type[64];
	FILE *f = fopen("/proc/self/mountinfo", "re");
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (err && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");

		/* id parent major:minor root mount-point ... - fstype source ... */
		if (sep && sscanf(line, "%*s %*s %*s %*s %511s", mnt) == 1 &&
		    sscanf(sep + 3, "%63s", type) == 1 && !strcmp(type, "cgroup2")) {
			snprintf(buf, len, "%s", mnt);
			err = 0;
		}
	}
	fclose(f);
	return err;
}

int cgroup_resolve(const char *arg, char *path, size_t len, __u64 *id, char *why, size_t wlen)
{
	char mnt[512];
	struct statfs fs;
	struct stat st;

	if (arg[0] == '/') {
		snprintf(path, len, "%s", arg);
	} else if (cgroup2_mount(mnt, sizeof(mnt))) {
		snprintf(why, wlen, "--cgroup %s: cgroup v2 is not mounted", arg);
		return -ENOENT;
	} else {
		snprintf(path, len, "%s/%s", mnt, arg);
	}
	if (stat(path, &st) || !S_ISDIR(st.st_mode)) {
		int err = errno ? -errno : -ENOTDIR;

		snprintf(why, wlen, "no such cgroup: %s", path);
		return err;
	}
	if (statfs(path, &fs) || fs.f_type != CGROUP2_MAGIC) {
		snprintf(why, wlen,
			 "%s is not a cgroup v2 directory (the kernel filters on v2 ids)", path);
		return -EINVAL;
	}
	*id = st.st_ino;
	return 0;
}

int cgroup_of_unit(const char *unit, char *path, size_t len, __u64 *id, char *why, size_t wlen)
{
	char rel[300];

	/* sd_booted()'s test: systemd creates this directory when it runs as init. */
	if (access("/run/systemd/system", F_OK)) {
		snprintf(why, wlen,
			 "--unit %s: systemd is not running here (no /run/systemd/system); "
			 "give its cgroup with --cgroup PATH",
			 unit);
		return -ENOENT;
	}
	snprintf(rel, sizeof(rel), "system.slice/%s%s", unit, strchr(unit, '.') ? "" : ".service");
	return cgroup_resolve(rel, path, len, id, why, wlen);
}

static int add_pid(pid_t **pids, int *n, int *cap, pid_t pid)
{
	if (*n == *cap) {
		pid_t *grown = realloc(*pids, (*cap = *cap ? *cap * 2 : 64) * sizeof(**pids));

		if (!grown)
			return -ENOMEM;
		*pids = grown;
	}
	(*pids)[(*n)++] = pid;
	return 0;
}

static int walk(const char *dir, int depth, pid_t **pids, int *n, int *cap)
{
	char path[4096];
	struct dirent *de;
	long pid;
	FILE *f;
	DIR *d;
	int err = 0;

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	f = fopen(path, "re");
	if (f) {
		while (!err && fscanf(f, "%ld", &pid) == 1)
			err = add_pid(pids, n, cap, pid);
		fclose(f);
	}
	if (err || depth >= MAX_DEPTH || !(d = opendir(dir)))
		return err;
	while (!err && (de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		err = walk(path, depth + 1, pids, n, cap);
	}
	closedir(d);
	return err;
}

int cgroup_processes(const char *path, pid_t **out, int *n)
{
	int cap = 0, err;

	*out = NULL;
	*n = 0;
	err = walk(path, 0, out, n, &cap);
	if (err) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return err;
}

__u64 cgroup_id_of_pid(pid_t pid)
{
	static char mnt[512];
	char path[4096 + 512], line[4096];
	struct stat st;
	__u64 id = 0;
	FILE *f;

	if (!mnt[0] && cgroup2_mount(mnt, sizeof(mnt)))
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", mnt, line + 3);
		if (!stat(path, &st))
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}
