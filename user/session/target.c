// A command started held before exec, released once tracing is in place.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <wordexp.h>
#include "session/target.h"

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

int target_spawn_held(const char *command, enum child_stdio stdio, struct held_child *child)
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
		if (stdio == CHILD_STDOUT_TO_STDERR)
			dup2(STDERR_FILENO, STDOUT_FILENO);
		else if (stdio == CHILD_STDIO_NULL)
			stdio_to_null();
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
