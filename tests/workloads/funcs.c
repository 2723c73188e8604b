/*
 * Functions of known cost for the uprobe tests and benchmark. One mode per
 * run, chosen by argv[1]; every traced function is noinline and called an
 * exact number of times:
 *
 *   funcs count N           count_me() N times
 *   funcs sleep N MS        sleep_fixed(MS) N times; prints the median call
 *                           time it measured itself on stderr, "median_ns NS"
 *   funcs recurse DEPTH MS  recurse(DEPTH): each level sleeps MS, then recurses;
 *                           prints each level's sleep as it measured it,
 *                           outermost first: "sleep_ns NS NS ..."
 *   funcs threads T N       T threads, each calling count_me() N times
 *   funcs lib N             lib_work() (in libfuncs.so) N times
 *   funcs malloc N          N malloc() + free() pairs
 *   funcs hot N             hot_push() and hot_lea() N times each
 *   funcs cxx N             app::Server::run(int) N times (a C++ symbol name)
 *   funcs push N            hot_push() N times; prints "ns_per_call NS" (bench)
 *   funcs lea N             hot_lea() N times; the same
 *
 * --wait-signal before the mode: print "ready PID" and wait for SIGUSR1, so
 * a tracer attached by PID (-p) sees every call. --hold after it: print
 * "done" once finished and wait for another SIGUSR1 before exiting, so the
 * tracer's programs can still be read (the benchmark).
 *
 * Built PIE (funcs), non-PIE (funcs-nopie), stripped (funcs-stripped) and
 * stripped with a .gnu_debuglink file (funcs-debuglink).
 */
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/types.h>
#include "libfuncs.h"
#include "wait_for_go.h"

static volatile unsigned long sink;
static void *volatile kept;

static __u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

__attribute__((noinline)) void count_me(void)
{
	sink++;
}

/* Named as g++ would name the method app::Server::run(int). */
void server_run(int n) __asm__("_ZN3app6Server3runEi");
__attribute__((noinline)) void server_run(int n)
{
	sink += n;
}

__attribute__((noinline)) void sleep_fixed(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

#define MAX_LEVELS 64
static __u64 level_sleep_ns[MAX_LEVELS + 1];

__attribute__((noinline)) void recurse(int depth, long ms)
{
	__u64 start = now_ns();

	sleep_fixed(ms);
	if (depth <= MAX_LEVELS)
		level_sleep_ns[depth] = now_ns() - start;
	if (depth > 1)
		recurse(depth - 1, ms);
	sink++; /* not a tail call */
}

static void run_recurse(int depth, long ms)
{
	recurse(depth, ms);
	fprintf(stderr, "sleep_ns");
	for (int level = depth; level >= 1; level--)
		fprintf(stderr, " %llu",
			level <= MAX_LEVELS ? (unsigned long long)level_sleep_ns[level] : 0ULL);
	fputc('\n', stderr);
}

#if defined(__x86_64__)
/*
 * The first instruction decides a uprobe's cost: `push %rbp` is emulated,
 * `lea` is single-stepped out of line. Written in assembly so the compiler
 * cannot change them.
 */
__attribute__((naked, noinline)) unsigned long hot_push(unsigned long x)
{
	__asm__("push %rbp\n\tmov %rsp, %rbp\n\tlea 1(%rdi,%rdi,2), %rax\n\t"
		"pop %rbp\n\tret\n");
}

__attribute__((naked, noinline)) unsigned long hot_lea(unsigned long x)
{
	__asm__("lea 1(%rdi,%rdi,2), %rax\n\tret\n");
}
#else
__attribute__((noinline)) unsigned long hot_push(unsigned long x)
{
	return x * 3 + 1;
}

__attribute__((noinline)) unsigned long hot_lea(unsigned long x)
{
	return x * 3 + 1;
}
#endif

static void *thread_main(void *arg)
{
	long n = (long)arg;

	for (long i = 0; i < n; i++)
		count_me();
	return NULL;
}

static void run_threads(int threads, long n)
{
	pthread_t tids[64];

	if (threads > 64)
		threads = 64;
	for (int i = 0; i < threads; i++)
		pthread_create(&tids[i], NULL, thread_main, (void *)n);
	for (int i = 0; i < threads; i++)
		pthread_join(tids[i], NULL);
}

static void run_mallocs(long n)
{
	for (long i = 0; i < n; i++) {
		kept = malloc(64 + (i & 63));
		free(kept);
	}
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

/* The reference the latency test compares latscope's p50 with. */
static void run_sleeps(long n, long ms)
{
	__u64 *took = calloc(n > 0 ? n : 1, sizeof(*took));

	for (long i = 0; i < n; i++) {
		__u64 start = now_ns();

		sleep_fixed(ms);
		took[i] = now_ns() - start;
	}
	qsort(took, n, sizeof(*took), cmp_u64);
	/* Nearest rank, as latscope defines p50. */
	if (n > 0)
		fprintf(stderr, "median_ns %llu\n", (unsigned long long)took[(n + 1) / 2 - 1]);
	free(took);
}

static void hold_until_signal(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	printf("done\n");
	fflush(stdout);
	sigwait(&set, &sig);
}

static void run_hot(long n)
{
	unsigned long acc = 0;

	for (long i = 0; i < n; i++)
		acc += hot_push(i);
	for (long i = 0; i < n; i++)
		acc += hot_lea(i);
	sink = acc;
}

/* The loop timed by the workload itself, so tracer start-up is not in it. */
static void run_timed(unsigned long (*fn)(unsigned long), long n)
{
	unsigned long acc = 0;
	__u64 start = now_ns();

	for (long i = 0; i < n; i++)
		acc += fn(i);
	sink = acc;
	if (n > 0)
		fprintf(stderr, "ns_per_call %.1f\n", (double)(now_ns() - start) / n);
}

static long arg(int argc, char **argv, int i)
{
	return i < argc ? atol(argv[i]) : 0;
}

int main(int argc, char **argv)
{
	bool hold = false;
	const char *mode;
	long a, b;

	if (argc > 1 && !strcmp(argv[1], "--wait-signal")) {
		wait_for_go();
		argc--;
		argv++;
	}
	if (argc > 1 && !strcmp(argv[1], "--hold")) {
		hold = true;
		argc--;
		argv++;
	}
	mode = argc > 1 ? argv[1] : "";
	a = arg(argc, argv, 2);
	b = arg(argc, argv, 3);

	if (!strcmp(mode, "count"))
		for (long i = 0; i < a; i++)
			count_me();
	else if (!strcmp(mode, "sleep"))
		run_sleeps(a, b);
	else if (!strcmp(mode, "recurse"))
		run_recurse((int)a, b);
	else if (!strcmp(mode, "threads"))
		run_threads((int)a, b);
	else if (!strcmp(mode, "lib"))
		for (long i = 0; i < a; i++)
			lib_work(i);
	else if (!strcmp(mode, "malloc"))
		run_mallocs(a);
	else if (!strcmp(mode, "cxx"))
		for (long i = 0; i < a; i++)
			server_run((int)i);
	else if (!strcmp(mode, "hot"))
		run_hot(a);
	else if (!strcmp(mode, "push"))
		run_timed(hot_push, a);
	else if (!strcmp(mode, "lea"))
		run_timed(hot_lea, a);
	else {
		fprintf(stderr,
			"usage: funcs [--wait-signal] count|sleep|recurse|threads|lib|malloc|cxx|hot|push|lea ARGS\n");
		return 2;
	}
	if (hold)
		hold_until_signal();
	return 0;
}
