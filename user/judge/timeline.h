/*
 * Latency over time: the rows of latency sections (syscalls, requests,
 * upstreams, functions) across a series of snapshots' "interval" windows
 * (record -i N --jsonl, or record's own intervals), kept as sparse
 * histograms per interval, and laid out as a heat map's cells.
 */
#ifndef LATSCOPE_TIMELINE_H
#define LATSCOPE_TIMELINE_H

#include <jansson.h>
#include <linux/types.h>
#include <stdio.h>
#include "views/svg/heatmap.h"

struct timeline_series;

struct timeline {
	struct timeline_series *series;
	int n_series, cap;
	int n_cols;	   /* snapshots with an interval seen so far */
	double *col_end_s; /* each one's end, seconds into the trace */
};

/* "syscalls.read", 'requests[":8080 GET /x"]': section and key; -EINVAL. */
int timeline_parse_row(const char *text, char *section, size_t slen, char *key, size_t klen);
/* Adds @snap's interval as the next column; a snapshot without one is skipped. */
int timeline_add(struct timeline *tl, const json_t *snap);
/* The series of @section / @key; NULL when it never appeared. */
const struct timeline_series *timeline_find(const struct timeline *tl, const char *section,
					    const char *key);
/* The series with the most samples over the whole timeline; NULL if none. */
const struct timeline_series *timeline_busiest(const struct timeline *tl);
/* Every series, "SECTION KEY SAMPLES" per line, busiest first. */
void timeline_list(FILE *out, const struct timeline *tl);
const char *timeline_series_name(const struct timeline_series *s, char *buf, size_t len);
__u64 timeline_series_total(const struct timeline_series *s);
/*
 * @s as heat-map cells in at most @max_rows latency rows (shared by every
 * column, log-linear). The arrays are malloc'ed into @hm: free with
 * timeline_heatmap_free().
 */
int timeline_heatmap(const struct timeline *tl, const struct timeline_series *s, int max_rows,
		     struct heatmap *hm);
void timeline_heatmap_free(struct heatmap *hm);
/*
 * The heat map of @row (timeline_parse_row's text; NULL: the busiest) into
 * the SVG file @path, with one line on @summary (may be NULL); 0, or a
 * negative errno with a one-line reason in @why.
 */
int timeline_render(const struct timeline *tl, const char *row, int max_rows, const char *path,
		    FILE *summary, char *why, size_t len);
void timeline_free(struct timeline *tl);

#endif
