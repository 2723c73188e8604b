/*
 * The overhead budget (--max-overhead): what latscope may cost the
 * machine, which probe families it may shed to stay within it, how far
 * each is shed now, and when that changed.
 *
 * The budget is a share of one CPU: the kernel time latscope's BPF
 * programs take per second, as the sampled BPF stats measure it (the
 * same figure as the report's "kernel: ... of one CPU"). It counts what
 * the programs cost every process they run for, the traced ones and the
 * others they let go at the prefilter, and it does not collapse when the
 * target idles, as a share of the target's own CPU time would; that share
 * is shown beside it.
 *
 * A shed family runs at a duty level: attached 1/2^level of the time, in
 * windows (model/duty.h). budget_decide() is the controller: a pure
 * function from the last period's costs to the next period's levels.
 */
#ifndef LATSCOPE_MODEL_BUDGET_H
#define LATSCOPE_MODEL_BUDGET_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include "model/readings.h"

/*
 * 5 % of one CPU: on this fleet's VMs full tracing of the default probe
 * set stays below it up to ~180k syscalls/s, so most processes are traced
 * exactly; a syscall storm, which would otherwise cost it 25-80 % of a
 * CPU, is sampled instead. Lower budgets turn ordinary loads into
 * estimates; see README "The overhead budget".
 */
#define BUDGET_DEFAULT_SHARE 0.05
/*
 * Duty levels: 1, 1/2, 1/4, ... 1/128 of the time. The lowest is one
 * window of 7.8 ms a second (loader/duty_cycle.h: shorter windows drown
 * in wake-up and attach delays).
 */
#define BUDGET_LEVELS 8
/* A server's syscalls by default: at most 1/16 of the time (README). */
#define BUDGET_SERVER_LEVEL 4
/*
 * Shedding aims well below the budget: the sampled costs are noisy and,
 * for a duty-cycled family, run 20-30 % under what the kernel measures
 * over the whole second (tools/bench/budget.sh)...
 */
#define BUDGET_SHED_TARGET 0.7
/*
 * ...and tracing comes back while the prediction stays as far below: a
 * load whose full tracing fits in 70 % of the budget is traced in full.
 */
#define BUDGET_RESTORE_BELOW 0.7
/*
 * Periods (ticks) a change holds before tracing may come back; doubled,
 * up to BUDGET_MAX_HOLD_TICKS, each time a restore has to be shed again
 * soon after (the load sits near the budget), back to the start after
 * that many quiet periods.
 */
#define BUDGET_HOLD_TICKS     3
#define BUDGET_MAX_HOLD_TICKS 48
#define BUDGET_MAX_FAMILIES   8
#define BUDGET_MAX_EVENTS     64

enum budget_cause {
	BUDGET_OVER,   /* cost above the budget: shed */
	BUDGET_UNDER,  /* cost well below: restored */
	BUDGET_SERVER, /* the target listens on TCP: server defaults */
};

struct budget_family {
	const char *name; /* probe family (static string) */
	bool sheddable;	  /* the loader can duty-cycle it */
	int level;	  /* now: duty 1/2^level */
	int min_level;	  /* a cap: BUDGET_SERVER_LEVEL for a server's syscalls */
	double cost;	  /* share of one CPU over the last period, as shed */
	/* Time its entry programs were detached, as cumulative readings. */
	struct count_readings shed_ns;
	/* While shed: calls longer than this cannot be seen (duty_longest_seen). */
	__u64 longest_seen_ns;
	__u64 sheds, restores; /* changes to a lower duty, and back up */
};

struct budget_event {
	__u64 ts_ns; /* monotonic */
	const char *family;
	int from, to; /* levels */
	enum budget_cause cause;
	double cost, limit; /* the period's cost that decided it, and the budget */
};

struct budget {
	const struct model_clock *clock;
	double limit;	      /* share of one CPU; 0: no budget */
	const char *inactive; /* why the budget cannot be kept; NULL: kept */
	struct budget_family families[BUDGET_MAX_FAMILIES];
	int n;
	double cost; /* the last period's kernel cost, every family */
	bool over;   /* over budget with nothing left to shed */
	int ticks_since_change;
	int ticks_since_restore;
	int hold;				       /* ticks a change holds now */
	struct budget_event events[BUDGET_MAX_EVENTS]; /* the newest, a ring */
	__u64 n_events;				       /* ever logged */
};

void budget_init(struct budget *b, const struct model_clock *clock, double limit);
/* A loaded probe family; returns its index, or -E2BIG. */
int budget_add_family(struct budget *b, const char *name, bool sheddable);
struct budget_family *budget_find(struct budget *b, const char *name);
double budget_duty(int level);

/* The next period's level of every family, from the last one's costs. */
void budget_decide(const struct budget *b, int levels[BUDGET_MAX_FAMILIES]);
/* Takes @levels (logging each change at @now) and starts a new period. */
void budget_apply(struct budget *b, const int levels[BUDGET_MAX_FAMILIES], __u64 now);
/* Caps family @f at @min_level from @now on, logged with @cause. */
void budget_cap(struct budget *b, struct budget_family *f, int min_level, enum budget_cause cause,
		__u64 now);
void budget_step(struct budget *b, enum readings_step step);

/* The i-th event kept, oldest first; NULL past the end. */
const struct budget_event *budget_event_at(const struct budget *b, int i);
int budget_events_kept(const struct budget *b);
/* Share (0..1) of @window during which @f's entry programs were attached. */
double budget_sampled_share(const struct budget *b, const struct budget_family *f,
			    enum model_window window);
/* Whether any family was shed during @window. */
bool budget_shed_in(const struct budget *b, enum model_window window);
/*
 * What @f's figures for @window mean, in one phrase: "traced in full", or
 * "sampled 6.2 % of the time: counts scaled, percentiles from samples".
 */
void budget_meaning(const struct budget *b, const struct budget_family *f, enum model_window window,
		    char *buf, size_t len);
/* "1/16" for a level, "full" for 0. */
const char *budget_level_name(int level);
const char *budget_cause_name(enum budget_cause cause);

#endif
