// Deterministic syscall workloads for latscope's integration tests.
//
//   sysload [--wait-signal] MODE ARGS...
//     getppid N            exactly N getppid() calls
//     sleep N MS           N nanosleep()s of MS milliseconds; prints the
//                          median sleep it measured itself on stderr as
//                          "median_ns NS", the reference for latency tests
//     enoent N             N open()s of a missing file (ENOENT)
//     threads T N          T threads, each N getppid() calls
//     slowmix SLOW MS FAST FAST getppid() calls with SLOW sleeps of MS ms
//                          spread evenly among them
//     fork N               fork a child that makes N getppid() calls, wait
//     exit-after MS        sleep MS then exit (target exiting mid-trace)
//     thread-wait N        start a thread at once; it prints "thread TID",
//                          waits for SIGUSR1, then makes N getppid() calls
//     storm-then N RATE M  N getppid() calls at up to RATE a second (paced by
//                          the clock, busy: a storm whose rate tracing does
//                          not change), prints "storm done", waits for SIGUSR2,
//                          then makes M more and exits
//
// --wait-signal: print "ready PID" and wait for SIGUSR1 before starting, so a
// tracer attached by PID sees the whole workload.
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "wait_for_go.h"

static void calls_getppid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

/*
 * Times every sleep from user space with the same clock the BPF programs
 * use, so a test can compare latscope's p50 with what the process itself
 * saw. The lower median is printed: it is a real sample, not an average.
 */
static int timed_sleeps(long n, long ms)
{
	int64_t *ns;

	if (n < 1)
		return 2;
	ns = calloc(n, sizeof(*ns));
	if (!ns)
		return 1;
	for (long i = 0; i < n; i++) {
		int64_t start = mono_ns();

		sleep_ms(ms);
		ns[i] = mono_ns() - start;
	}
	qsort(ns, n, sizeof(*ns), cmp_i64);
	fprintf(stderr, "median_ns %lld\n", (long long)ns[(n - 1) / 2]);
	free(ns);
	return 0;
}

static void *thread_main(void *arg)
{
	calls_getppid((long)arg);
	return NULL;
}

/*
 * Unlike --wait-signal, the thread exists before any tracer starts, so a
 * test can hand its thread id (not the process id) to latscope -p.
 */
static void *waiting_thread(void *arg)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	printf("thread %d\n", (int)gettid());
	fflush(stdout);
	sigwait(&set, &sig);
	calls_getppid((long)arg);
	return NULL;
}

static int run_waiting_thread(long n)
{
	pthread_t tid;
	sigset_t set;

	/* Blocked everywhere, a process-directed SIGUSR1 reaches the sigwait. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (pthread_create(&tid, NULL, waiting_thread, (void *)n))
		return 1;
	pthread_join(tid, NULL);
	return 0;
}

static int run_threads(long threads, long n)
{
	pthread_t tids[64];

	if (threads < 1 || threads > 64)
		return 2;
	for (long i = 0; i < threads; i++)
		if (pthread_create(&tids[i], NULL, thread_main, (void *)n))
			return 1;
	for (long i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
	return 0;
}

static void open_missing(long n)
{
	for (long i = 0; i < n; i++)
		if (open("/nonexistent/latscope-test", O_RDONLY) >= 0)
			abort();
}

/* SLOW sleeps of MS milliseconds, spread evenly among FAST getppid calls. */
static void slow_mix(long slow, long ms, long fast)
{
	long every = slow ? fast / slow : fast;

	for (long i = 0; i < fast; i++) {
		syscall(SYS_getppid);
		if (slow && i % every == every - 1 && i / every < slow)
			sleep_ms(ms);
	}
}

static int fork_child(long n)
{
	pid_t pid = fork();
	int status;

	if (pid < 0)
		return 1;
	if (pid == 0) {
		calls_getppid(n);
		_exit(0);
	}
	waitpid(pid, &status, 0);
	return 0;
}

/*
 * Checks the clock (vDSO, no syscall) every batch of calls. Time lost to
 * preemption is never caught up: a catch-up burst would run at the
 * speed of the moment, faster while untraced, and the rate would depend
 * on the tracing after all.
 */
static void paced_getppid(long n, long rate)
{
	const long batch = 32;
	const int64_t every = (int64_t)(batch * 1e9 / rate);
	int64_t next = mono_ns(), now;

	for (long done = 0; done < n; done += batch) {
		while ((now = mono_ns()) < next)
			;
		calls_getppid(n - done < batch ? n - done : batch);
		next += every;
		if (now > next)
			next = now;
	}
}

static int storm_then(long n, long rate, long m)
{
	sigset_t set;
	int sig;

	if (rate < 1)
		return 2;
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	paced_getppid(n, rate);
	printf("storm done\n");
	fflush(stdout);
	sigwait(&set, &sig);
	calls_getppid(m);
	return 0;
}

static long arg(char **argv, int i)
{
	return strtol(argv[i], NULL, 10);
}

int main(int argc, char **argv)
{
	int first = 1;

	if (argc > 1 && !strcmp(argv[1], "--wait-signal")) {
		wait_for_go();
		first = 2;
	}
	argv += first;
	argc -= first;
	if (argc >= 2 && !strcmp(argv[0], "getppid"))
		calls_getppid(arg(argv, 1));
	else if (argc >= 3 && !strcmp(argv[0], "sleep"))
		return timed_sleeps(arg(argv, 1), arg(argv, 2));
	else if (argc >= 2 && !strcmp(argv[0], "enoent"))
		open_missing(arg(argv, 1));
	else if (argc >= 3 && !strcmp(argv[0], "threads"))
		return run_threads(arg(argv, 1), arg(argv, 2));
	else if (argc >= 4 && !strcmp(argv[0], "slowmix"))
		slow_mix(arg(argv, 1), arg(argv, 2), arg(argv, 3));
	else if (argc >= 2 && !strcmp(argv[0], "fork"))
		return fork_child(arg(argv, 1));
	else if (argc >= 2 && !strcmp(argv[0], "thread-wait"))
		return run_waiting_thread(arg(argv, 1));
	else if (argc >= 4 && !strcmp(argv[0], "storm-then"))
		return storm_then(arg(argv, 1), arg(argv, 2), arg(argv, 3));
	else if (argc >= 2 && !strcmp(argv[0], "exit-after"))
		sleep_ms(arg(argv, 1));
	else {
		fprintf(stderr, "usage: sysload [--wait-signal] MODE ARGS...\n");
		return 2;
	}
	return 0;
}
