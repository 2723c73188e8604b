// Bench only: attaches one pair of tools/bench/floor.bpf.c to a process.
//
//   floor PAIR PID        PAIR is empty, clock or switch (see floor.bpf.c);
//                         prints "floor: attached" once in place, detaches
//                         on SIGINT or SIGTERM, or when PID exits
//   floor toggle PID N    attaches and detaches the clock pair N times and
//                         prints the mean microseconds of an attach and of
//                         a detach of the pair: what duty-cycling a
//                         family's links costs the loader per switch
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "floor.skel.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	stop = sig;
}

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static struct bpf_program *pair_prog(struct floor_bpf *skel, const char *pair, bool enter)
{
	char name[32];

	snprintf(name, sizeof(name), "%s_%s", pair, enter ? "enter" : "exit");
	return bpf_object__find_program_by_name(skel->obj, name);
}

static int attach_pair(struct floor_bpf *skel, const char *pair, struct bpf_link *links[2])
{
	for (int i = 0; i < 2; i++) {
		links[i] = bpf_program__attach(pair_prog(skel, pair, i == 1));
		if (!links[i])
			return -errno;
	}
	return 0;
}

static void detach_pair(struct bpf_link *links[2])
{
	for (int i = 0; i < 2; i++) {
		bpf_link__destroy(links[i]);
		links[i] = NULL;
	}
}

/* The loader's own CPU time (user + system), as getrusage counts it. */
static double cpu_us(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static int toggle(struct floor_bpf *skel, long n)
{
	struct bpf_link *links[2] = {};
	double attach_us = 0, detach_us = 0, t, cpu = cpu_us();
	int err = 0;

	for (long i = 0; i < n && !err && !stop; i++) {
		t = now_us();
		err = attach_pair(skel, "clock", links);
		attach_us += now_us() - t;
		t = now_us();
		detach_pair(links);
		detach_us += now_us() - t;
	}
	if (!err)
		printf("attach_us %.1f\ndetach_us %.1f\ncpu_us_per_cycle %.1f\n", attach_us / n,
		       detach_us / n, (cpu_us() - cpu) / n);
	return err;
}

static int trace(struct floor_bpf *skel, const char *pair, pid_t pid)
{
	struct bpf_link *links[2] = {};
	int err = attach_pair(skel, pair, links);

	if (err)
		return err;
	printf("floor: attached %s pair to pid %d\n", pair, pid);
	fflush(stdout);
	while (!stop && !kill(pid, 0))
		usleep(20000);
	detach_pair(links);
	printf("calls %llu mean_ns %.1f\n", (unsigned long long)skel->bss->calls,
	       skel->bss->calls ? (double)skel->bss->total_ns / skel->bss->calls : 0.0);
	return 0;
}

int main(int argc, char **argv)
{
	bool toggling = argc == 4 && !strcmp(argv[1], "toggle");
	struct floor_bpf *skel;
	int err;

	if (argc < 3 || (!toggling && (strcmp(argv[1], "empty") && strcmp(argv[1], "clock") &&
				       strcmp(argv[1], "switch")))) {
		fprintf(stderr, "usage: floor empty|clock|switch PID | floor toggle PID N\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	skel = floor_bpf__open();
	if (!skel)
		return 1;
	skel->rodata->target_tgid = atoi(argv[2]);
	err = floor_bpf__load(skel);
	if (!err)
		err = toggling ? toggle(skel, atol(argv[3])) : trace(skel, argv[1], atoi(argv[2]));
	floor_bpf__destroy(skel);
	if (err)
		fprintf(stderr, "floor: %s\n", strerror(-err));
	return err ? 1 : 0;
}
