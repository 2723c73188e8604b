/*
 * Probe families: the loader layer, one file per BPF object (probe_*.c).
 * Each family opens, configures, loads and attaches its skeleton, tells the
 * overhead sampler about its programs, and copies its maps into the model.
 * trace.c drives them in table order; nothing above the loader layer knows
 * a skeleton type.
 *
 * The lifecycle family comes first: it creates the maps every object
 * shares (traced tgids, ring buffer, health counters, see common.bpf.h),
 * and later families reuse them through probe_share_common_maps().
 *
 * Each family names the tracepoints it attaches to; trace.c skips one the
 * running kernel cannot load, with one line saying what is off, and goes
 * on with the others.
 */
#ifndef LATSCOPE_PROBE_H
#define LATSCOPE_PROBE_H

#include <bpf/libbpf.h>
#include <stdbool.h>
#include "model/resources.h"
#include "loader/trace_opts.h"

struct btf;
struct model;
struct overhead;

struct probe_ctx {
	const struct trace_opts *opts;
	int n_cpus;
	/* Owned by the lifecycle object; set once it is loaded. */
	struct bpf_map *traced_tgids, *tgid_filter, *events, *health;
	/* The processes given as targets (trace__add_tgid), before attach. */
	pid_t *tgids;
	int n_tgids;
	/* The tracepoints families named that the kernel lacks (trace.c). */
	const char **lacking;
	int n_lacking;
	/* A family's one-line reason for failing, shown instead of errno. */
	char why[512];
};

/* A BTF tracepoint, and the kernels that have it when not all do. */
struct tracepoint_need {
	const char *name;
	const char *since; /* e.g. "Linux 6.3+"; NULL: any with tp_btf */
	/* The family has a variant without it: it asks probe_kernel_lacks(). */
	bool optional;
};

struct probe_family {
	const char *name;
	/*
	 * The tracepoints the family attaches to, whatever its options,
	 * ending with { NULL }; NULL: none.
	 */
	const struct tracepoint_need *needs;
	/* What is off without it, e.g. "syscall latency". */
	const char *provides;
	/* No trace without it: a missing tracepoint fails the trace. */
	bool essential;
	/* Says in the options that it is off, once the kernel could not load it. */
	void (*turn_off)(struct trace_opts *opts);
	/* NULL means always; otherwise whether these options need it. */
	bool (*wanted)(const struct trace_opts *opts);
	/* Open, configure and load; *state is passed to every other hook. */
	int (*load)(struct probe_ctx *ctx, void **state);
	int (*attach)(void *state);
	int (*register_costs)(void *state, struct overhead *oh);
	/* May be NULL: a family with nothing aggregated in maps. */
	int (*collect)(void *state, const struct probe_ctx *ctx, struct model *model);
	/*
	 * May be NULL: the trace ends; count in the maps what is complete but
	 * waits for an event that will not come (before the last collect).
	 */
	int (*finish)(void *state, const struct probe_ctx *ctx, struct model *model);
	/*
	 * May be NULL: a family the budget cannot shed. Attaches (@on) or
	 * detaches its entry programs (@entry) or its completion programs,
	 * and notes when they started or stopped running
	 * (loader/duty_cycle.h).
	 */
	int (*shed)(void *state, bool entry, bool on);
	void (*destroy)(void *state);
};

/* Every probe family, in load order (trace.c's table). */
const struct probe_family *const *trace_families(int *n);

/* An object's own declarations of the maps in common.bpf.h. */
struct common_maps {
	struct bpf_map *traced_tgids, *tgid_filter, *events, *health;
};

/* The common maps of any skeleton (they have the same names in each). */
#define PROBE_COMMON_MAPS(skel)                            \
	(&(const struct common_maps){                      \
		.traced_tgids = (skel)->maps.traced_tgids, \
		.tgid_filter = (skel)->maps.tgid_filter,   \
		.events = (skel)->maps.events,             \
		.health = (skel)->maps.health,             \
	})

/* Points an object's copies of the shared maps at the lifecycle object's. */
int probe_share_common_maps(const struct probe_ctx *ctx, const struct common_maps *maps);
/* Registers every loaded program of @obj with the overhead sampler. */
int probe_register_object(struct overhead *oh, struct bpf_object *obj, bool per_syscall);
/* Sums a per-CPU __u64 value. */
__u64 probe_sum_percpu(const __u64 *values, int n_cpus);

/* Resource families (probe_resources.c), by their name in the family table. */
bool probe_resource_wanted(const struct trace_opts *opts, const char *family);
void probe_resource_off(struct trace_opts *opts, const char *family);
/*
 * Copies a per-CPU hash keyed by tgid of resource family @family's counter
 * struct (its slots, every member a __u64) into every process's row,
 * summed over CPUs.
 */
int probe_collect_counts(struct bpf_map *map, int n_cpus, struct model *model, const char *family);
/* Same for a per-CPU hash of struct lat_stats: the family's histogram @h. */
int probe_collect_hists(struct bpf_map *map, int n_cpus, struct model *model, const char *family,
			int h);

/* Kernel tracepoints (probe_tracepoints.c). */
typedef bool (*tracepoint_probe_fn)(const struct btf *vmlinux, const char *name);
/* Whether the kernel whose BTF is @vmlinux has the tracepoint @name. */
bool probe_btf_has_tracepoint(const struct btf *vmlinux, const char *name);
/*
 * Checks @f's tracepoints with @has: the ones missing go to ctx->lacking,
 * and *@missing is the first @f cannot do without (NULL: none).
 */
int probe_check_tracepoints(struct probe_ctx *ctx, const struct probe_family *f,
			    tracepoint_probe_fn has, const struct btf *vmlinux,
			    const struct tracepoint_need **missing);
/* Whether a tracepoint a family named is one the kernel lacks. */
bool probe_kernel_lacks(const struct probe_ctx *ctx, const char *name);
/* The line (without "latscope: ") that says what @need missing turns off. */
void probe_describe_missing(const struct probe_family *f, const struct tracepoint_need *need,
			    char *buf, size_t len);

#endif
