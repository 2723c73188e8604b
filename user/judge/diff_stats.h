/*
 * diff's noise rule: is a change between two runs' histograms more than
 * sampling noise? Two-sided p-values from normal approximations, each
 * aimed at one metric (see README "Comparing runs"):
 *
 * - a percentile pXX: the share of samples above the lower of the two
 *   runs' pXX buckets, compared between the runs (two-proportion z-test);
 *   a tail that moved shows up there, where a whole-distribution test
 *   (Kolmogorov-Smirnov, Mann-Whitney) would drown it in the body;
 * - the mean: Welch's z on means and variances from the bucket midpoints;
 * - a rate of errors: the two-proportion z-test on errors/count.
 */
#ifndef LATSCOPE_DIFF_STATS_H
#define LATSCOPE_DIFF_STATS_H

#include <linux/types.h>
#include "latscope.h"

double diff_p_quantile(const struct lat_stats *a, const struct lat_stats *b, double q);
double diff_p_mean(const struct lat_stats *a, const struct lat_stats *b);
/* k1 of n1 against k2 of n2. */
double diff_p_proportion(double k1, double n1, double k2, double n2);

#endif
