// Syscall storm for `make bench`: N getppid() calls, timed by the workload.
//
//   storm N [--wait-signal]
//
// Prints "ns_per_call X" on stdout. With --wait-signal it prints "ready PID"
// and starts only on SIGUSR1, so a tracer attached by PID is in place first.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "wait_for_go.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? strtol(argv[1], NULL, 10) : 1000000;
	double start;

	if (argc > 2 && !strcmp(argv[2], "--wait-signal"))
		wait_for_go();
	start = now_s();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	printf("ns_per_call %.1f\n", (now_s() - start) * 1e9 / n);
	return 0;
}
