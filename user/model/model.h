/*
 * The model: everything latscope knows about a trace, in one place. Probes
 * (via the loader) fill it with cumulative readings and ring-buffer records;
 * renderers read views of it. Nothing here touches BPF or formats output.
 */
#ifndef LATSCOPE_MODEL_H
#define LATSCOPE_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>
#include "base/latency.h"
#include "model/resources.h"
#include "model/overhead.h"

#define MODEL_MAX_ERRNOS	16	/* per syscall */
#define MODEL_TOP_ERRNOS	3	/* shown per syscall */
#define MODEL_DEFAULT_KEEP	1000	/* slow calls / process events kept */

struct model_requests;
struct model_funcs;

/*
 * Every window is the difference of two cumulative readings, so taking one
 * never loses an update (nothing is drained).
 */
enum model_window {
	WINDOW_TOTAL,		/* since the trace started */
	WINDOW_INTERVAL,	/* since the last model_mark_interval() */
	/*
	 * The last complete interval (between the two latest marks) and
	 * everything from the last model_reset() up to the latest mark: both
	 * stand still between marks, so a live view can redraw (or pause)
	 * without its figures shrinking to an empty, just-opened window.
	 */
	WINDOW_LAST_INTERVAL,
	WINDOW_SINCE_RESET,
};

/* The cumulative readings a row keeps, so that any window is two of them. */
struct lat_readings {
	struct lat_stats now;	/* cumulative, merged over CPUs */
	struct lat_stats mark;	/* `now` at the last interval mark */
	struct lat_stats prev;	/* `mark` before the last interval mark */
	struct lat_stats base;	/* `now` at the last model_reset() */
};

/* The same for a plain counter. */
struct count_readings {
	__u64 now, mark, prev, base;
};

/*
 * Every section's rows take windows, marks and resets through these; the
 * window's histogram comes back in @out, its sample count as the result.
 */
__u64 lat_readings_window(const struct lat_readings *r, enum model_window window,
			  struct lat_stats *out);
__u64 count_readings_window(const struct count_readings *r,
			    enum model_window window);
void lat_readings_mark(struct lat_readings *r);
void lat_readings_reset(struct lat_readings *r);
void count_readings_mark(struct count_readings *r);
void count_readings_reset(struct count_readings *r);

struct errno_count {
	int err;
	__u64 count;	/* in views: the window's; in rows: cumulative */
	struct count_readings seen;	/* in rows: `count` over time */
};

struct syscall_row {
	__u32 nr;
	struct lat_readings lat;
	struct errno_count errnos[MODEL_MAX_ERRNOS];
	int n_errnos;
};

struct slow_call {
	__u64 ts_ns;	/* monotonic */
	__u32 tgid, tid, nr;
	__u64 arg0;
	__s64 ret;
	__u64 duration_ns;
};

enum proc_event_kind { PROC_FORK, PROC_EXEC, PROC_EXIT };

struct proc_event {
	enum proc_event_kind kind;
	__u64 ts_ns;
	__u32 tgid, tid, child_tgid;
	int exit_code;
	char comm[LATSCOPE_COMM_LEN];
	char filename[LATSCOPE_PATH_LEN];
};

/* A bounded ring that keeps the newest `cap` items and counts the rest. */
struct ring_log {
	void *items;
	size_t item_size, cap, head, len;
	__u64 total; /* ever added */
};

enum target_state { TARGET_RUNNING, TARGET_EXITED };

struct target_info {
	pid_t pid;
	char comm[LATSCOPE_COMM_LEN];
	enum target_state state;
	int exit_code;		/* wait(2) encoding; valid once exited */
	bool spawned;		/* started by latscope (-c) */
};

struct model {
	__u64 start_ns, now_ns, mark_ns;	/* monotonic */
	__u64 prev_mark_ns, base_ns;		/* see enum model_window */
	__s64 realtime_offset_ns;		/* realtime = monotonic + offset */
	struct target_info *targets;
	int n_targets;
	bool follow;
	bool syscalls_off;	/* --no-syscalls: no syscall table at all */

