// A steady, long-running workload for latscope's live-view tests.
//
//   steady TICKS
//
// TICKS times, every ~100 ms: 10 getppid() calls, one open() of a missing
// file (ENOENT) and one 100 ms nanosleep(); then exits 0. So a second holds
// about 100 getppid, 10 failed openat and 10 clock_nanosleep, and the whole
// run exactly 10 * TICKS getppid and TICKS failed opens. SIGTERM ends it
// early (default action).
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define GETPPID_PER_TICK 10
#define TICK_MS		 100

static void tick(void)
{
	struct timespec ts = { 0, TICK_MS * 1000000L };

	for (int i = 0; i < GETPPID_PER_TICK; i++)
		syscall(SYS_getppid);
	if (open("/nonexistent/latscope-steady", O_RDONLY) >= 0)
		abort();
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

int main(int argc, char **argv)
{
	long ticks = argc == 2 ? strtol(argv[1], NULL, 10) : -1;

	if (ticks < 0) {
		fprintf(stderr, "usage: steady TICKS\n");
		return 2;
	}
	for (long i = 0; i < ticks; i++)
		tick();
	return 0;
}
