/*
 * The syscalls section of the model: per syscall number, latency readings
 * and errno counts from the kernel's aggregates, plus the slow-call log.
 */
#ifndef LATSCOPE_MODEL_SYSCALLS_H
#define LATSCOPE_MODEL_SYSCALLS_H

#include <stdbool.h>
#include "base/latency.h"
#include "base/ring_log.h"
#include "model/readings.h"

#define MODEL_MAX_ERRNOS 16 /* per syscall */
#define MODEL_TOP_ERRNOS 3  /* shown per syscall */

struct errno_count {
	int err;
	__u64 count;		    /* in views: the window's; in rows: cumulative */
	struct count_readings seen; /* in rows: `count` over time */
};

struct syscall_row {
	__u32 nr;
	struct lat_readings lat;
	struct errno_count errnos[MODEL_MAX_ERRNOS];
	int n_errnos;
};

struct slow_call {
	__u64 ts_ns; /* monotonic */
	__u32 tgid, tid, nr;
	__u64 arg0;
	__s64 ret;
	__u64 duration_ns;
};

/*
 * A syscall a traced thread is inside of and has not returned from: it is
 * in no row until it returns (a shell in wait4 behind a child stuck for
 * seconds shows no syscalls at all), so views list these beside the table.
 */
#define MODEL_MAX_IN_FLIGHT 8 /* kept, the longest-running first */

struct in_flight_call {
	__u32 tgid, tid, nr;
	__u64 since_ns; /* monotonic entry; 0: entered before the trace (or while shed) */
};

/* One syscall as views show it, for a window. */
struct syscall_view {
	char name[32];
	__u32 nr;
	struct lat_summary lat;
	struct errno_count top_errnos[MODEL_TOP_ERRNOS]; /* count = window's */
	int n_top_errnos;
	const struct lat_stats *hist; /* the window's histogram */
};

/* Whole-window sums over all syscalls, without percentiles. */
struct syscall_totals {
	__u64 count, errors;
	double seconds, rate_per_s;
	double error_share; /* errors / count, 0..1 */
};

struct model_syscalls {
	const struct model_clock *clock;
	bool off; /* --no-syscalls: no syscall table at all */
	struct syscall_row *rows[LATSCOPE_MAX_SYSCALLS];
	__u64 slow_ns; /* 0: slow path off */
	struct ring_log slow;
	/* At the latest reading; in_flight_threads counts them all. */
	struct in_flight_call in_flight[MODEL_MAX_IN_FLIGHT];
	int n_in_flight, in_flight_threads;
	/* Storage behind syscalls_views(). */
	struct syscall_view *views;
	struct lat_stats *view_hists;
};

int syscalls_init(struct model_syscalls *s, const struct model_clock *clock, size_t keep_slow);
void syscalls_free(struct model_syscalls *s);

/* Loader side: cumulative readings and slow-call records. */
int syscalls_set(struct model_syscalls *s, __u32 nr, const struct lat_stats *cumulative);
int syscalls_set_errno(struct model_syscalls *s, __u32 nr, int err, __u64 cumulative);
const struct slow_call *syscalls_add_slow(struct model_syscalls *s,
					  const struct syscall_slow_rec *rec);
/* Loader side: a new scan of the calls in flight starts / found @call. */
void syscalls_in_flight_reset(struct model_syscalls *s);
void syscalls_in_flight_add(struct model_syscalls *s, const struct in_flight_call *call);
void syscalls_step(struct model_syscalls *s, enum readings_step step);

/*
 * Syscalls called in the window whose names contain @filter
 * (case-insensitive; NULL keeps all), by total time, descending. The
 * array and its histograms live until the next call; *n may be 0.
 */
int syscalls_views(struct model_syscalls *s, enum model_window window, const char *filter,
		   const struct syscall_view **views, int *n);
void syscalls_totals(const struct model_syscalls *s, enum model_window window,
		     struct syscall_totals *out);
/* Syscalls of traced processes so far (all of them, summed). */
__u64 syscalls_traced(const struct model_syscalls *s);

#endif
