/*
 * Keeping the overhead budget, once per tick: the targets' CPU time (the
 * second denominator views show), the server defaults (a target that
 * listens on TCP gets its requests traced and its syscalls sampled), the
 * controller's decision (model/budget.h) and its actuation (the loader's
 * duty cycle).
 */
#ifndef LATSCOPE_SESSION_BUDGET_H
#define LATSCOPE_SESSION_BUDGET_H

#include <linux/types.h>
#include <sys/types.h>
#include "model/model.h"
#include "session/settings.h"

struct trace;

/* A -c command listens within this long of its start, or is not a server. */
#define BUDGET_SERVER_CHECK_NS (10ULL * 1000 * 1000 * 1000)
#define BUDGET_MAX_TARGETS     64

struct budget_keeper {
	const struct trace_settings *cli;
	struct trace *trace;
	struct model *model;
	__u64 server_check_until; /* 0: done */
	pid_t cpu_pids[BUDGET_MAX_TARGETS];
	__u64 cpu_seen[BUDGET_MAX_TARGETS]; /* each target's CPU time at its last reading */
	int n_cpu;
};

/* After attach: the families, the budget, the server defaults for -p targets. */
void budget_keeper_start(struct budget_keeper *k, const struct trace_settings *cli,
			 struct trace *trace, struct model *model, __u64 now);
/* At every tick, after the model was refreshed. */
void budget_keeper_tick(struct budget_keeper *k, __u64 now);

#endif
