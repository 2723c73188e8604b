/*
 * Command-line options shared by the tracing subcommands, and the value
 * parsers behind them (PID lists, durations, sizes). Parsing is pure: no
 * file or process is touched here, so it is unit-tested directly.
 */
#ifndef LATSCOPE_OPTIONS_H
#define LATSCOPE_OPTIONS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "metrics_config.h"

struct trace_cli {
	pid_t *pids;
	int n_pids;
	const char *command;	/* -c: run through /bin/sh -c */
	bool follow;		/* also trace children forked later */
	double duration_s;	/* 0: until the targets exit or a signal */
	double interval_s;	/* 0: one report at the end */
	__u64 slow_ns;		/* 0: no slow-call reporting */
	const char *output;	/* -o FILE */
	bool json_stdout;	/* --json */
	bool jsonl;		/* --jsonl: one snapshot per line, appended */
	bool overhead;		/* false with --no-overhead */
	__u32 resource_groups;	/* RES_GROUP_BIT()s: --sched, --no-net, ... */
	bool verbose;
	__u32 ringbuf_bytes;
	size_t keep_events;	/* slow calls / process events kept in JSON */
	bool requests;		/* false with --no-requests */
	bool syscalls;		/* false with --no-syscalls */
	bool keep_query;	/* --keep-query: endpoints keep ?query */
	const char **func_specs; /* -u SPEC, repeatable (uprobe_spec.h) */
	int n_func_specs;
	struct metrics_config metrics;	/* --listen, --buckets */
	/*
	 * Not an option: set by a subcommand that owns the terminal (top),
	 * so that a -c command's stdin/stdout/stderr are /dev/null.
	 */
	bool command_stdio_null;
};

enum parse_result {
	PARSE_OK = 0,
	PARSE_HELP = 1,		/* -h: print usage, exit 0 */
	PARSE_ERROR = -1,	/* message in err; exit 2 */
};

enum parse_result trace_cli_parse(int argc, char **argv, struct trace_cli *cli,
				  char *err, size_t err_len);
void trace_cli_free(struct trace_cli *cli);
extern const char trace_cli_usage[];

/* "1234" or "1234,1240": positive, de-duplicated, at most 1024. */
int parse_pid_list(const char *arg, pid_t **pids, int *n);
/*
 * "20ms", "1.5s", "250us", "100ns", "2m"; a bare number takes
 * @bare_unit_ns (1e9 for options documented in seconds).
 */
int parse_duration_ns(const char *arg, __u64 bare_unit_ns, __u64 *ns);
/* "256K", "4M", "1048576": bytes. */
int parse_size(const char *arg, __u64 *bytes);

#endif
