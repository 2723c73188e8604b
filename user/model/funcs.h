/*
 * The "functions" section of the model: per traced function (uprobes),
 * inclusive latency (entry to return, histogram and percentiles) and self
 * time (inclusive minus the time of traced functions it called), plus what
 * each probe costs the target.
 */
#ifndef LATSCOPE_MODEL_FUNCS_H
#define LATSCOPE_MODEL_FUNCS_H

#include <stdbool.h>
#include "base/latency.h"
#include "model/readings.h"

/*
 * What one hit of a uprobe + uretprobe pair costs the traced thread beyond
 * the BPF programs' own run time (which BPF stats measure): two traps into
 * the kernel and the return trampoline. Measured by tools/bench/uprobe.sh
 * on a function starting with `push %rbp` (an emulated instruction; other
 * first instructions are single-stepped and cost more), so it is a floor.
 */
#define FUNC_TRAP_NS_FLOOR 1000.0
/* The same for a first instruction the kernel single-steps: two more traps. */
#define FUNC_STEP_NS_FLOOR 5000.0
/* A probe costing the target more than this share of one CPU is flagged. */
#define FUNC_HOT_CPU_SHARE 0.01

struct func_view {
	__u32 id;
	const char *name, *module, *symbols_from;
	struct lat_summary lat;	      /* inclusive */
	__u64 self_ns;		      /* sum over the window */
	const struct lat_stats *hist; /* the window's histogram */
};

/* A probe's cost to the target, judged over the whole trace. */
struct func_cost {
	const char *name, *module;
	double hits_per_s;
	bool stepped;	   /* first instruction single-stepped */
	double ns_per_hit; /* BPF run time (entry + return) + trap floor */
	double cpu_share;  /* hits_per_s * ns_per_hit, of one CPU */
	bool hot;	   /* cpu_share > FUNC_HOT_CPU_SHARE */
};

struct model_funcs;

struct model_funcs *funcs_new(const struct model_clock *clock);
void funcs_free(struct model_funcs *f);

/* Loader side. */
int funcs_set_info(struct model_funcs *f, __u32 id, const char *name, const char *module,
		   const char *symbols_from, bool stepped);
int funcs_set(struct model_funcs *f, __u32 id, const struct lat_stats *cumulative, __u64 self_ns);
void funcs_step(struct model_funcs *f, enum readings_step step);

/*
 * Functions called in the window whose names contain @filter (NULL: all),
 * by total (inclusive) time, descending; valid until the next call.
 */
int funcs_views(struct model_funcs *f, enum model_window window, const char *filter,
		const struct func_view **views, int *n);
/*
 * Every traced function's probe cost over the whole trace, costliest
 * first, given the BPF run time of one hit (entry + return); *n may be 0.
 */
int funcs_costs(struct model_funcs *f, double bpf_ns_per_hit, const struct func_cost **costs,
		int *n);
/* Whether any function is traced at all (the section is shown). */
bool funcs_any(const struct model_funcs *f);

#endif
