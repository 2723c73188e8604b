/* What the loader is asked to load: the probe families and their settings. */
#ifndef LATSCOPE_TRACE_OPTS_H
#define LATSCOPE_TRACE_OPTS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

struct model_requests;

/* Called for each ring-buffer record; a negative return stops polling. */
typedef int (*trace_record_fn)(void *ctx, const void *data, size_t size);

struct trace_opts {
	bool follow_children;
	/* --cgroup/--unit: the cgroup v2 id (0: none); --comm: a name (NULL: none). */
	__u64 target_cgroup_id;
	const char *target_comm;
	__u64 slow_ns;		       /* 0: no slow-call records */
	bool requests;		       /* load the request tracker */
	bool tls;		       /* with it, OpenSSL uprobes (--no-tls: not) */
	bool syscalls;		       /* load the syscall latency tracer */
	__u32 ringbuf_bytes;	       /* power of two, >= page size */
	const char *const *func_specs; /* -u SPEC, see uprobe_spec.h */
	int n_func_specs;
	const char *command;   /* -c: the target is held before exec */
	__u32 resource_groups; /* RES_GROUP_BIT()s of the groups to load */
	trace_record_fn on_record;
	void *ctx;
	/*
	 * Where records are named: the request tracker lets the kernel count
	 * the endpoints named there (requests_count_in_kernel()). NULL: every
	 * request goes up as a record.
	 */
	struct model_requests *requests_model;
};

#endif
