/*
 * Comparing two snapshots: every keyed latency section (syscalls,
 * requests, upstreams, functions, and any later section of the same shape)
 * is matched row by row; each metric gets old, new, change, a p-value from
 * the two histograms (judge/diff_stats.h) and a verdict. Pure: snapshots
 * in, a JSON result out. Matching is by hashed keys: linear in the rows.
 */
#ifndef LATSCOPE_DIFF_H
#define LATSCOPE_DIFF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#define DIFF_MAX_METRICS 8

struct diff_opts {
	double max_regression;		     /* relative, default 0.10 */
	double per_metric[DIFF_MAX_METRICS]; /* < 0: not set */
	unsigned int min_count;		     /* rows with fewer calls are skipped */
	double alpha;			     /* a change must have p below this */
	bool include_idle;		     /* judge blocking syscalls too */
	bool allow_missing;		     /* data on one side only does not fail */
	bool all;			     /* keep unchanged metrics in the result */
};

void diff_opts_init(struct diff_opts *opts);
/* "10%" (the default for every latency), or "p99=5%", "error_rate=0.5%". */
int diff_opts_threshold(struct diff_opts *opts, const char *arg, char *why, size_t len);
/* Whether @name is a syscall that waits (accept, epoll_wait, futex, ...). */
bool diff_is_idle_syscall(const char *name);
/*
 * {"verdict": "pass" | "regression" | "no_data", "regressions": n,
 *  "improvements": n, "missing": [...], "rows": [...], "skipped": [...],
 *  "idle": [...], ...}; see README.
 */
json_t *diff_snapshots(const json_t *base, const json_t *next, const struct diff_opts *opts);
/* The verdict first, then the rows the result kept, then what was left out. */
void diff_print(FILE *out, const json_t *result);

#endif
