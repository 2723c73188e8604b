/*
 * Duty-cycling shed probe families: the actuation of the budget's levels
 * (model/budget.h). A family at level L is attached for a window of
 * 1/2^L of every sub-period: its entry programs for the window, its
 * completion programs from the window's start to as long again after it
 * (never past the sub-period), so that calls which entered in the window
 * can finish. Level 0 keeps everything attached. The family's own shed
 * hook does the attaching and notes the times (model/duty.h).
 *
 * Sub-periods start again at every level change and at every tick (the
 * budget's period), so the overhead sampler's window at the start of a
 * tick always sees a window of every shed family. A window is never
 * shorter than DUTY_MIN_WINDOW_NS: wake-ups come a millisecond or more
 * late and attaching takes up to tens of ms under load, so the lowest
 * duties get longer sub-periods, up to a tick (one window a second).
 */
#ifndef LATSCOPE_DUTY_CYCLE_H
#define LATSCOPE_DUTY_CYCLE_H

#include <linux/types.h>
#include <stdbool.h>

/*
 * 250 ms: a storm's count is off by at most a sub-period's calls where it
 * starts or stops; each window costs the loader an attach and a detach of
 * two programs (~0.3 ms of CPU on our VMs), so shorter ones cost more.
 */
#define DUTY_SUBPERIOD_NS     (250ULL * 1000 * 1000)
#define DUTY_MAX_SUBPERIOD_NS (4 * DUTY_SUBPERIOD_NS)
#define DUTY_MIN_WINDOW_NS    (7812500ULL) /* a tick / 128: level 7 is the lowest */

struct probe_family;

/* A family latscope may shed. */
struct duty_family {
	const struct probe_family *family;
	void *state;
	int level;
	bool entry_on, completion_on;
	__u64 anchor_ns; /* the current sub-periods started here */
};

#define DUTY_MAX_FAMILIES 8

struct duty_cycle {
	struct duty_family families[DUTY_MAX_FAMILIES];
	int n;
};

/* CLOCK_MONOTONIC in ns: the clock of bpf_ktime_get_ns() and the session. */
__u64 duty_now_ns(void);
int duty_cycle_add(struct duty_cycle *dc, const struct probe_family *f, void *state);
struct duty_family *duty_cycle_find(struct duty_cycle *dc, const char *name);
/* Sets @f's level and starts its sub-periods at @now. */
int duty_cycle_set(struct duty_family *f, int level, __u64 now);
/* When the next attach or detach is due; 0: none. */
__u64 duty_cycle_next(const struct duty_cycle *dc, __u64 now);
/* Attaches and detaches what is due now. */
int duty_cycle_run(struct duty_cycle *dc);

#endif
