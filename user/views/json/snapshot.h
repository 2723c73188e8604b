/*
 * The JSON snapshot: the model rendered with jansson, written atomically.
 * Schema "latscope.snapshot" version SNAPSHOT_VERSION; see README.md.
 */
#ifndef LATSCOPE_SNAPSHOT_JSON_H
#define LATSCOPE_SNAPSHOT_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include "model/model.h"

#define SNAPSHOT_SCHEMA	 "latscope.snapshot"
#define SNAPSHOT_VERSION 1

/* A new reference; includes the last interval's figures when asked. */
json_t *snapshot_build(struct model *model, bool with_interval);
/* "2026-11-26T13:27:48.100Z" for a realtime timestamp. */
json_t *snapshot_iso_time(__u64 realtime_ns);
/* count, errors, rate_per_s, total_ns, min_ns, max_ns, p50_ns..p999_ns */
json_t *snapshot_latency_json(const struct lat_summary *lat);
/* Sparse histogram: [[low_ns, width_ns, count], ...] for non-empty buckets. */
json_t *snapshot_hist_json(const struct lat_stats *hist);
/* The "resources" section (snapshot_resources.c). */
json_t *snapshot_resources(struct model *model, enum model_window window);
/*
 * The "requests" (server groups, slow requests) and "upstreams" (client
 * groups) sections, and one role's groups for a window
 * (snapshot_requests.c).
 */
json_t *snapshot_requests(struct model *model);
json_t *snapshot_upstreams(struct model *model);
json_t *snapshot_request_groups(struct model *model, enum model_window window, enum req_role role);
/*
 * overhead.budget, and a window's sampling of shed families
 * (json/budget.c).
 */
json_t *snapshot_budget(const struct model *model);
json_t *snapshot_sampling(const struct model *model, enum model_window window);
/*
 * Temp file in the same directory, fsync, rename: never half-written (see
 * base/output_file.h). 0 or -errno, @path untouched on failure.
 */
int snapshot_write_file(const char *path, const json_t *snap);
/* One compact line appended (JSON Lines), whole or not at all. */
int snapshot_append_line(const char *path, const json_t *snap);
/* Written and flushed: 0, or -errno when any of it did not reach @out. */
int snapshot_print(FILE *out, const json_t *snap, bool one_line);
/*
 * Reading (snapshot_read.c). A snapshot is accepted when its schema is
 * SNAPSHOT_SCHEMA, its version SNAPSHOT_VERSION (fields are only added
 * within a version; another one is refused, not guessed at), and its known
 * sections have their types; -EINVAL or -EPROTO with a one-line reason.
 */
int snapshot_validate(const json_t *snap, const char *name, char *why, size_t len);
/* A snapshot file; NULL with a one-line reason. */
json_t *snapshot_read_file(const char *path, char *why, size_t len);
/*
 * A JSON Lines file (--jsonl), one validated snapshot at a time, handed to
 * @each (which must not keep it); blank lines are skipped. Stops at the
 * first error: @each's, or a bad line (named "PATH:LINE" in @why).
 */
int snapshot_read_lines(const char *path, int (*each)(void *ctx, json_t *snap), void *ctx,
			char *why, size_t len);
/*
 * A sparse histogram ([[low_ns, width_ns, count], ...]) back into buckets;
 * count, min_ns and max_ns from the buckets. -ENODATA when @hist is not an
 * array, -EINVAL when a bucket is not one of hist.h's.
 */
int snapshot_hist_decode(const json_t *hist, struct lat_stats *out);
/* A latency row's histogram with its errors, total and exact extremes. */
int snapshot_row_stats(const json_t *row, struct lat_stats *out);
/* Fails early (before attaching) when @path cannot be written. */
int snapshot_check_writable(const char *path, char *why, size_t len);

#endif
