/*
 * HTTP content negotiation for /metrics: which exposition format an Accept
 * header asks for, and whether Accept-Encoding allows gzip. Pure parsing.
 *
 * Accept: the media range with the highest q among those latscope serves:
 * protobuf (MetricFamily, delimited), OpenMetrics text, text/plain, and
 * the wildcards for any type or any text type, which get text 0.0.4. On a
 * tie, the one listed first. Nothing acceptable, or no header: text 0.0.4
 * rather than 406 — a scraper can always parse that.
 */
#ifndef LATSCOPE_METRICS_NEGOTIATE_H
#define LATSCOPE_METRICS_NEGOTIATE_H

#include <stdbool.h>
#include "views/metrics/exposition.h"

enum metrics_format metrics_format_for_accept(const char *accept);
const char *metrics_content_type(enum metrics_format fmt);
/* gzip (or x-gzip, or *) listed with q > 0. */
bool metrics_gzip_accepted(const char *accept_encoding);

#endif
