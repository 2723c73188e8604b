/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Log-linear (HDR-style) latency histogram in nanoseconds, shared verbatim
 * by the BPF programs and user space so that the unit tests exercise the
 * exact arithmetic the kernel runs.
 *
 * Values below 2 * HIST_SUB_BUCKETS get one bucket each. Above that, every
 * power of two [2^k, 2^(k+1)) is split into HIST_SUB_BUCKETS equal buckets,
 * so a bucket is at most 1/HIST_SUB_BUCKETS of its lower bound wide and its
 * midpoint is within 1/(2 * HIST_SUB_BUCKETS) = 1.5625 % of any value in it.
 * Values of 2^(HIST_MAX_MSB + 1) ns (about 36 minutes) and more share the
 * last bucket; the exact maximum is kept beside the histogram.
 *
 * No __builtin_clzll: BPF has no such instruction, so the most significant
 * bit is found by a branch-light binary search that both sides can run.
 */
#ifndef LATSCOPE_HIST_H
#define LATSCOPE_HIST_H

#define HIST_SUB_BITS	 5
#define HIST_SUB_BUCKETS (1U << HIST_SUB_BITS)
#define HIST_MAX_MSB	 40
#define HIST_BUCKETS	 ((HIST_MAX_MSB - HIST_SUB_BITS + 2) * HIST_SUB_BUCKETS)
/* Relative error of a bucket's midpoint, in parts per million. */
#define HIST_ERROR_PPM (1000000U / (2 * HIST_SUB_BUCKETS))

static inline __u32 hist_msb64(__u64 v)
{
	__u32 msb = 0;

	if (v >> 32) {
		v >>= 32;
		msb += 32;
	}
	if (v >> 16) {
		v >>= 16;
		msb += 16;
	}
	if (v >> 8) {
		v >>= 8;
		msb += 8;
	}
	if (v >> 4) {
		v >>= 4;
		msb += 4;
	}
	if (v >> 2) {
		v >>= 2;
		msb += 2;
	}
	if (v >> 1) {
		msb += 1;
	}
	return msb;
}

static inline __u32 hist_bucket_of(__u64 ns)
{
	__u32 msb, shift;

	if (ns < HIST_SUB_BUCKETS)
		return (__u32)ns;
	msb = hist_msb64(ns);
	if (msb > HIST_MAX_MSB)
		return HIST_BUCKETS - 1;
	shift = msb - HIST_SUB_BITS;
	return (shift + 1) * HIST_SUB_BUCKETS + (__u32)(ns >> shift) - HIST_SUB_BUCKETS;
}

/* Smallest value that falls into @bucket. */
static inline __u64 hist_bucket_low(__u32 bucket)
{
	__u32 shift, sub;

	if (bucket < HIST_SUB_BUCKETS)
		return bucket;
	shift = bucket / HIST_SUB_BUCKETS - 1;
	sub = bucket % HIST_SUB_BUCKETS;
	return (__u64)(HIST_SUB_BUCKETS + sub) << shift;
}

/* Number of distinct values in @bucket. */
static inline __u64 hist_bucket_width(__u32 bucket)
{
	if (bucket < HIST_SUB_BUCKETS)
		return 1;
	return (__u64)1 << (bucket / HIST_SUB_BUCKETS - 1);
}

#endif /* LATSCOPE_HIST_H */
