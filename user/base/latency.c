// Merging, windowing and quantiles of latency histograms.
#include <math.h>
#include <string.h>
#include "base/latency.h"

const double lat_quantiles[LAT_QUANTILES] = { 0.50, 0.90, 0.95, 0.99, 0.999 };
const char *const lat_quantile_names[LAT_QUANTILES] = { "p50", "p90", "p95", "p99", "p99.9" };

void lat_stats_merge(struct lat_stats *dst, const struct lat_stats *src)
{
	if (!src->count)
		return;
	if (!dst->count || (src->min_ns && src->min_ns < dst->min_ns))
		dst->min_ns = src->min_ns;
	if (src->max_ns > dst->max_ns)
		dst->max_ns = src->max_ns;
	dst->count += src->count;
	dst->errors += src->errors;
	dst->total_ns += src->total_ns;
	for (__u32 i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
}

static __u64 clamp_u64(__u64 v, __u64 lo, __u64 hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void lat_stats_window(struct lat_stats *out, const struct lat_stats *newer,
		      const struct lat_stats *older)
{
	__u32 lowest = HIST_BUCKETS, highest = 0;

	memset(out, 0, sizeof(*out));
	out->count = newer->count - older->count;
	out->errors = newer->errors - older->errors;
	out->total_ns = newer->total_ns - older->total_ns;
	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		out->buckets[i] = newer->buckets[i] - older->buckets[i];
		if (!out->buckets[i])
			continue;
		if (lowest == HIST_BUCKETS)
			lowest = i;
		highest = i;
	}
	if (lowest == HIST_BUCKETS)
		return;
	out->min_ns = clamp_u64(hist_bucket_low(lowest), newer->min_ns, newer->max_ns);
	out->max_ns = clamp_u64(hist_bucket_low(highest) + hist_bucket_width(highest) - 1,
				newer->min_ns, newer->max_ns);
}

__u64 lat_stats_quantile(const struct lat_stats *stats, double q)
{
	__u64 rank, seen = 0;

	if (!stats->count)
		return 0;
	rank = (__u64)ceil(q * (double)stats->count);
	if (rank < 1)
		rank = 1;
	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		seen += stats->buckets[i];
		if (seen >= rank) {
			__u64 mid = hist_bucket_low(i) + hist_bucket_width(i) / 2;
			return clamp_u64(mid, stats->min_ns, stats->max_ns);
		}
	}
	return stats->max_ns;
}

void lat_stats_summarize(const struct lat_stats *stats, double seconds, struct lat_summary *out)
{
	out->count = stats->count;
	out->errors = stats->errors;
	out->total_ns = stats->total_ns;
	out->min_ns = stats->min_ns;
	out->max_ns = stats->max_ns;
	for (int i = 0; i < LAT_QUANTILES; i++)
		out->quantile_ns[i] = lat_stats_quantile(stats, lat_quantiles[i]);
	out->rate_per_s = seconds > 0 ? (double)stats->count / seconds : 0;
}

int lat_bars_layout(__u32 lowest, __u32 highest, int max, __u32 *first)
{
	__u32 group = 1;

	while (highest / group - lowest / group + 1 > (__u32)max)
		group *= 2;
	*first = lowest / group * group;
	return (int)group;
}

void lat_bar_bounds(__u32 first, __u32 group, int b, struct lat_bar *bar, __u32 *lo, __u32 *hi)
{
	*lo = first + b * group;
	*hi = *lo + group - 1;
	if (*hi >= HIST_BUCKETS)
		*hi = HIST_BUCKETS - 1;
	bar->low_ns = hist_bucket_low(*lo);
	bar->high_ns = hist_bucket_low(*hi) + hist_bucket_width(*hi);
	bar->count = 0;
}

int lat_stats_bars(const struct lat_stats *stats, struct lat_bar *bars, int max)
{
	__u32 lowest = HIST_BUCKETS, highest = 0, group, first;
	int n;

	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		if (!stats->buckets[i])
			continue;
		if (lowest == HIST_BUCKETS)
			lowest = i;
		highest = i;
	}
	if (lowest == HIST_BUCKETS || max < 1)
		return 0;
	group = lat_bars_layout(lowest, highest, max, &first);
	n = (int)(highest / group - lowest / group + 1);
	for (int b = 0; b < n; b++) {
		__u32 lo, hi;

		lat_bar_bounds(first, group, b, &bars[b], &lo, &hi);
		for (__u32 i = lo; i <= hi; i++)
			bars[b].count += stats->buckets[i];
	}
	return n;
}
