/*
 * Latency arithmetic over `struct lat_stats` (the kernel's per-CPU record):
 * merging CPUs, differencing two cumulative readings, and percentiles.
 * Renderers never compute these themselves; the model does, through here.
 */
#ifndef LATSCOPE_LATENCY_H
#define LATSCOPE_LATENCY_H

#include <linux/types.h>
#include <stdbool.h>
#include "latscope.h"

#define LAT_QUANTILES 5
/* p50, p90, p95, p99, p99.9: the figures every view shows. */
enum lat_quantile { LAT_P50, LAT_P90, LAT_P95, LAT_P99, LAT_P999 };
extern const double lat_quantiles[LAT_QUANTILES];
extern const char *const lat_quantile_names[LAT_QUANTILES];

struct lat_summary {
	__u64 count;
	__u64 errors;
	__u64 total_ns;
	__u64 min_ns;
	__u64 max_ns;
	__u64 quantile_ns[LAT_QUANTILES];
	double rate_per_s;
};

/* dst += src, with min/max folded (per-CPU values into one). */
void lat_stats_merge(struct lat_stats *dst, const struct lat_stats *src);
/*
 * out = newer - older for cumulative readings. min/max cannot be
 * differenced: they are bounded by the window's lowest and highest
 * non-empty bucket, clamped to the cumulative extremes.
 */
void lat_stats_window(struct lat_stats *out, const struct lat_stats *newer,
		      const struct lat_stats *older);
/*
 * Nearest-rank quantile (0 < q <= 1): the midpoint of the bucket holding
 * the ceil(q * count)-th smallest sample, clamped to [min, max]. Within
 * HIST_ERROR_PPM of the exact nearest-rank value on the same samples.
 */
__u64 lat_stats_quantile(const struct lat_stats *stats, double q);
/* One bar of a histogram drawn for people: [low_ns, high_ns). */
struct lat_bar {
	__u64 low_ns, high_ns;
	__u64 count;
};

/*
 * Groups the fine buckets from the lowest to the highest non-empty one into
 * at most @max bars, each the same aligned power-of-two run of buckets
 * (so bars stay log-linear). Returns the number of bars; 0 when empty.
 */
int lat_stats_bars(const struct lat_stats *stats, struct lat_bar *bars, int max);
/*
 * The layout lat_stats_bars() uses, for bars shared by several histograms
 * (a heat map's rows): fine buckets @lowest..@highest in at most @max
 * bars; returns the buckets per bar, *first the first bar's first bucket.
 */
int lat_bars_layout(__u32 lowest, __u32 highest, int max, __u32 *first);
/* Bar @b of a layout: its bounds (count 0) and its buckets @lo..@hi. */
void lat_bar_bounds(__u32 first, __u32 group, int b, struct lat_bar *bar, __u32 *lo, __u32 *hi);
void lat_stats_summarize(const struct lat_stats *stats, double seconds, struct lat_summary *out);

#endif
