/*
 * Whether a process is a server: the TCP ports it listens on, from
 * /proc/PID/net/tcp{,6} (the sockets of its network namespace, with their
 * inodes) and the sockets among its file descriptors.
 */
#ifndef LATSCOPE_LISTENERS_H
#define LATSCOPE_LISTENERS_H

#include <linux/types.h>
#include <sys/types.h>

struct listen_sock {
	__u64 inode;
	__u16 port;
};

/*
 * The listening sockets (state 0A) of a /proc/net/tcp or tcp6 text, up to
 * @max; returns how many.
 */
int listeners_parse(const char *text, struct listen_sock *out, int max);
/* The TCP ports @pid listens on, up to @max, ascending; returns how many or -errno. */
int listeners_of(pid_t pid, __u16 *ports, int max);

#endif
