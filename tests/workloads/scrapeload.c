// A fixed burst of syscalls, then idle until SIGTERM: a process whose
// counts stop moving, so a scraper and a snapshot taken later agree exactly.
//
//   scrapeload [--wait-signal] N FAST FAST_MS SLOW SLOW_MS [STEP_MS]
//     N getppid() calls, FAST nanosleeps of FAST_MS ms, SLOW of SLOW_MS ms
//     (the i-th slow one i * STEP_MS longer: a sparse tail), then "done" on
//     stdout, then nothing until SIGTERM/SIGINT.
//
// --wait-signal: print "ready PID" and wait for SIGUSR1 before starting.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include "wait_for_go.h"

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Idle in one blocking call until told to stop. */
static void hold_until_terminated(void)
{
	sigset_t set;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	printf("done\n");
	fflush(stdout);
	sigwait(&set, &sig);
}

int main(int argc, char **argv)
{
	long n, fast, fast_ms, slow, slow_ms, step_ms = 0;

	if (argc > 1 && !strcmp(argv[1], "--wait-signal")) {
		wait_for_go();
		argv++;
		argc--;
	}
	if (argc != 6 && argc != 7) {
		fprintf(stderr,
			"usage: scrapeload [--wait-signal] N FAST FAST_MS SLOW SLOW_MS [STEP_MS]\n");
		return 2;
	}
	n = strtol(argv[1], NULL, 10);
	fast = strtol(argv[2], NULL, 10);
	fast_ms = strtol(argv[3], NULL, 10);
	slow = strtol(argv[4], NULL, 10);
	slow_ms = strtol(argv[5], NULL, 10);
	if (argc == 7)
		step_ms = strtol(argv[6], NULL, 10);
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	for (long i = 0; i < fast; i++)
		sleep_ms(fast_ms);
	for (long i = 0; i < slow; i++)
		sleep_ms(slow_ms + i * step_ms);
	hold_until_terminated();
	return 0;
}
