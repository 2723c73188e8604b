// TCP ports a process listens on, from /proc.
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "loader/listeners.h"

#define TCP_LISTEN 0x0A
#define MAX_LISTEN 256

int listeners_parse(const char *text, struct listen_sock *out, int max)
{
	const char *line = strchr(text, '\n'); /* past the header */
	int n = 0;

	while (line && n < max) {
		unsigned int port, state;
		unsigned long long inode;

		line++;
		/* "sl: local:port remote:port st tx:rx tr:when retrnsmt uid timeout inode" */
		if (sscanf(line,
			   " %*d: %*[0-9A-Fa-f]:%x %*[0-9A-Fa-f]:%*x %x %*x:%*x %*x:%*x %*x %*u %*u %llu",
			   &port, &state, &inode) == 3 &&
		    state == TCP_LISTEN && inode)
			out[n++] = (struct listen_sock){ .inode = inode, .port = port };
		line = strchr(line, '\n');
	}
	return n;
}

static int read_listening(pid_t pid, const char *file, struct listen_sock *out, int max)
{
	char path[64], *text = NULL;
	size_t cap = 0, len = 0;
	FILE *f;
	int n;

	snprintf(path, sizeof(path), "/proc/%d/net/%s", pid, file);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *bigger = realloc(text, cap = 2 * cap + 8192);

			if (!bigger) {
				free(text);
				fclose(f);
				return -ENOMEM;
			}
			text = bigger;
		}
		size_t got = fread(text + len, 1, 4096, f);

		len += got;
		if (got < 4096)
			break;
	}
	fclose(f);
	text[len] = '\0';
	n = listeners_parse(text, out, max);
	free(text);
	return n;
}

static int compare_ports(const void *a, const void *b)
{
	return (int)*(const __u16 *)a - (int)*(const __u16 *)b;
}

/* Adds @port to @ports unless it is there (IPv4 and IPv6 on one port). */
static int add_port(__u16 *ports, int n, int max, __u16 port)
{
	for (int i = 0; i < n; i++)
		if (ports[i] == port)
			return n;
	if (n < max)
		ports[n++] = port;
	return n;
}

int listeners_of(pid_t pid, __u16 *ports, int max)
{
	struct listen_sock socks[MAX_LISTEN];
	char path[64], fd_path[320], link[64];
	struct dirent *e;
	int n_socks, n4, n = 0;
	DIR *dir;

	n4 = read_listening(pid, "tcp", socks, MAX_LISTEN);
	if (n4 < 0)
		return n4;
	n_socks = read_listening(pid, "tcp6", socks + n4, MAX_LISTEN - n4);
	if (n_socks < 0)
		return n_socks;
	n_socks += n4;
	if (!n_socks)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((e = readdir(dir))) {
		unsigned long long inode;
		ssize_t len;

		if (e->d_name[0] == '.')
			continue;
		snprintf(fd_path, sizeof(fd_path), "/proc/%d/fd/%s", pid, e->d_name);
		len = readlink(fd_path, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sscanf(link, "socket:[%llu]", &inode) != 1)
			continue;
		for (int i = 0; i < n_socks; i++)
			if (socks[i].inode == inode)
				n = add_port(ports, n, max, socks[i].port);
	}
	closedir(dir);
	qsort(ports, n, sizeof(*ports), compare_ports);
	return n;
}
