// latscope buckets mapped onto Prometheus' schema-5 native buckets.
#include <math.h>
#include <stddef.h>
#include <string.h>
#include "views/metrics/native.h"

#define PER_OCTAVE (1 << NATIVE_SCHEMA)

static double upper_bound(__s32 index)
{
	return exp2((double)index / PER_OCTAVE);
}

/* ceil(32 log2 x), corrected where log2's rounding lands on the wrong side. */
__s32 native_index_of(double seconds)
{
	__s32 i = (__s32)ceil(PER_OCTAVE * log2(seconds));

	while (upper_bound(i - 1) >= seconds)
		i--;
	while (upper_bound(i) < seconds)
		i++;
	return i;
}

/* The open-ended last bucket stands at its low bound, as in lat_stats. */
static double midpoint_s(__u32 bucket)
{
	double low = (double)hist_bucket_low(bucket);

	if (bucket == HIST_BUCKETS - 1)
		return low / 1e9;
	return (low + hist_bucket_width(bucket) / 2.0) / 1e9;
}

void native_map_init(__s32 map[HIST_BUCKETS])
{
	for (__u32 b = 0; b < HIST_BUCKETS; b++) {
		double mid = midpoint_s(b);

		map[b] = mid <= NATIVE_ZERO_THRESHOLD ? NATIVE_ZERO_BUCKET : native_index_of(mid);
	}
}

/* Appends one schema-5 bucket; indices arrive increasing. */
static void add_bucket(struct native_hist *out, __s32 index, __u64 count, __s32 *next,
		       __u64 *previous)
{
	if (!out->n_spans || index != *next)
		out->spans[out->n_spans++] = (struct native_span){
			.offset = out->n_spans ? index - *next : index,
		};
	out->spans[out->n_spans - 1].length++;
	out->deltas[out->n_deltas++] = (__s64)(count - *previous);
	*previous = count;
	*next = index + 1;
}

void native_encode(const __s32 map[HIST_BUCKETS], const struct lat_stats *h,
		   struct native_hist *out)
{
	__s32 index = 0, next = 0;
	__u64 count = 0, previous = 0;

	memset(out, 0, offsetof(struct native_hist, spans));
	out->sum_s = h->total_ns / 1e9;
	for (__u32 b = 0; b < HIST_BUCKETS; b++) {
		__u64 n = h->buckets[b];

		if (!n)
			continue;
		out->count += n;
		if (map[b] == NATIVE_ZERO_BUCKET) {
			out->zero_count += n;
			continue;
		}
		/* The map never decreases: equal indices are neighbours. */
		if (count && map[b] != index) {
			add_bucket(out, index, count, &next, &previous);
			count = 0;
		}
		index = map[b];
		count += n;
	}
	if (count)
		add_bucket(out, index, count, &next, &previous);
}
