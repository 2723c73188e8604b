/*
 * The "resources" part of the model: per traced process (tgid), what it
 * cost the machine — CPU time and scheduling delays, page faults, block
 * I/O, network — from the resource probe groups, plus memory, threads,
 * fds and fault counters read from /proc at each tick.
 *
 * Like the syscall rows, each process keeps the latest cumulative reading
 * and the reading at the last interval mark; views difference them.
 */
#ifndef LATSCOPE_MODEL_RESOURCES_H
#define LATSCOPE_MODEL_RESOURCES_H

#include <linux/types.h>
#include <stdbool.h>
#include "base/latency.h"

/* Probe groups a user can switch on and off (--sched / --no-sched ...). */
enum res_group { RES_SCHED, RES_FAULTS, RES_BLOCK, RES_NET, RES_GROUPS };

#define RES_GROUP_BIT(g)	(1U << (g))
/*
 * On unless asked otherwise: block and net, whose programs run on events
 * that are rare (block requests) or already cost a traced syscall (socket
 * calls). sched_switch runs on every context switch of the whole machine,
 * whatever the target does, and /proc already gives minor and major fault
 * counts for free: --sched and --faults are opt-in. Measured costs are in
 * README "Resources".
 */
#define RES_DEFAULT_GROUPS	(RES_GROUP_BIT(RES_BLOCK) | RES_GROUP_BIT(RES_NET))

extern const char *const res_group_names[RES_GROUPS];

/* What /proc said of a process at its latest reading (loader/proc_stats.c). */
struct proc_stats {
	long rss_kb;		/* VmRSS */
	long peak_rss_kb;	/* VmHWM */
	long threads;		/* Threads */
	long fds;		/* entries in /proc/PID/fd; -1 if unreadable */
	bool has_memory;	/* false for zombies: no Vm* lines */
	__u64 minor_faults;	/* minflt, since the process started */
	__u64 major_faults;	/* majflt */
};

enum res_hist {
	RES_OFF_CPU,	/* blocked: switch-out to switch-in */
	RES_RUN_QUEUE,	/* runnable: wake-up or preemption to switch-in */
	RES_BLOCK_IO,	/* block request: issue to complete */
	RES_CONNECT,	/* TCP connect: SYN_SENT to ESTABLISHED (errors: failed) */
	RES_HISTS,
};

extern const char *const res_hist_names[RES_HISTS];

/* Every field a __u64: readings are differenced field by field. */
struct res_counters {
	struct sched_counts sched;
	struct fault_counts faults;
	struct block_counts block;
	struct net_counts net;
	__u64 minor_faults, major_faults; /* /proc, since tracing began */
};

/* Histograms, allocated for a process once one of them has samples. */
struct res_hists {
	struct lat_stats now[RES_HISTS];	/* cumulative */
	struct lat_stats mark[RES_HISTS];	/* at the last interval mark */
	struct lat_stats view[RES_HISTS];	/* storage behind views */
};

struct res_process {
	__u32 tgid;
	char comm[LATSCOPE_COMM_LEN];
	struct res_counters now;	/* cumulative */
	struct res_counters mark;	/* `now` at the last interval mark */
	struct res_hists *hists;	/* NULL: no histogram samples yet */
	struct proc_stats proc;		/* latest /proc reading */
	bool proc_seen;			/* proc holds a reading */
	bool proc_gone;			/* /proc/PID no longer readable */
	__u64 base_minor, base_major;	/* /proc fault counters at start */
};

/* One process as views show it, for a window. */
struct res_view {
	const struct res_process *proc;
	struct res_counters c;			/* the window's */
	const struct lat_stats *hist;		/* [RES_HISTS], the window's */
	struct lat_summary lat[RES_HISTS];
	double seconds;				/* window length */
	double cpu_share;			/* on-CPU / window, of one CPU */
};

struct resources {
	__u32 groups;			/* RES_GROUP_BIT()s switched on */
	struct res_process **procs;
	int n, cap;
	struct res_view *views;		/* storage behind resources_views() */
};

void resources_free(struct resources *res);
/* The row of @tgid, created on first use; NULL when out of memory. */
struct res_process *resources_process(struct resources *res, __u32 tgid);
/*
 * A /proc reading. @ran_before: the process ran before tracing began (-p),
 * so its first fault counters are the baseline; otherwise it is zero.
 */
/* @row's cumulative histogram @h, allocated on first use; NULL if no memory. */
struct lat_stats *res_process_hist(struct res_process *row, enum res_hist h);
void res_process_set_proc(struct res_process *row, const struct proc_stats *stats,
			  bool ran_before);
void resources_mark(struct resources *res);
/*
 * Views of every process, ordered by tgid, for the interval since the
 * last mark (@interval) or the whole trace; valid until the next call.
 */
int resources_views(struct resources *res, bool interval, double seconds,
		    const struct res_view **views, int *n);

#endif
