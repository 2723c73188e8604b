// Writing output files whole or not at all, every failure reported.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "base/output_file.h"

/*
 * Devices and FIFOs are written in place, and so is anything reached
 * through /dev or /proc: `-o /dev/stdout` with stdout redirected to a file
 * stats as a regular file, and a rename would replace the /dev/stdout link.
 */
static bool is_in_place(const char *path)
{
	struct stat st;

	if (!strncmp(path, "/dev/", 5) || !strncmp(path, "/proc/", 6))
		return true;
	return stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode);
}

static int temp_name(char *tmp, size_t len, const char *path)
{
	if (snprintf(tmp, len, "%s.tmp.%d", path, getpid()) >= (int)len)
		return -ENAMETOOLONG;
	return 0;
}

static ssize_t sink_write(void *cookie, const char *buf, size_t len)
{
	struct checked_fd *sink = cookie;
	size_t done = 0;

	while (done < len) {
		ssize_t n = write(sink->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (!sink->err)
				sink->err = n < 0 ? errno : ENOSPC;
			return -1;
		}
		done += n;
	}
	return done;
}

static int sink_close(void *cookie)
{
	struct checked_fd *sink = cookie;

	return sink->owns_fd ? close(sink->fd) : 0;
}

FILE *checked_stream(struct checked_fd *sink)
{
	static const cookie_io_functions_t io = { .write = sink_write, .close = sink_close };

	return fopencookie(sink, "w", io);
}

static int open_stream(struct output_file *out, int fd)
{
	int err;

	out->sink = (struct checked_fd){ .fd = fd, .owns_fd = true };
	out->f = checked_stream(&out->sink);
	if (out->f)
		return 0;
	err = -errno;
	close(fd);
	return err;
}

/* 1 when @path was opened in place (or -errno), 0 when it is a file for @mode. */
static int start(struct output_file *out, const char *path, enum output_mode mode, int flags)
{
	int fd;

	*out = (struct output_file){ .path = path, .mode = mode };
	if (!*path)
		return -ENOENT;
	if (!is_in_place(path))
		return 0;
	out->mode = OUTPUT_IN_PLACE;
	fd = open(path, O_WRONLY | O_CLOEXEC | flags);
	if (fd < 0)
		return -errno;
	return open_stream(out, fd) ?: 1;
}

int output_file_open(struct output_file *out, const char *path)
{
	int fd, err = start(out, path, OUTPUT_REPLACE, O_TRUNC);

	if (err)
		return err < 0 ? err : 0;
	err = temp_name(out->tmp, sizeof(out->tmp), path);
	if (err)
		return err;
	fd = open(out->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	err = open_stream(out, fd);
	if (err)
		unlink(out->tmp);
	return err;
}

int output_file_open_append(struct output_file *out, const char *path)
{
	int fd, err = start(out, path, OUTPUT_APPEND, O_APPEND);
	struct stat st;

	if (err)
		return err < 0 ? err : 0;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	out->created = fd >= 0;
	if (fd < 0 && errno == EEXIST)
		fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		close(fd);
		return -errno;
	}
	out->appended_at = st.st_size;
	return open_stream(out, fd);
}

int stream_flush(FILE *f)
{
	if (fflush(f))
		return errno ? -errno : -EIO;
	return ferror(f) ? -EIO : 0;
}

/*
 * Takes back what did not land whole. Its own failure goes unreported: the
 * caller reports the first one, which matters more.
 */
static int undo(const struct output_file *out)
{
	if (out->mode == OUTPUT_REPLACE)
		return unlink(out->tmp);
	if (out->mode == OUTPUT_APPEND && out->created)
		return unlink(out->path);
	if (out->mode == OUTPUT_APPEND)
		return truncate(out->path, out->appended_at);
	return 0;
}

int output_file_close(struct output_file *out, int err)
{
	if (!err && stream_flush(out->f))
		err = -EIO;
	/* A failed write is the cause of whatever the writer saw fail. */
	if (err && out->sink.err)
		err = -out->sink.err;
	/* Pipes and terminals cannot sync; where a file can, a late I/O error shows here. */
	if (!err && out->mode != OUTPUT_IN_PLACE && fsync(out->sink.fd))
		err = -errno;
	if (fclose(out->f) && !err)
		err = -errno;
	out->f = NULL;
	if (!err && out->mode == OUTPUT_REPLACE && rename(out->tmp, out->path))
		err = -errno;
	if (err)
		undo(out);
	return err;
}

int output_file_check(const char *path)
{
	char tmp[PATH_MAX];
	struct stat st;
	int fd, err;

	if (!*path)
		return -ENOENT;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		return -EISDIR;
	if (is_in_place(path)) {
		fd = open(path, O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		close(fd);
		return 0;
	}
	err = temp_name(tmp, sizeof(tmp), path);
	if (err)
		return err;
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	/* One byte finds a full file system: creating an empty file does not. */
	if (write(fd, "", 1) != 1)
		err = errno ? -errno : -ENOSPC;
	close(fd);
	unlink(tmp);
	return err;
}
