/*
 * The model as Prometheus metrics: the text exposition format 0.0.4,
 * OpenMetrics 1.0, or the protobuf format with native histograms, as the
 * scraper's Accept header asks (negotiate.h).
 *
 * Rendering keeps a little state between calls (struct metrics_exporter),
 * because exported series must stay stable for Prometheus:
 *  - cardinality: each label group admits at most `series_cap` distinct
 *    label values, first come first kept (rows arrive busiest first); later
 *    values are folded into one series whose labels read "other", and the
 *    number of distinct values folded is latscope_metrics_folded_total.
 *    Admission is sticky, so every series, "other" included, only grows.
 *  - BPF program cost is an estimate scaled from sampled windows; it is
 *    exported as a counter that never goes backwards (high-water mark).
 *
 * Pure: no I/O, no threads. The caller owns the returned text.
 */
#ifndef LATSCOPE_METRICS_TEXT_H
#define LATSCOPE_METRICS_TEXT_H

#include <linux/types.h>
#include <stddef.h>
#include "views/metrics/config.h"
#include "model/model.h"

#define METRICS_SERIES_CAP 200

enum metrics_format {
	METRICS_PROMETHEUS_TEXT, /* text/plain; version=0.0.4 */
	METRICS_OPENMETRICS,	 /* application/openmetrics-text 1.0.0 */
	METRICS_PROTOBUF,	 /* delimited io.prometheus.client.MetricFamily */
	METRICS_FORMATS,
};

struct metrics_exporter;

/* The ladder and label choices of @cfg (its bounds increasing). */
struct metrics_exporter *metrics_exporter_new(const struct metrics_config *cfg, int series_cap);
void metrics_exporter_free(struct metrics_exporter *mx);
/*
 * *text is malloc'ed and NUL-terminated; *len excludes the NUL (protobuf
 * holds NUL bytes of its own: use *len).
 */
int metrics_render(struct metrics_exporter *mx, struct model *model, enum metrics_format fmt,
		   char **text, size_t *len);

#endif
