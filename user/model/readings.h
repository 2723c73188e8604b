/*
 * Windows over a trace, the one way latscope computes them: every row of
 * every section keeps a few cumulative readings of its figures, and a
 * window is the difference of two of them. Nothing is ever drained, so
 * taking a window never loses an update made between two reads.
 *
 *   now     the latest reading (each tick)
 *   mark    at the last interval mark (record -i, top's refresh)
 *   prev    `mark` before that
 *   base    at the last reset (top's "reset counters")
 *   tick    at the last tick mark (live alerts judge the last tick)
 */
#ifndef LATSCOPE_READINGS_H
#define LATSCOPE_READINGS_H

#include <linux/types.h>
#include <stddef.h>
#include "latscope.h"

enum model_window {
	WINDOW_TOTAL,	 /* since the trace started */
	WINDOW_INTERVAL, /* since the last interval mark */
	/*
	 * The last complete interval (between the two latest marks) and
	 * everything from the last reset up to the latest mark: both stand
	 * still between marks, so a live view can redraw (or pause) without
	 * its figures shrinking to an empty, just-opened window.
	 */
	WINDOW_LAST_INTERVAL,
	WINDOW_SINCE_RESET,
	WINDOW_TICK, /* since the last tick mark */
};

/* What moves the readings on. */
enum readings_step {
	STEP_INTERVAL, /* prev = mark, mark = now */
	STEP_RESET,    /* base = prev = mark = now */
	STEP_TICK,     /* tick = now */
};

/* When each reading was taken (monotonic ns); start_ns opens every window. */
struct model_clock {
	__u64 start_ns, now_ns, mark_ns, prev_ns, base_ns, tick_ns;
};

struct lat_readings {
	struct lat_stats now, mark, prev, base, tick;
};

struct count_readings {
	__u64 now, mark, prev, base, tick;
};

void clock_start(struct model_clock *c, __u64 now_ns);
void clock_step(struct model_clock *c, enum readings_step step);
double clock_window_seconds(const struct model_clock *c, enum model_window w);

/* The window's histogram in @out; returns its sample count. */
__u64 lat_readings_window(const struct lat_readings *r, enum model_window w, struct lat_stats *out);
/* One __u64 member of struct lat_stats (at @offset) over the window. */
__u64 lat_readings_counter(const struct lat_readings *r, enum model_window w, size_t offset);
__u64 count_readings_window(const struct count_readings *r, enum model_window w);
/* A gauge (memory, threads): its value at the window's end, not a difference. */
__u64 count_readings_at_end(const struct count_readings *r, enum model_window w);
void lat_readings_step(struct lat_readings *r, enum readings_step step);
void count_readings_step(struct count_readings *r, enum readings_step step);

#endif
