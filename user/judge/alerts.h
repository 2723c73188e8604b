/*
 * Live alerts (--alert EXPR in record and top): each tick, every alert's
 * expression is judged over the model's last tick (WINDOW_TICK), read live
 * from the model (judge/expr_model.h).
 * An alert is breached when its expression is false and recovers when it
 * is true again; a window without data (no calls) changes nothing.
 * Breaches and recoveries are kept, newest last, for the snapshot's
 * "alerts" key.
 */
#ifndef LATSCOPE_ALERTS_H
#define LATSCOPE_ALERTS_H

#include <jansson.h>
#include <linux/types.h>
#include <stdbool.h>
#include <stdio.h>
#include "judge/expr.h"

struct model;

#define ALERTS_KEEP_EVENTS 1000

enum alert_change { ALERT_SAME, ALERT_BREACH, ALERT_RECOVERY };

struct alert {
	struct expr *expr;
	bool breached;
	__u64 since_ns; /* realtime of the last breach or recovery */
	unsigned int breaches;
	struct expr_result last;
};

struct alert_event {
	int alert; /* index into alerts.items */
	enum alert_change change;
	__u64 realtime_ns;
	char measured[128];
	char limit[128];
};

struct alerts {
	struct alert *items;
	int n;
	struct alert_event *events;
	size_t n_events;
	__u64 total_events;
};

/* The state machine, on its own: pure. */
enum alert_change alert_step(struct alert *a, const struct expr_result *res, __u64 realtime_ns);

/* Parses @text; on error @why holds "column N: message". */
int alerts_add(struct alerts *alerts, const char *text, char *why, size_t len);
/*
 * Judges every alert over @model's window since the previous call (the
 * whole trace on the first), then starts the next window (a tick mark).
 * Returns how many events were appended.
 */
int alerts_tick(struct alerts *alerts, struct model *model, __u64 realtime_ns);
void alerts_print_event(FILE *out, const struct alerts *alerts, const struct alert_event *ev);
/*
 * What record and top do each tick: judge @model (alerts_tick) and print
 * each breach or recovery to @out. Returns how many there were.
 */
int alerts_judge(struct alerts *alerts, struct model *model, FILE *out);
/* --alert EXPR as an extra option (extra_options.h); @ctx is the alerts. */
int alerts_take_option(void *ctx, const char *name, const char *value, char *why, size_t len);
json_t *alerts_json(const struct alerts *alerts);
void alerts_free(struct alerts *alerts);

#endif
