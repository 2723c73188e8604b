/*
 * Files latscope writes (snapshots, JSON Lines, JUnit XML), written so that
 * a failure is never silent and never leaves half a file: everything goes
 * through a FILE the caller fills, then output_file_close() flushes, syncs
 * and checks it, and only then puts it in place. On any error the path is
 * left as it was before: no file, the previous snapshot, or the JSON Lines
 * that earlier appends wrote.
 */
#ifndef LATSCOPE_OUTPUT_FILE_H
#define LATSCOPE_OUTPUT_FILE_H

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

enum output_mode {
	OUTPUT_REPLACE,	 /* a temp file beside the path, renamed over it */
	OUTPUT_IN_PLACE, /* a device or FIFO (/dev/stdout, a pipe): written as is */
	OUTPUT_APPEND,	 /* one record appended; on failure cut back to where it began */
};

/*
 * A file descriptor written through stdio that remembers why its first
 * write failed: stdio itself drops a buffer it could not write, so a later
 * fflush succeeds and errno is long gone by the time anyone asks.
 */
struct checked_fd {
	int fd;
	bool owns_fd; /* closed with the stream */
	int err;      /* errno of the first failed write, 0 while none failed */
};

/* A FILE on @sink->fd (fully buffered); NULL with errno set. */
FILE *checked_stream(struct checked_fd *sink);

struct output_file {
	FILE *f; /* write through this between open and close */
	struct checked_fd sink;
	const char *path;
	enum output_mode mode;
	char tmp[PATH_MAX]; /* OUTPUT_REPLACE: the temp file */
	off_t appended_at;  /* OUTPUT_APPEND: the size before this record */
	bool created;	    /* OUTPUT_APPEND: this record created the file */
};

/* Opens @path to be replaced whole: 0 or -errno. */
int output_file_open(struct output_file *out, const char *path);
/* Opens @path (created if missing) to append one record: 0 or -errno. */
int output_file_open_append(struct output_file *out, const char *path);
/*
 * Finishes @out: with @err == 0 flushes, syncs and puts the file in place,
 * and returns the first failure of any write to it, as -errno; with @err
 * (the caller's own failure) only undoes. Either way @out is closed.
 */
int output_file_close(struct output_file *out, int err);
/*
 * Whether @path could be written now, asked before a trace starts: a
 * directory, a missing or read-only folder, a full file system, an empty
 * name. 0 or -errno; creates nothing that stays.
 */
int output_file_check(const char *path);
/*
 * Flushes @f: 0, or -errno when this or any earlier write to it failed
 * (-EIO when stdio no longer knows why: see struct checked_fd).
 */
int stream_flush(FILE *f);

#endif
