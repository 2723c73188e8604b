// Sampling windows of a shed family and the estimates made from them.
#include <criterion/criterion.h>
#include "model/duty.h"
#include "lat_samples.h"

#define MS 1000000ULL

static struct duty_windows w;

/*
 * Shed from 1 ns on: windows of @on_ms (the completion @grace_ms longer)
 * at the start of every @period_ms from @from, @n of them.
 */
static void windows(__u64 from, __u64 period_ms, __u64 on_ms, __u64 grace_ms, int n)
{
	duty_windows_init(&w);
	duty_windows_entry(&w, false, 1);
	duty_windows_completion(&w, false, 1);
	for (int i = 0; i < n; i++) {
		__u64 start = from + i * period_ms * MS;

		duty_windows_completion(&w, true, start);
		duty_windows_entry(&w, true, start);
		duty_windows_entry(&w, false, start + on_ms * MS);
		duty_windows_completion(&w, false, start + (on_ms + grace_ms) * MS);
	}
}

Test(duty, off_time_accumulates)
{
	struct off_time t = {};

	off_time_set(&t, true, 10);
	cr_assert_eq(off_time_total(&t, 15), 5);
	off_time_set(&t, true, 12); /* already off: unchanged */
	off_time_set(&t, false, 20);
	cr_assert_eq(off_time_total(&t, 100), 10);
}

Test(duty, attached_throughout_is_continuous_and_full)
{
	duty_windows_init(&w);
	cr_assert(duty_windows_continuous(&w, 0, 1000 * MS));
	cr_assert_float_eq(duty_coverage(&w, 5 * MS, 1000 * MS, 100), 1.0, 1e-12);
}

Test(duty, short_calls_are_covered_by_the_windows_share)
{
	/* 1/8: 31.25 ms of every 250 ms, 4 periods. */
	windows(1000 * MS, 250, 31, 31, 4);
	cr_assert_not(duty_windows_continuous(&w, 1000 * MS, 2000 * MS));
	cr_assert_float_eq(duty_coverage(&w, 1000 * MS, 2000 * MS, 200), 4 * 31.0 / 1000, 1e-6);
}

Test(duty, long_calls_need_the_grace)
{
	windows(1000 * MS, 250, 30, 30, 4);
	/* Up to the grace, every call that entered in a window finishes in time. */
	cr_assert_float_eq(duty_coverage(&w, 1000 * MS, 2000 * MS, 30 * MS), 0.12, 1e-6);
	/* Half the grace beyond it: half the window's calls. */
	cr_assert_float_eq(duty_coverage(&w, 1000 * MS, 2000 * MS, 45 * MS), 0.06, 1e-6);
	/* Window plus grace or longer: none. */
	cr_assert_float_eq(duty_coverage(&w, 1000 * MS, 2000 * MS, 60 * MS), 0.0, 1e-9);
	cr_assert_eq(duty_longest_seen(&w, 0, 250 * MS), 60 * MS);
}

Test(duty, longest_seen_skips_full_tracing)
{
	duty_windows_init(&w);
	duty_windows_entry(&w, false, 5000 * MS); /* shed after 5 s of full tracing */
	duty_windows_completion(&w, false, 5010 * MS);
	cr_assert_eq(duty_longest_seen(&w, 0, 1000 * MS), 0);
}

Test(duty, exact_while_continuous)
{
	struct duty_scaled s = {};
	struct lat_stats reading = {}, out;

	duty_windows_init(&w);
	lat_samples_add(&reading, 200, 1000, false);
	lat_samples_add(&reading, 5000, 7, true);
	cr_assert_float_eq(duty_scaled_update(&s, &reading, &w, 0, 1000 * MS, true, &out), 1.0,
			   1e-12);
	cr_assert_eq(out.count, 1007);
	cr_assert_eq(out.errors, 7);
	cr_assert_eq(out.total_ns, 1000 * 200 + 7 * 5000);
	cr_assert_eq(out.buckets[hist_bucket_of(5000)], 7);
	cr_assert_eq(out.min_ns, 200);
	cr_assert_eq(out.max_ns, 5000);
}

Test(duty, scaled_by_the_coverage_while_shed)
{
	struct duty_scaled s = {};
	struct lat_stats reading = {}, out;
	double factor;

	windows(1000 * MS, 250, 25, 25, 4); /* a tenth of the time */
	lat_samples_add(&reading, 300, 1000, false);
	factor = duty_scaled_update(&s, &reading, &w, 1000 * MS, 2000 * MS, true, &out);
	cr_assert_float_eq(factor, 10.0, 1e-6);
	cr_assert_eq(out.count, 10000);
	cr_assert_eq(out.buckets[hist_bucket_of(300)], 10000);
	cr_assert_eq(out.total_ns, 3000000);
	cr_assert_eq(out.max_ns, 300, "min and max are the samples' own");
}

Test(duty, between_commits_the_estimate_is_provisional_and_never_falls)
{
	struct duty_scaled s = {};
	struct lat_stats reading = {}, out;
	__u64 before;

	/* One window, 0-25 ms of a 250 ms sub-period starting at 1 s. */
	duty_windows_init(&w);
	duty_windows_entry(&w, false, 1000 * MS);
	duty_windows_completion(&w, false, 1000 * MS);
	duty_windows_completion(&w, true, 1000 * MS);
	duty_windows_entry(&w, true, 1000 * MS);
	lat_samples_add(&reading, 300, 100, false);
	duty_windows_entry(&w, false, 1025 * MS);
	duty_windows_completion(&w, false, 1050 * MS);
	/* At 100 ms the window covered a quarter of it: 100 calls stand for 400. */
	duty_scaled_update(&s, &reading, &w, 1000 * MS, 1100 * MS, false, &out);
	cr_assert_eq(out.count, 400);
	before = out.count;
	/* At 250 ms, a tenth: 1000, and the base stays at the last commit. */
	duty_scaled_update(&s, &reading, &w, 1000 * MS, 1250 * MS, false, &out);
	cr_assert_eq(out.count, 1000);
	cr_assert_geq(out.count, before);
	cr_assert_eq(s.seen.count, 0);
	duty_scaled_update(&s, &reading, &w, 1000 * MS, 1250 * MS, true, &out);
	cr_assert_eq(s.seen.count, 100);
	/* Nothing new and full coverage now: the estimate does not fall back. */
	duty_windows_completion(&w, true, 1250 * MS);
	duty_windows_entry(&w, true, 1250 * MS);
	duty_scaled_update(&s, &reading, &w, 1250 * MS, 1260 * MS, true, &out);
	cr_assert_eq(out.count, 1000);
}

Test(duty, counters_follow_their_histograms_factor)
{
	struct duty_count c = {};

	cr_assert_eq(duty_count_update(&c, 10, 1.0, true), 10);
	cr_assert_eq(duty_count_update(&c, 15, 8.0, false), 50);
	/* Committed at 30, but never below what was handed out. */
	cr_assert_eq(duty_count_update(&c, 15, 4.0, true), 50);
	cr_assert_eq(duty_count_update(&c, 16, 1.0, true), 50);
}