	struct syscall_row *syscalls[LATSCOPE_MAX_SYSCALLS];
	__u64 slow_threshold_ns;		/* 0: slow path off */
	struct ring_log slow_calls;
	struct ring_log proc_events;

	struct model_requests *requests;	/* model_requests.h */
	/* The slow call, request or process event the last record logged. */
	const void *last_event;
	struct model_funcs *funcs;	/* NULL unless -u; see model_funcs.h */

	__u64 records_received;
	__u64 health[HEALTH_COUNTERS];		/* kernel's own counters */
	struct overhead overhead;
	struct resources res;			/* per-process resource use */

	/* Storage behind model_syscall_views(). */
	struct syscall_view *views;
	struct lat_stats *view_hists;
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

struct model *model_new(size_t keep_events);
void model_free(struct model *model);

int model_add_target(struct model *model, pid_t pid, bool spawned);
struct target_info *model_find_target(struct model *model, pid_t pid);
bool model_all_targets_exited(const struct model *model);

/* Loader side: cumulative readings and records. */
int model_set_syscall(struct model *model, __u32 nr,
		      const struct lat_stats *cumulative);
int model_set_syscall_errno(struct model *model, __u32 nr, int err,
			    __u64 cumulative);
/* Returns the record type, or -EINVAL for a malformed record. */
int model_add_record(struct model *model, const void *data, size_t size);
/* Starts the clock: every window opens at @now_ns (monotonic). */
void model_start(struct model *model, __u64 now_ns);
void model_mark_interval(struct model *model);
/*
 * "Reset counters" for live views: a new baseline for WINDOW_SINCE_RESET,
 * and the interval windows restart from here too. WINDOW_TOTAL (reports,
 * snapshots) is untouched.
 */
void model_reset(struct model *model);

/*
 * Views: syscalls sorted by total time, descending. The returned array and
 * its histograms live until the next call or model_free(); *n may be 0.
 */
int model_syscall_views(struct model *model, enum model_window window,
			const struct syscall_view **views, int *n);
/* The same, keeping only names containing @filter (case-insensitive). */
int model_syscall_views_matching(struct model *model, enum model_window window,
				 const char *filter,
				 const struct syscall_view **views, int *n);
/* Whole-window sums over all syscalls, without percentiles. */
struct syscall_totals {
	__u64 count, errors;
	double seconds, rate_per_s;
	double error_share;	/* errors / count, 0..1 */
};
void model_syscall_totals(const struct model *model, enum model_window window,
			  struct syscall_totals *out);
/* Resource use per traced process, ordered by pid (model_resources.h). */
int model_resource_views(struct model *model, enum model_window window,
			 const struct res_view **views, int *n);
/* The same, keeping only processes whose comm contains @filter. */
int model_resource_views_matching(struct model *model, enum model_window window,
				  const char *filter,
				  const struct res_view **views, int *n);
void model_overhead_view(const struct model *model, struct overhead_view *out);
/* The same, keeping only programs whose name contains @filter. */
void model_overhead_view_matching(const struct model *model, const char *filter,
				  struct overhead_view *out);
/* Case-insensitive substring test behind the *_matching views. */
bool model_name_matches(const char *name, const char *filter);
/* Syscalls of traced processes so far (all of them, summed). */
__u64 model_traced_syscalls(const struct model *model);
double model_window_seconds(const struct model *model,
			    enum model_window window);
__u64 model_realtime_ns(const struct model *model, __u64 mono_ns);

/*
 * The same for rows that keep only two readings (resources): the total and
 * interval windows. Returns the window's sample count.
 */
__u64 model_window_hist(enum model_window window, const struct lat_stats *now,
			const struct lat_stats *mark, struct lat_stats *out);

/* Oldest-first access to a ring log. */
const void *ring_log_at(const struct ring_log *log, size_t i);
int ring_log_init(struct ring_log *log, size_t item_size, size_t cap);
void ring_log_push(struct ring_log *log, const void *item);

#endif
