// A workload whose latency changes over time, for live alerts.
//
//   phases FAST_MS SLOW_MS N1 N2 N3
//     N1 nanosleep()s of FAST_MS, then N2 of SLOW_MS, then N3 of FAST_MS:
//     fast, slow for a while, fast again.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void sleep_ms(long ms, long n)
{
	for (long i = 0; i < n; i++) {
		struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
}

int main(int argc, char **argv)
{
	long v[5];

	if (argc != 6) {
		fprintf(stderr, "usage: phases FAST_MS SLOW_MS N1 N2 N3\n");
		return 2;
	}
	for (int i = 0; i < 5; i++)
		v[i] = strtol(argv[i + 1], NULL, 10);
	sleep_ms(v[0], v[2]);
	sleep_ms(v[1], v[3]);
	sleep_ms(v[0], v[4]);
	return 0;
}
