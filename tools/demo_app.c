// The demo workload: a small "service" whose syscalls have known shapes.
//
//   demo_app [SECONDS]
//
// Each "request" reads a file, writes a log line, asks for randomness, looks
// for an optional config file that does not exist (ENOENT), and waits on a
// worker thread through a pipe. One request in a hundred stalls 40 ms in
// nanosleep, standing in for a slow backend: the tail latscope should find.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

static int to_worker[2], from_worker[2];

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Echoes each byte back after a short pause: a stand-in for a thread pool. */
static void *worker(void *arg)
{
	char byte;

	while (read(to_worker[0], &byte, 1) == 1) {
		sleep_ms(1);
		if (write(from_worker[1], &byte, 1) != 1)
			break;
	}
	return NULL;
}

static void handle_request(int log_fd, long n)
{
	char buf[256], byte = 'x';
	unsigned int r;
	int fd;

	fd = open("/proc/self/stat", O_RDONLY);
	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf)) < 0)
			perror("read");
		close(fd);
	}
	if (open("/etc/demo-app.conf", O_RDONLY) >= 0)
		fprintf(stderr, "unexpected config file\n");
	if (getrandom(&r, sizeof(r), 0) < 0)
		r = 0;
	if (dprintf(log_fd, "request %ld rand %u\n", n, r) < 0)
		perror("log");
	if (write(to_worker[1], &byte, 1) != 1 || read(from_worker[0], &byte, 1) != 1)
		perror("worker");
	if (n % 100 == 99)
		sleep_ms(40);
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 10;
	struct timespec start, now;
	pthread_t tid;
	int log_fd;
	long n = 0;

	log_fd = open("/dev/null", O_WRONLY);
	if (log_fd < 0 || pipe(to_worker) || pipe(from_worker) ||
	    pthread_create(&tid, NULL, worker, NULL)) {
		perror("demo_app setup");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		handle_request(log_fd, n++);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec + (now.tv_nsec - start.tv_nsec) / 1e9 < seconds);
	printf("demo_app: %ld requests\n", n);
	return 0;
}
