// Significance of a change between two histograms (see diff_stats.h).
#include <math.h>
#include "judge/diff_stats.h"

static double two_sided(double z)
{
	return erfc(fabs(z) / sqrt(2));
}

double diff_p_proportion(double k1, double n1, double k2, double n2)
{
	double pooled, se;

	if (n1 <= 0 || n2 <= 0)
		return 1;
	pooled = (k1 + k2) / (n1 + n2);
	if (pooled <= 0 || pooled >= 1)
		return 1; /* both all or nothing: no difference to see */
	se = sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
	return two_sided((k1 / n1 - k2 / n2) / se);
}

/* The bucket holding the nearest-rank q quantile (lat_stats_quantile's). */
static __u32 quantile_bucket(const struct lat_stats *s, double q)
{
	__u64 rank = (__u64)ceil(q * (double)s->count), seen = 0;

	if (rank < 1)
		rank = 1;
	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		seen += s->buckets[i];
		if (seen >= rank)
			return i;
	}
	return HIST_BUCKETS - 1;
}

static __u64 count_above(const struct lat_stats *s, __u32 bucket)
{
	__u64 n = 0;

	for (__u32 i = bucket + 1; i < HIST_BUCKETS; i++)
		n += s->buckets[i];
	return n;
}

double diff_p_quantile(const struct lat_stats *a, const struct lat_stats *b, double q)
{
	__u32 ba, bb, at;

	if (!a->count || !b->count)
		return 1;
	ba = quantile_bucket(a, q);
	bb = quantile_bucket(b, q);
	at = ba < bb ? ba : bb;
	return diff_p_proportion(count_above(a, at), a->count, count_above(b, at), b->count);
}

static void moments(const struct lat_stats *s, double *mean, double *var)
{
	double sum = 0, sq = 0;

	*mean = *var = 0;
	for (__u32 i = 0; i < HIST_BUCKETS; i++)
		if (s->buckets[i])
			sum += s->buckets[i] * (hist_bucket_low(i) + hist_bucket_width(i) / 2.0);
	*mean = sum / s->count;
	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		double d = hist_bucket_low(i) + hist_bucket_width(i) / 2.0 - *mean;

		if (s->buckets[i])
			sq += s->buckets[i] * d * d;
	}
	*var = s->count > 1 ? sq / (s->count - 1) : 0;
}

double diff_p_mean(const struct lat_stats *a, const struct lat_stats *b)
{
	double ma, va, mb, vb, se;

	if (!a->count || !b->count)
		return 1;
	moments(a, &ma, &va);
	moments(b, &mb, &vb);
	se = sqrt(va / a->count + vb / b->count);
	if (se == 0)
		return ma == mb ? 1 : 0;
	return two_sided((mb - ma) / se);
}
