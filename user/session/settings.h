/*
 * What a trace is asked to do: targets, probe families, clock, outputs.
 * The command line fills it (cli/options.c); a session runs it.
 */
#ifndef LATSCOPE_SETTINGS_H
#define LATSCOPE_SETTINGS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "protocols/protocols.h"
#include "views/metrics/config.h"

struct trace_settings {
	pid_t *pids;
	int n_pids;
	const char *command; /* -c: run through /bin/sh -c */
	bool follow;	     /* also trace children forked later */
	/* Targets by what they are (one of these, or -p, or -c): */
	const char *comm;      /* --comm NAME */
	const char *cgroup;    /* --cgroup PATH: absolute, or under the cgroup v2 mount */
	const char *unit;      /* --unit NAME: a systemd service's cgroup */
	bool keep_running;     /* --keep-running: the targets' exit does not end the trace */
	double duration_s;     /* 0: until the targets exit or a signal */
	double interval_s;     /* 0: one report at the end */
	__u64 slow_ns;	       /* 0: no slow-call reporting */
	const char *output;    /* -o FILE */
	bool json_stdout;      /* --json */
	bool jsonl;	       /* --jsonl: one snapshot per line, appended */
	bool overhead;	       /* false with --no-overhead */
	__u32 resource_groups; /* RES_GROUP_BIT()s: --sched, --no-net, ... */
	bool verbose;
	__u32 ringbuf_bytes;
	size_t keep_events;	    /* slow calls / process events kept in JSON */
	bool requests;		    /* false with --no-requests */
	bool tls;		    /* false with --no-tls */
	bool syscalls;		    /* false with --no-syscalls */
	bool syscalls_all;	    /* --syscalls: every one, even a server's */
	double max_overhead;	    /* --max-overhead, a share of one CPU; 0: none */
	struct proto_options proto; /* --keep-query, --ws-key, --proto */
	const char **func_specs;    /* -u SPEC, repeatable (uprobe_spec.h) */
	int n_func_specs;
	struct metrics_config metrics; /* --listen, --buckets */
	/*
	 * Not an option: set by a subcommand that owns the terminal (top),
	 * so that a -c command's stdin/stdout/stderr are /dev/null.
	 */
	bool command_stdio_null;
};

#endif
