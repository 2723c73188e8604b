// Deterministic resource workloads for latscope's resource integration tests.
//
//   resload MODE ARGS...
//     burn MS              spin on the CPU for MS ms of wall time; prints
//                          "burn wall_ns W cpu_ns C" to stderr, C being the
//                          process's CPU time as the kernel charged it
//     sleep N MS           N sleeps of MS milliseconds; prints "median_ns M",
//                          the median sleep as the workload saw it
//     contend MS           two threads pinned to CPU 0, each spinning MS ms
//     touch N              write one byte to each of N fresh anonymous pages
//     write DIR KB         O_DIRECT-write KB KiB to a new file in DIR, fsync it
//     connect K            open and close K loopback TCP connections, client
//                          closing first; the server end is in this process
//     transfer BYTES       send BYTES over one loopback TCP connection to a
//                          receiver thread in this process
//
// Every mode ends with a 200 ms pause so that the kernel's last state
// changes (TCP teardown, I/O completion) land while the trace is running.
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static void spin_ms(long ms)
{
	long long end = now_ns() + ms * 1000000LL;
	volatile unsigned long x = 0;

	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			x += i;
}

static int cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return x < y ? -1 : x > y;
}

static int sleeps(long n, long ms)
{
	long long *took = calloc(n > 0 ? n : 1, sizeof(*took));

	if (!took || n < 1)
		return 1;
	for (long i = 0; i < n; i++) {
		long long start = now_ns();

		sleep_ms(ms);
		took[i] = now_ns() - start;
	}
	qsort(took, n, sizeof(*took), cmp_ll);
	fprintf(stderr, "sleep median_ns %lld\n", took[(n - 1) / 2]);
	free(took);
	return 0;
}

static int burn(long ms)
{
	long long start = now_ns(), wall;
	struct timespec cpu;

	spin_ms(ms);
	wall = now_ns() - start;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
	fprintf(stderr, "burn wall_ns %lld cpu_ns %lld\n", wall,
		cpu.tv_sec * 1000000000LL + cpu.tv_nsec);
	return 0;
}

static void *spin_pinned(void *arg)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	spin_ms((long)arg);
	return NULL;
}

static int contend(long ms)
{
	pthread_t t[2];

	for (int i = 0; i < 2; i++)
		if (pthread_create(&t[i], NULL, spin_pinned, (void *)ms))
			return 1;
	for (int i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static int touch(long pages)
{
	long size = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pages * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
		       0);

	if (p == MAP_FAILED)
		return 1;
	/* No transparent huge pages: one fault per page. */
	madvise(p, pages * size, MADV_NOHUGEPAGE);
	for (long i = 0; i < pages; i++)
		p[i * size] = 1;
	return munmap(p, pages * size) ? 1 : 0;
}

static int write_direct(const char *dir, long kib)
{
	char path[4096];
	void *buf;
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/resload-%d", dir, getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_DIRECT, 0600);
	if (fd < 0 || posix_memalign(&buf, 4096, 4096)) {
		perror(path);
		return 1;
	}
	memset(buf, 'x', 4096);
	for (long i = 0; i < kib / 4 && !rc; i++)
		rc = write(fd, buf, 4096) != 4096;
	if (fsync(fd))
		rc = 1;
	close(fd);
	unlink(path);
	free(buf);
	return rc;
}

static int listen_loopback(struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)addr, sizeof(*addr)) || listen(fd, 16) ||
	    getsockname(fd, (struct sockaddr *)addr, &len))
		return -1;
	return fd;
}

static int connect_loopback(const struct sockaddr_in *addr)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0 || connect(fd, (const struct sockaddr *)addr, sizeof(*addr)))
		return -1;
	return fd;
}

/* Client closes first; the server sees EOF, then closes its end. */
static int connections(long k)
{
	struct sockaddr_in addr;
	int lfd = listen_loopback(&addr);
	char byte;

	if (lfd < 0)
		return 1;
	for (long i = 0; i < k; i++) {
		int c = connect_loopback(&addr), s = accept(lfd, NULL, NULL);

		if (c < 0 || s < 0)
			return 1;
		close(c);
		if (read(s, &byte, 1) != 0)
			return 1;
		close(s);
	}
	close(lfd);
	return 0;
}

static void *receive_all(void *arg)
{
	int fd = (int)(long)arg;
	char buf[65536];
	long long total = 0;
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		total += n;
	close(fd);
	return (void *)(long)total;
}

static int transfer(long bytes)
{
	struct sockaddr_in addr;
	int lfd = listen_loopback(&addr), c, s;
	static char buf[65536];
	pthread_t receiver;
	void *received;

	c = connect_loopback(&addr);
	s = accept(lfd, NULL, NULL);
	if (lfd < 0 || c < 0 || s < 0 ||
	    pthread_create(&receiver, NULL, receive_all, (void *)(long)s))
		return 1;
	for (long sent = 0; sent < bytes;) {
		long chunk = bytes - sent < (long)sizeof(buf) ? bytes - sent : (long)sizeof(buf);
		ssize_t n = write(c, buf, chunk);

		if (n <= 0)
			return 1;
		sent += n;
	}
	close(c);
	pthread_join(receiver, &received);
	close(lfd);
	return (long)received == bytes ? 0 : 1;
}

static long arg(char **argv, int i)
{
	return strtol(argv[i], NULL, 10);
}

static int run(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[0], "burn"))
		return burn(arg(argv, 1));
	else if (argc >= 3 && !strcmp(argv[0], "sleep"))
		return sleeps(arg(argv, 1), arg(argv, 2));
	else if (argc >= 2 && !strcmp(argv[0], "contend"))
		return contend(arg(argv, 1));
	else if (argc >= 2 && !strcmp(argv[0], "touch"))
		return touch(arg(argv, 1));
	else if (argc >= 3 && !strcmp(argv[0], "write"))
		return write_direct(argv[1], arg(argv, 2));
	else if (argc >= 2 && !strcmp(argv[0], "connect"))
		return connections(arg(argv, 1));
	else if (argc >= 2 && !strcmp(argv[0], "transfer"))
		return transfer(arg(argv, 1));
	else
		return 2;
	return 0;
}

int main(int argc, char **argv)
{
	int rc = run(argc - 1, argv + 1);

	if (rc == 2)
		fprintf(stderr, "usage: resload MODE ARGS... (see the source)\n");
	else if (rc)
		fprintf(stderr, "resload %s: failed\n", argc > 1 ? argv[1] : "");
	sleep_ms(200);
	return rc;
}
