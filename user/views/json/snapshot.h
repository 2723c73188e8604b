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
/* Temp file in the same directory, fsync, rename: never half-written. */
int snapshot_write_file(const char *path, const json_t *snap);
/* One compact line appended (JSON Lines). */
int snapshot_append_line(const char *path, const json_t *snap);
int snapshot_print(FILE *out, const json_t *snap, bool one_line);
/* A snapshot file (schema checked); NULL with a one-line reason. */
json_t *snapshot_read_file(const char *path, char *why, size_t len);
/* Fails early (before attaching) when @path cannot be written. */
int snapshot_check_writable(const char *path, char *why, size_t len);

#endif
