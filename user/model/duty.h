/*
 * Sampling a shed family: when its programs were attached, and what they
 * would have counted had they been attached all along.
 *
 * To keep its budget, latscope may shed a probe family by duty-cycling
 * its links (loader/duty_cycle.c): in every sub-period the family's entry
 * program (sys_enter) is attached for a window, and its completion program
 * (sys_exit) from the window's start to a while after its end, so that
 * calls which entered in the window can still finish. A call of length L
 * that enters at t is seen when the entry was attached at t and the
 * completion stayed attached until t + L. duty_coverage() is the share of
 * calls of length L that the windows let through; dividing each bucket of
 * a histogram by the coverage at its length (a Horvitz-Thompson estimate)
 * gives counts scaled to the whole time and percentiles from the samples,
 * weighted. Calls longer than the window plus its grace cannot be seen at
 * all while shed.
 *
 * Everything here is arithmetic on times and readings: the loader feeds
 * it, views and tests read it.
 */
#ifndef LATSCOPE_MODEL_DUTY_H
#define LATSCOPE_MODEL_DUTY_H

#include <linux/types.h>
#include <stdbool.h>
#include "latscope.h"

/* Time something was switched off, accumulated (a program detached). */
struct off_time {
	bool off;
	__u64 since; /* when it went off, while off */
	__u64 total; /* over past off spells */
};

void off_time_set(struct off_time *t, bool off, __u64 now);
/* Off time up to @now, the current spell included. */
__u64 off_time_total(const struct off_time *t, __u64 now);

#define DUTY_MAX_WINDOWS 32

/* One entry window; 0 for an end that has not come yet. */
struct duty_window {
	__u64 entry_on, entry_off;
	__u64 completion_off; /* the completion detached after this window */
};

struct duty_windows {
	struct duty_window ring[DUTY_MAX_WINDOWS];
	int head, n;		/* ring[head] is the oldest */
	struct off_time entry;	/* entry program detached */
	bool completion_on;	/* completion program attached */
	__u64 completion_on_ns; /* it was attached last at */
	bool ever_shed;		/* detached at least once */
};

/* A family starts attached, as trace__attach leaves it. */
void duty_windows_init(struct duty_windows *w);
/* The entry program was attached (@on) or detached at @now. */
void duty_windows_entry(struct duty_windows *w, bool on, __u64 now);
void duty_windows_completion(struct duty_windows *w, bool on, __u64 now);
/* The entry program stayed attached from @from to @to (no sampling). */
bool duty_windows_continuous(const struct duty_windows *w, __u64 from, __u64 to);
/*
 * The share (0..1) of calls of length @len_ns ending in (@from, @to]
 * that the windows let through.
 */
double duty_coverage(const struct duty_windows *w, __u64 from, __u64 to, __u64 len_ns);
/*
 * The longest call a sampling window closed since @since could see (a
 * window longer than @max_window_ns was full tracing); 0: none closed.
 */
__u64 duty_longest_seen(const struct duty_windows *w, __u64 since, __u64 max_window_ns);

/*
 * A histogram's estimate. Estimates are committed at the start of each
 * window, so that every committed step spans whole sub-periods; between
 * commits the estimate is the committed one plus the kernel's new counts
 * scaled by the coverage so far. Readings handed out never go down, as
 * the model's windows are differences of them.
 */
struct duty_scaled {
	struct lat_stats seen; /* the kernel's reading at the last commit */
	double count, errors, total_ns;
	double buckets[HIST_BUCKETS];
	struct lat_stats last; /* the last estimate handed out */
};

/*
 * The estimate in @out of what @reading (the kernel's cumulative
 * histogram) would hold had the family been attached all along, with
 * what came since the last commit, at @from, scaled bucket by bucket by
 * the coverage of (@from, @to] at the bucket's length (as is when the
 * entry stayed attached). @commit makes it the new base. Returns the
 * factor the count grew by (1 when exact), for counters that come
 * without lengths (errnos).
 */
double duty_scaled_update(struct duty_scaled *s, const struct lat_stats *reading,
			  const struct duty_windows *w, __u64 from, __u64 to, bool commit,
			  struct lat_stats *out);

/* A counter scaled by the factor of its histogram, committed the same way. */
struct duty_count {
	__u64 seen;
	double scaled;
	__u64 last;
};

__u64 duty_count_update(struct duty_count *c, __u64 reading, double factor, bool commit);

#endif
