// A syscall load that steps up and down, for `make bench` (tools/bench/budget.sh).
//
//   stepload [--wait-signal] RATE:SECONDS...
//
// Makes getppid() calls at RATE a second for SECONDS, then the next step,
// paced by the clock (busy, time lost to preemption is not caught up, so
// the rate does not depend on how much tracing slows each call). Prints one
// line a second, "second S rate R calls N": the calls made in that second.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "wait_for_go.h"

#define BATCH 32

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* One step; *second and *calls carry the per-second count across steps. */
static void step(long rate, long seconds, int64_t start, long *second, long *calls)
{
	int64_t every = (int64_t)(BATCH * 1e9 / rate), next = mono_ns(), now,
		end = next + seconds * 1000000000LL;

	while ((now = mono_ns()) < end) {
		if (now >= start + (*second + 1) * 1000000000LL) {
			printf("second %ld rate %ld calls %ld\n", *second, rate, *calls);
			fflush(stdout);
			(*second)++;
			*calls = 0;
		}
		if (now < next)
			continue;
		for (int i = 0; i < BATCH; i++)
			syscall(SYS_getppid);
		*calls += BATCH;
		next += every;
		if (now > next)
			next = now;
	}
}

int main(int argc, char **argv)
{
	long second = 0, calls = 0;
	int first = 1;
	int64_t start;

	if (argc > 1 && !strcmp(argv[1], "--wait-signal")) {
		wait_for_go();
		first = 2;
	}
	if (first >= argc) {
		fprintf(stderr, "usage: stepload [--wait-signal] RATE:SECONDS...\n");
		return 2;
	}
	start = mono_ns();
	for (int i = first; i < argc; i++) {
		long rate, seconds;

		if (sscanf(argv[i], "%ld:%ld", &rate, &seconds) != 2 || rate < 1 || seconds < 1) {
			fprintf(stderr, "stepload: bad step '%s', expected RATE:SECONDS\n",
				argv[i]);
			return 2;
		}
		step(rate, seconds, start, &second, &calls);
	}
	printf("second %ld rate 0 calls %ld\n", second, calls);
	return 0;
}
