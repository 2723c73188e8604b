// Target processes: checks, a command started held, exit detection.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>
#include "target.h"

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

void target_comm(pid_t pid, char *buf, size_t len)
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

int target_tgid_of(pid_t pid, pid_t *tgid)
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

int target_check_pid(pid_t pid, char *why, size_t len)
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
		target_comm(pid, comm, sizeof(comm));
		snprintf(why, len,
			 "pid %d (%s) is a kernel thread; latscope traces user processes",
			 pid, comm);
		return -EINVAL;
	}
	if (state == 'Z') {
		snprintf(why, len, "pid %d has already exited (zombie)", pid);
		return -ESRCH;
	}
	return 0;
}

bool target_is_alive(pid_t pid)
{
	unsigned long flags;
	char state;

	return read_stat(pid, &state, &flags) == 0 && state != 'Z' &&
	       state != 'X';
}

/*
 * A simple command (words, quotes, variables; no pipes, redirections or
 * lists) is exec'd directly, so the traced process is the program itself
 * and not a shell around it. Anything else goes through /bin/sh -c.
 */
static void exec_command(const char *command)
{
	wordexp_t words;

	if (wordexp(command, &words, WRDE_NOCMD) == 0 && words.we_wordc > 0) {
		execvp(words.we_wordv[0], words.we_wordv);
		fprintf(stderr, "latscope: cannot run %s: %s\n", words.we_wordv[0],
			strerror(errno));
		_exit(127);
	}
	execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	fprintf(stderr, "latscope: cannot run /bin/sh: %s\n", strerror(errno));
	_exit(127);
}

int target_spawn_held(const char *command, bool stdout_to_stderr,
		      struct held_child *child)
{
	int fds[2];
	pid_t pid;
	char go;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		close(fds[1]);
		/* EOF without a byte: the tracer gave up, run nothing. */
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		if (stdout_to_stderr)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		exec_command(command);
	}
	close(fds[0]);
	child->pid = pid;
	child->release_fd = fds[1];
	return 0;
}

int target_release(struct held_child *child)
{
	char go = 1;
	int err = 0;

	if (write(child->release_fd, &go, 1) != 1)
		err = -errno;
	close(child->release_fd);
	child->release_fd = -1;
	return err;
}

void target_abandon(struct held_child *child)
{
	if (child->release_fd >= 0)
		close(child->release_fd);
	else if (child->pid > 0)
		kill(child->pid, SIGTERM); /* released and still running */
	child->release_fd = -1;
	if (child->pid > 0)
		waitpid(child->pid, NULL, 0);
	child->pid = 0;
}

bool target_reap(pid_t pid, int *status)
{
	return waitpid(pid, status, WNOHANG) == pid;
}
