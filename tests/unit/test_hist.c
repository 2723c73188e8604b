// The histogram the kernel fills and the quantiles user space reads from it.
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "lat_samples.h"
#include "base/latency.h"

/* Every value maps to a bucket whose [low, low + width) contains it. */
Test(hist, bucket_contains_value)
{
	__u64 values[] = { 0,	1,   31,   32,	 63,   64,	  65,	      100,
			   127, 128, 1000, 4095, 4096, 123456789, 1ULL << 40, (1ULL << 41) - 1 };

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		__u32 b = hist_bucket_of(values[i]);

		cr_assert_lt(b, HIST_BUCKETS);
		cr_assert_geq(values[i], hist_bucket_low(b), "value %llu",
			      (unsigned long long)values[i]);
		cr_assert_lt(values[i], hist_bucket_low(b) + hist_bucket_width(b), "value %llu",
			     (unsigned long long)values[i]);
	}
}

Test(hist, buckets_tile_the_range_without_gaps)
{
	for (__u32 b = 1; b < HIST_BUCKETS; b++)
		cr_assert_eq(hist_bucket_low(b), hist_bucket_low(b - 1) + hist_bucket_width(b - 1),
			     "gap before bucket %u", b);
}

Test(hist, width_bounded_by_stated_error)
{
	for (__u32 b = 2 * HIST_SUB_BUCKETS; b < HIST_BUCKETS; b++) {
		double half = hist_bucket_width(b) / 2.0;

		cr_assert_leq(half / hist_bucket_low(b), HIST_ERROR_PPM / 1e6, "bucket %u", b);
	}
}

Test(hist, huge_values_share_last_bucket)
{
	cr_assert_eq(hist_bucket_of(~0ULL), HIST_BUCKETS - 1);
	cr_assert_eq(hist_bucket_of(1ULL << 50), HIST_BUCKETS - 1);
}

Test(hist, msb_matches_builtin)
{
	for (int bit = 0; bit < 64; bit++) {
		__u64 v = 1ULL << bit;

		cr_assert_eq(hist_msb64(v), (__u32)bit);
		cr_assert_eq(hist_msb64(v | (v >> 1) | 1), (__u32)bit);
	}
}

/* Deterministic generator, so a failure reproduces. */
static __u64 rng_state = 88172645463325252ULL;

static double uniform01(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (rng_state >> 11) * (1.0 / 9007199254740992.0);
}

static double normal01(void)
{
	double u = uniform01(), v = uniform01();

	return sqrt(-2 * log(u + 1e-300)) * cos(2 * M_PI * v);
}

static int cmp_u64(const void *a, const void *b)
{
	__u64 x = *(const __u64 *)a, y = *(const __u64 *)b;

	return x < y ? -1 : x > y;
}

static void record(struct lat_stats *s, __u64 v)
{
	lat_sample_add(s, v, false);
}

/* Exact nearest-rank quantile: the ceil(q * n)-th smallest. */
static __u64 exact_quantile(const __u64 *sorted, size_t n, double q)
{
	size_t rank = (size_t)ceil(q * n);

	return sorted[(rank ? rank : 1) - 1];
}

static void check_distribution(const char *name, __u64 (*draw)(void))
{
	enum { N = 200000 };
	static const double qs[] = { 0.01, 0.25, 0.5, 0.9, 0.95, 0.99, 0.999, 1.0 };
	__u64 *samples = malloc(N * sizeof(*samples));
	struct lat_stats *stats = calloc(1, sizeof(*stats));

	cr_assert(samples && stats);
	for (size_t i = 0; i < N; i++) {
		samples[i] = draw();
		record(stats, samples[i]);
	}
	qsort(samples, N, sizeof(*samples), cmp_u64);
	for (size_t i = 0; i < sizeof(qs) / sizeof(qs[0]); i++) {
		double exact = exact_quantile(samples, N, qs[i]);
		double got = lat_stats_quantile(stats, qs[i]);

		cr_assert_leq(fabs(got - exact) / exact, HIST_ERROR_PPM / 1e6,
			      "%s q=%g: got %.0f, exact %.0f", name, qs[i], got, exact);
	}
	free(samples);
	free(stats);
}

static __u64 draw_uniform(void)
{
	return 1000 + (__u64)(uniform01() * 9e6); /* 1 us .. 9 ms */
}

static __u64 draw_lognormal(void)
{
	return 1 + (__u64)exp(9.0 + 1.5 * normal01()); /* median ~8 us, long tail */
}

static __u64 draw_bimodal(void)
{
	/* 90 % fast cache hits around 2 us, 10 % slow misses around 40 ms. */
	if (uniform01() < 0.9)
		return 1500 + (__u64)(uniform01() * 1000);
	return 35000000 + (__u64)(uniform01() * 10000000);
}

Test(quantile, uniform_within_bound)
{
	check_distribution("uniform", draw_uniform);
}
Test(quantile, lognormal_within_bound)
{
	check_distribution("lognormal", draw_lognormal);
}
Test(quantile, bimodal_within_bound)
{
	check_distribution("bimodal", draw_bimodal);
}

Test(quantile, empty_is_zero)
{
	struct lat_stats *s = calloc(1, sizeof(*s));

	cr_assert_eq(lat_stats_quantile(s, 0.5), 0);
	free(s);
}

Test(quantile, single_sample_is_exact)
{
	struct lat_stats *s = calloc(1, sizeof(*s));

	record(s, 123456);
	for (int i = 0; i < LAT_QUANTILES; i++)
		cr_assert_eq(lat_stats_quantile(s, lat_quantiles[i]), 123456);
	free(s);
}

Test(window, difference_of_cumulative_readings)
{
	struct lat_stats *old = calloc(1, sizeof(*old));
	struct lat_stats *now = calloc(1, sizeof(*now));
	struct lat_stats *win = calloc(1, sizeof(*win));

	for (int i = 0; i < 100; i++)
		record(old, 1000);
	*now = *old;
	for (int i = 0; i < 10; i++)
		record(now, 5000000);
	lat_stats_window(win, now, old);
	cr_assert_eq(win->count, 10);
	cr_assert_eq(win->total_ns, 50000000);
	/* Window extremes come from its buckets, clamped to the true extremes. */
	cr_assert_leq(win->min_ns, 5000000);
	cr_assert_geq(win->min_ns, 5000000 * (1 - HIST_ERROR_PPM * 2 / 1e6));
	cr_assert_eq(win->max_ns, 5000000);
	free(old);
	free(now);
	free(win);
}

Test(merge, folds_min_max_and_counts)
{
	struct lat_stats *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));

	record(a, 10);
	record(b, 5);
	record(b, 700);
	lat_stats_merge(a, b);
	cr_assert_eq(a->count, 3);
	cr_assert_eq(a->min_ns, 5);
	cr_assert_eq(a->max_ns, 700);
	cr_assert_eq(a->total_ns, 715);
	free(a);
	free(b);
}
