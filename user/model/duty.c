// Sampling windows of a shed family, and the estimates made from them.
#include <math.h>
#include <string.h>
#include "model/duty.h"

void off_time_set(struct off_time *t, bool off, __u64 now)
{
	if (off == t->off)
		return;
	if (off)
		t->since = now;
	else
		t->total += now - t->since;
	t->off = off;
}

__u64 off_time_total(const struct off_time *t, __u64 now)
{
	return t->total + (t->off && now > t->since ? now - t->since : 0);
}

static struct duty_window *window_at(struct duty_windows *w, int i)
{
	return &w->ring[(w->head + i) % DUTY_MAX_WINDOWS];
}

static const struct duty_window *window_const(const struct duty_windows *w, int i)
{
	return &w->ring[(w->head + i) % DUTY_MAX_WINDOWS];
}

void duty_windows_init(struct duty_windows *w)
{
	memset(w, 0, sizeof(*w));
	/* Attached since before the trace began: one window from time 0. */
	w->n = 1;
	w->completion_on = true;
}

void duty_windows_entry(struct duty_windows *w, bool on, __u64 now)
{
	struct duty_window *last = window_at(w, w->n - 1);

	if (on == !w->entry.off)
		return;
	off_time_set(&w->entry, !on, now);
	if (!on) {
		last->entry_off = now;
		w->ever_shed = true;
		return;
	}
	if (w->n == DUTY_MAX_WINDOWS) {
		w->head = (w->head + 1) % DUTY_MAX_WINDOWS;
		w->n--;
	}
	*window_at(w, w->n++) = (struct duty_window){ .entry_on = now };
}

void duty_windows_completion(struct duty_windows *w, bool on, __u64 now)
{
	if (on == w->completion_on)
		return;
	w->completion_on = on;
	if (on) {
		w->completion_on_ns = now;
		return;
	}
	for (int i = 0; i < w->n; i++) {
		struct duty_window *win = window_at(w, i);

		if (!win->completion_off)
			win->completion_off = now;
	}
}

bool duty_windows_continuous(const struct duty_windows *w, __u64 from, __u64 to)
{
	for (int i = 0; i < w->n; i++) {
		const struct duty_window *win = window_const(w, i);

		if (win->entry_on <= from && (!win->entry_off || win->entry_off >= to))
			return true;
	}
	return false;
}

static __s64 min_s64(__s64 a, __s64 b)
{
	return a < b ? a : b;
}

static __s64 max_s64(__s64 a, __s64 b)
{
	return a > b ? a : b;
}

/*
 * A call of length L ending in (from, to] entered in (from - L, to - L];
 * a window let it through if it entered in [entry_on, entry_off) and the
 * completion was still attached at its end: entry before completion_off - L.
 */
double duty_coverage(const struct duty_windows *w, __u64 from, __u64 to, __u64 len_ns)
{
	__s64 len = (__s64)len_ns, lo_enter = (__s64)from - len, hi_enter = (__s64)to - len;
	double seen = 0;

	if (to <= from)
		return 1.0;
	for (int i = 0; i < w->n; i++) {
		const struct duty_window *win = window_const(w, i);
		__s64 lo = max_s64((__s64)win->entry_on, lo_enter), hi = hi_enter;

		if (win->entry_off)
			hi = min_s64(hi, (__s64)win->entry_off);
		if (win->completion_off)
			hi = min_s64(hi, (__s64)win->completion_off - len);
		if (hi > lo)
			seen += hi - lo;
	}
	seen /= (double)(to - from);
	return seen > 1.0 ? 1.0 : seen;
}

__u64 duty_longest_seen(const struct duty_windows *w, __u64 since, __u64 max_window_ns)
{
	__u64 longest = 0;

	for (int i = 0; i < w->n; i++) {
		const struct duty_window *win = window_const(w, i);

		if (!win->entry_off || !win->completion_off || win->entry_off < since ||
		    win->entry_off - win->entry_on > max_window_ns)
			continue;
		if (win->completion_off - win->entry_on > longest)
			longest = win->completion_off - win->entry_on;
	}
	return longest;
}

/* 1 / coverage of a bucket's calls; 1 when none could have been seen. */
static double bucket_weight(const struct duty_windows *w, __u64 from, __u64 to, __u32 b)
{
	double cov = duty_coverage(w, from, to, hist_bucket_low(b) + hist_bucket_width(b) / 2);

	/* A call near the longest a window sees may sit below its bucket's middle. */
	if (cov <= 0)
		cov = duty_coverage(w, from, to, hist_bucket_low(b));
	return cov > 0 ? 1.0 / cov : 1.0;
}

/* Rounds @v to a count no lower than @last. */
static __u64 at_least(double v, __u64 last)
{
	__u64 n = v > 0 ? (__u64)llround(v) : 0;

	return n > last ? n : last;
}

double duty_scaled_update(struct duty_scaled *s, const struct lat_stats *reading,
			  const struct duty_windows *w, __u64 from, __u64 to, bool commit,
			  struct lat_stats *out)
{
	bool exact = duty_windows_continuous(w, from, to);
	double raw = 0, scaled = 0, in_buckets = 0, factor, count;

	memset(out, 0, sizeof(*out));
	for (__u32 b = 0; b < HIST_BUCKETS; b++) {
		__u64 d = reading->buckets[b] - s->seen.buckets[b];
		double est = s->buckets[b];

		if (d) {
			double weight = exact ? 1.0 : bucket_weight(w, from, to, b);

			est += d * weight;
			raw += d;
			scaled += d * weight;
		}
		if (commit)
			s->buckets[b] = est;
		in_buckets += est;
		out->buckets[b] = at_least(est, s->last.buckets[b]);
		out->count += out->buckets[b];
	}
	factor = raw > 0 ? scaled / raw : 1.0;
	count = s->count + (reading->count - s->seen.count) * factor;
	/* Samples beyond the last bucket count without one. */
	if (count - in_buckets > 0.5)
		out->count += llround(count - in_buckets);
	out->errors =
		at_least(s->errors + (reading->errors - s->seen.errors) * factor, s->last.errors);
	if (out->errors > out->count)
		out->errors = out->count;
	out->total_ns = at_least(s->total_ns + (reading->total_ns - s->seen.total_ns) * factor,
				 s->last.total_ns);
	out->min_ns = reading->min_ns;
	out->max_ns = reading->max_ns;
	if (commit) {
		s->count = count;
		s->errors += (reading->errors - s->seen.errors) * factor;
		s->total_ns += (reading->total_ns - s->seen.total_ns) * factor;
		s->seen = *reading;
	}
	s->last = *out;
	return factor;
}

__u64 duty_count_update(struct duty_count *c, __u64 reading, double factor, bool commit)
{
	double est = c->scaled + (reading - c->seen) * factor;

	if (commit) {
		c->scaled = est;
		c->seen = reading;
	}
	c->last = at_least(est, c->last);
	return c->last;
}
