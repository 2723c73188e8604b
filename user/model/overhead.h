/*
 * What tracing costs: BPF run time per program (sampled BPF stats, see
 * loader/overhead_sampler.h) and the loader's own CPU and memory, as the
 * model keeps them, and the figures views show.
 */
#ifndef LATSCOPE_OVERHEAD_H
#define LATSCOPE_OVERHEAD_H

#include <linux/types.h>
#include <stdbool.h>
#include "model/budget.h"
#include "model/duty.h"

#define OVERHEAD_MAX_PROGS 64
#define OVERHEAD_NAME_LEN  32

enum overhead_mode {
	OVERHEAD_OFF, /* --no-overhead */
	OVERHEAD_SAMPLED,
	OVERHEAD_CONTINUOUS,  /* someone else keeps stats on */
	OVERHEAD_UNAVAILABLE, /* the kernel refused */
};

struct prog_cost {
	char name[OVERHEAD_NAME_LEN];
	int fd;
	bool per_syscall;		/* runs on every syscall of every process */
	const char *family;		/* probe family (static string), NULL: none */
	__u64 runs, run_ns;		/* accumulated over sampling windows */
	__u64 runs_at_open, ns_at_open; /* readings when the window opened */
	/*
	 * A shed family's programs are detached part of the time: their
	 * runs are rates while attached, scaled by the share attached.
	 */
	struct off_time detached;
	__u64 off_at_open;	     /* detached time when the window opened */
	__u64 sampled_on_ns;	     /* attached time inside sampling windows */
	__u64 win_run_ns, win_on_ns; /* the last window's */
	__u64 off_at_period;	     /* detached time when the budget period began */
};

struct overhead {
	enum overhead_mode mode;
	char reason[96]; /* why OVERHEAD_UNAVAILABLE */
	double sample_fraction;
	int stats_fd; /* >= 0 while a sampling window is open */
	__u64 window_opened_ns;
	__u64 sampled_ns;     /* total time stats were being collected */
	__u64 traced_at_open; /* traced syscalls when the window opened */
	/*
	 * The filter-cost figure: traced syscalls and per-syscall program
	 * runs inside windows those programs were attached throughout.
	 */
	__u64 traced_sampled, filter_runs;
	int windows, filter_windows; /* sampling windows, and those of them */
	__u64 period_start_ns;	     /* of the budget's period (a tick) */
	struct prog_cost progs[OVERHEAD_MAX_PROGS];
	int n_progs;
	double loader_cpu_s;
	double loader_cpu_at_start; /* spent loading, before tracing */
	long loader_peak_rss_kb;
	__u64 target_cpu_ns; /* the targets' CPU time (user + system) while traced */
	struct budget budget;
};

/* Derived figures, per program and in total. */
struct prog_cost_view {
	const char *name;
	const char *family;
	double runs_per_s;
	double avg_ns;
	double cpu_share; /* of one CPU, 0..1 */
	__u64 est_runs;	  /* over the whole trace */
	__u64 est_run_ns;
};

/* What one probe family costs: the sum of its programs. */
struct family_cost_view {
	const char *name;
	double kernel_ns_per_s;
	double cpu_share; /* of one CPU */
};

struct overhead_view {
	enum overhead_mode mode;
	const char *reason;
	double sample_fraction;
	struct prog_cost_view progs[OVERHEAD_MAX_PROGS];
	int n_progs;
	struct family_cost_view families[OVERHEAD_MAX_PROGS];
	int n_families; /* in registration order */
	double kernel_ns_per_s;
	double kernel_cpu_share;     /* of one CPU */
	double other_process_share;  /* of per-syscall program runs */
	int windows, filter_windows; /* the share is from these of the windows */
	double loader_cpu_s;	     /* in all, start-up included */
	double loader_cpu_share;     /* while tracing, of one CPU */
	long loader_peak_rss_kb;
	double target_cpu_share; /* the targets' CPU time, of one CPU */
	double target_share;	 /* kernel cost over the targets' CPU time; 0: unknown */
};

int overhead_add_prog(struct overhead *oh, const char *name, int fd, bool per_syscall);
bool overhead_window_is_open(const struct overhead *oh);
/* The program with descriptor @fd was attached (or detached) at @now. */
void overhead_set_attached(struct overhead *oh, int fd, bool attached, __u64 now);
/*
 * Ends the budget's period at @now: each budget family's cost over it,
 * from the last window's rates while attached and the share attached.
 */
void overhead_close_period(struct overhead *oh, __u64 now);
void overhead_view(const struct overhead *oh, double elapsed_s, __u64 now_ns,
		   struct overhead_view *out);
const char *overhead_mode_name(enum overhead_mode mode);

#endif
