// A command started held before exec, released once tracing is in place.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>
#include "session/target.h"

/*
 * A simple command (words, quotes, variables; no pipes, redirections or
 * lists) is exec'd directly, so the traced process is the program itself
 * and not a shell around it. Anything else goes through /bin/sh -c. An
 * exec that fails sends its errno up @status_fd (close-on-exec, so a
 * successful exec closes it empty): the tracer says it in one line.
 */
static void exec_command(const char *command, int status_fd)
{
	wordexp_t words;
	int err;

	if (wordexp(command, &words, WRDE_NOCMD) == 0 && words.we_wordc > 0)
		execvp(words.we_wordv[0], words.we_wordv);
	else
		execl("/bin/sh", "sh", "-c", command, (char *)NULL);
	err = errno;
	if (write(status_fd, &err, sizeof(err)) != sizeof(err))
		_exit(127);
	_exit(127);
}

/* For a tracer that owns the terminal: the command must not touch it. */
static void stdio_to_null(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd < 0)
		return;
	for (int i = 0; i < 3; i++)
		dup2(fd, i);
	if (fd > 2)
		close(fd);
}

static void close_pair(int fds[2])
{
	close(fds[0]);
	close(fds[1]);
}

int target_spawn_held(const char *command, enum child_stdio stdio, struct held_child *child)
{
	int fds[2], status[2], ready = 0;
	pid_t pid;
	char go;
	ssize_t n;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	if (pipe2(status, O_CLOEXEC)) {
		int err = -errno;

		close_pair(fds);
		return err;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close_pair(fds);
		close_pair(status);
		return err;
	}
	if (pid == 0) {
		close(fds[1]);
		close(status[0]);
		/*
		 * A tracer killed outright (SIGKILL) cannot send the SIGTERM a
		 * normal end sends: the kernel does (cleared by the exec of a
		 * setuid program). One that dies before this is set closes the
		 * release pipe: the read below then ends the child. The tracer
		 * waits for "ready" so that this runs before it attaches: none
		 * of latscope's own calls count as the command's.
		 */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (write(status[1], &ready, sizeof(ready)) != sizeof(ready))
			_exit(127);
		/* EOF without a byte: the tracer gave up, run nothing. */
		if (read(fds[0], &go, 1) != 1)
			_exit(127);
		if (stdio == CHILD_STDOUT_TO_STDERR)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		else if (stdio == CHILD_STDIO_NULL)
			stdio_to_null();
		exec_command(command, status[1]);
	}
	close(fds[0]);
	close(status[1]);
	child->pid = pid;
	child->release_fd = fds[1];
	child->status_fd = status[0];
	do
		n = read(child->status_fd, &ready, sizeof(ready));
	while (n < 0 && errno == EINTR);
	return n == sizeof(ready) ? 0 : -ECHILD;
}

int target_release(struct held_child *child, int *exec_errno)
{
	char go = 1;
	int err = 0, code;
	ssize_t n;

	*exec_errno = 0;
	if (write(child->release_fd, &go, 1) != 1)
		err = -errno;
	close(child->release_fd);
	child->release_fd = -1;
	/* Empty at EOF: the exec went through and closed the pipe. */
	do
		n = read(child->status_fd, &code, sizeof(code));
	while (n < 0 && errno == EINTR);
	if (n == sizeof(code))
		*exec_errno = code;
	close(child->status_fd);
	child->status_fd = -1;
	return err;
}

void target_abandon(struct held_child *child)
{
	if (child->status_fd >= 0)
		close(child->status_fd);
	child->status_fd = -1;
	if (child->release_fd >= 0)
		close(child->release_fd);
	else if (child->pid > 0)
		kill(child->pid, SIGTERM); /* released and still running */
	child->release_fd = -1;
	if (child->pid > 0)
		waitpid(child->pid, NULL, 0);
	child->pid = 0;
}

bool target_reap(pid_t pid, bool block, int *status, long *peak_rss_kb)
{
	struct rusage ru = {};
	pid_t got;

	do
		got = wait4(pid, status, block ? 0 : WNOHANG, &ru);
	while (got < 0 && errno == EINTR);
	if (got != pid)
		return false;
	*peak_rss_kb = ru.ru_maxrss;
	return true;
}
