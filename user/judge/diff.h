/*
 * Comparing two snapshots: every keyed latency section both have
 * (syscalls, and any later section of the same shape) is matched row by
 * row; each metric gets old, new, change, and a regression mark when it
 * worsens beyond its threshold. Pure: snapshots in, a JSON result out.
 */
#ifndef LATSCOPE_DIFF_H
#define LATSCOPE_DIFF_H

#include <jansson.h>
#include <stdio.h>

#define DIFF_MAX_METRICS 8

struct diff_opts {
	double max_regression;		     /* relative, default 0.10 */
	double per_metric[DIFF_MAX_METRICS]; /* < 0: not set */
	unsigned int min_count;		     /* rows with fewer calls are skipped */
};

void diff_opts_init(struct diff_opts *opts);
/* "10%" (the default for every latency), or "p99=5%", "error_rate=0.5%". */
int diff_opts_threshold(struct diff_opts *opts, const char *arg, char *why, size_t len);
/* {"regressions": n, "rows": [...], "skipped": [...], ...}; see README. */
json_t *diff_snapshots(const json_t *base, const json_t *next, const struct diff_opts *opts);
void diff_print(FILE *out, const json_t *result);

#endif
