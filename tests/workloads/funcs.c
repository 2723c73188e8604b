/*
 * Functions of known cost for the uprobe tests and benchmark. One mode per
 * run, chosen by argv[1]; every traced function is noinline and called an
 * exact number of times:
 *
 *   funcs count N           count_me() N times
 *   funcs sleep N MS        sleep_fixed(MS) N times
 *   funcs recurse DEPTH MS  recurse(DEPTH): each level sleeps MS, then recurses
 *   funcs threads T N       T threads, each calling count_me() N times
 *   funcs lib N             lib_work() (in libfuncs.so) N times
 *   funcs malloc N          N malloc() + free() pairs
 *   funcs hot N             hot_push() and hot_lea() N times each (bench)
 *
 * Built PIE (funcs), non-PIE (funcs-nopie) and stripped (funcs-stripped).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "libfuncs.h"

static volatile unsigned long sink;
static void *volatile kept;

__attribute__((noinline)) void count_me(void)
{
	sink++;
}

__attribute__((noinline)) void sleep_fixed(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, &ts))
		;
}

__attribute__((noinline)) void recurse(int depth, long ms)
{
	sleep_fixed(ms);
	if (depth > 1)
		recurse(depth - 1, ms);
	sink++; /* not a tail call */
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

static void run_hot(long n)
{
	unsigned long acc = 0;

	for (long i = 0; i < n; i++)
		acc += hot_push(i);
	for (long i = 0; i < n; i++)
		acc += hot_lea(i);
	sink = acc;
}

static long arg(int argc, char **argv, int i)
{
	return i < argc ? atol(argv[i]) : 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	long a = arg(argc, argv, 2), b = arg(argc, argv, 3);

	if (!strcmp(mode, "count"))
		for (long i = 0; i < a; i++)
			count_me();
	else if (!strcmp(mode, "sleep"))
		for (long i = 0; i < a; i++)
			sleep_fixed(b);
	else if (!strcmp(mode, "recurse"))
		recurse((int)a, b);
	else if (!strcmp(mode, "threads"))
		run_threads((int)a, b);
	else if (!strcmp(mode, "lib"))
		for (long i = 0; i < a; i++)
			lib_work(i);
	else if (!strcmp(mode, "malloc"))
		run_mallocs(a);
	else if (!strcmp(mode, "hot"))
		run_hot(a);
	else {
		fprintf(stderr, "usage: funcs count|sleep|recurse|threads|lib|malloc|hot ARGS\n");
		return 2;
	}
	return 0;
}
