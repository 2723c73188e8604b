/*
 * The model: everything latscope knows about a trace, in one place, made
 * of sections (syscalls, requests, functions, resources) that share one
 * clock. The loader fills it with cumulative readings and ring-buffer
 * records; views read windows of it (model/readings.h). Nothing here
 * touches BPF or formats output.
 */
#ifndef LATSCOPE_MODEL_H
#define LATSCOPE_MODEL_H

#include <linux/types.h>
#include <stdbool.h>
#include <sys/types.h>
#include "base/latency.h"
#include "base/ring_log.h"
#include "model/funcs.h"
#include "model/overhead.h"
#include "model/readings.h"
#include "model/requests.h"
#include "model/resources.h"
#include "model/syscalls.h"

#define MODEL_DEFAULT_KEEP 1000 /* slow calls / process events kept */

enum proc_event_kind { PROC_FORK, PROC_EXEC, PROC_EXIT, PROC_JOIN /* into the target cgroup */ };

struct proc_event {
	enum proc_event_kind kind;
	__u64 ts_ns;
	__u32 tgid, tid, child_tgid;
	int exit_code;
	char comm[LATSCOPE_COMM_LEN];
	char filename[LATSCOPE_PATH_LEN];
};

enum target_state { TARGET_RUNNING, TARGET_EXITED };

struct target_info {
	pid_t pid;
	char comm[LATSCOPE_COMM_LEN];
	enum target_state state;
	int exit_code;	 /* wait(2) encoding; valid once exited */
	bool spawned;	 /* started by latscope (-c) */
	pid_t ns_pid;	 /* its PID in its own PID namespace (a container's); 0: unknown */
	__u64 cgroup_id; /* its cgroup v2 id; 0: unknown */
	/* -p PID -f: the target this one descends from, found running at attach; 0 if given. */
	pid_t descendant_of;
	/* -c: why the command could not run ("cannot run x: ..."); "" if it ran. */
	char start_error[192];
};

struct model {
	struct model_clock clock; /* monotonic */
	__s64 realtime_offset_ns; /* realtime = monotonic + offset */
	struct target_info *targets;
	int n_targets;
	bool follow;
	/*
	 * Targets chosen by what they are: "comm nginx", "cgroup PATH"; ""
	 * for -p and -c. Processes that match later join the targets, and the
	 * trace does not end when they all exit.
	 */
	char selector[320];
	__u64 cgroup_id; /* --cgroup, --unit */
	char host[256];	 /* the machine's host name, for fleets' snapshots and metrics */

	struct model_syscalls syscalls;
	struct model_requests *requests;
	struct model_funcs *funcs;
	struct resources res; /* per-process resource use */
	struct ring_log proc_events;
	/* The slow call, request or process event the last record logged. */
	const void *last_event;

	__u64 records_received;
	__u64 health[HEALTH_COUNTERS]; /* kernel's own counters */
	struct overhead overhead;
};

struct model *model_new(size_t keep_events);
void model_free(struct model *model);

int model_add_target(struct model *model, pid_t pid, bool spawned);
struct target_info *model_find_target(struct model *model, pid_t pid);
bool model_all_targets_exited(const struct model *model);
/* Slow syscalls and requests are logged from @ns on (0: none). */
void model_set_slow_threshold(struct model *model, __u64 ns);

/* Returns the record type, or -EINVAL for a malformed record. */
int model_add_record(struct model *model, const void *data, size_t size);
/* Starts the clock: every window opens at @now_ns (monotonic). */
void model_start(struct model *model, __u64 now_ns);
/* The latest readings were taken at @now_ns. */
void model_set_now(struct model *model, __u64 now_ns);
void model_mark_interval(struct model *model);
/*
 * "Reset counters" for live views: a new baseline for WINDOW_SINCE_RESET,
 * and the interval windows restart from here too. WINDOW_TOTAL (reports,
 * snapshots) is untouched.
 */
void model_reset(struct model *model);
/* Live alerts judged WINDOW_TICK: the next one starts here. */
void model_mark_tick(struct model *model);

double model_window_seconds(const struct model *model, enum model_window window);
__u64 model_realtime_ns(const struct model *model, __u64 mono_ns);
void model_overhead_view(const struct model *model, struct overhead_view *out);
/* The same, keeping only programs whose name contains @filter. */
void model_overhead_view_matching(const struct model *model, const char *filter,
				  struct overhead_view *out);
/* Probe costs of traced functions, from their hits and the BPF stats. */
int model_func_costs(struct model *model, const struct func_cost **costs, int *n);

#endif
