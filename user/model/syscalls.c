// The syscalls section: rows per syscall number, errno counts, slow calls.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/name_filter.h"
#include "base/syscall_names.h"
#include "model/syscalls.h"

int syscalls_init(struct model_syscalls *s, const struct model_clock *clock, size_t keep_slow)
{
	memset(s, 0, sizeof(*s));
	s->clock = clock;
	s->views = calloc(LATSCOPE_MAX_SYSCALLS, sizeof(*s->views));
	s->view_hists = calloc(LATSCOPE_MAX_SYSCALLS, sizeof(*s->view_hists));
	if (!s->views || !s->view_hists ||
	    ring_log_init(&s->slow, sizeof(struct slow_call), keep_slow))
		return -ENOMEM;
	return 0;
}

void syscalls_free(struct model_syscalls *s)
{
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++)
		free(s->rows[i]);
	free(s->views);
	free(s->view_hists);
	ring_log_free(&s->slow);
	memset(s, 0, sizeof(*s));
}

static struct syscall_row *row_of(struct model_syscalls *s, __u32 nr)
{
	struct syscall_row *row;

	if (nr >= LATSCOPE_MAX_SYSCALLS)
		return NULL;
	row = s->rows[nr];
	if (row)
		return row;
	row = calloc(1, sizeof(*row));
	if (!row)
		return NULL;
	row->nr = nr;
	s->rows[nr] = row;
	return row;
}

int syscalls_set(struct model_syscalls *s, __u32 nr, const struct lat_stats *cumulative)
{
	struct syscall_row *row = row_of(s, nr);

	if (!row)
		return nr >= LATSCOPE_MAX_SYSCALLS ? -ERANGE : -ENOMEM;
	row->lat.now = *cumulative;
	return 0;
}

void syscalls_in_flight_reset(struct model_syscalls *s)
{
	s->n_in_flight = 0;
	s->in_flight_threads = 0;
}

/* Entered before the trace is older than anything seen entering. */
static bool in_flight_older(const struct in_flight_call *a, const struct in_flight_call *b)
{
	return a->since_ns != b->since_ns &&
	       (!a->since_ns || (b->since_ns && a->since_ns < b->since_ns));
}

void syscalls_in_flight_add(struct model_syscalls *s, const struct in_flight_call *call)
{
	int i;

	s->in_flight_threads++;
	if (s->n_in_flight == MODEL_MAX_IN_FLIGHT) {
		if (!in_flight_older(call, &s->in_flight[MODEL_MAX_IN_FLIGHT - 1]))
			return;
		s->n_in_flight--;
	}
	for (i = s->n_in_flight; i > 0 && in_flight_older(call, &s->in_flight[i - 1]); i--)
		s->in_flight[i] = s->in_flight[i - 1];
	s->in_flight[i] = *call;
	s->n_in_flight++;
}

int syscalls_set_errno(struct model_syscalls *s, __u32 nr, int err, __u64 cumulative)
{
	struct syscall_row *row = row_of(s, nr);
	struct errno_count *e;

	if (!row)
		return nr >= LATSCOPE_MAX_SYSCALLS ? -ERANGE : -ENOMEM;
	for (int i = 0; i < row->n_errnos; i++) {
		if (row->errnos[i].err == err) {
			row->errnos[i].seen.now = cumulative;
			return 0;
		}
	}
	if (row->n_errnos >= MODEL_MAX_ERRNOS)
		return -E2BIG;
	e = &row->errnos[row->n_errnos++];
	memset(e, 0, sizeof(*e));
	e->err = err;
	e->seen.now = cumulative;
	return 0;
}

const struct slow_call *syscalls_add_slow(struct model_syscalls *s,
					  const struct syscall_slow_rec *rec)
{
	struct slow_call call = {
		.ts_ns = rec->hdr.ts_ns,
		.tgid = rec->hdr.tgid,
		.tid = rec->hdr.tid,
		.nr = rec->nr,
		.arg0 = rec->arg0,
		.ret = rec->ret,
		.duration_ns = rec->duration_ns,
	};

	ring_log_push(&s->slow, &call);
	return ring_log_newest(&s->slow);
}

void syscalls_step(struct model_syscalls *s, enum readings_step step)
{
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		struct syscall_row *row = s->rows[i];

		if (!row)
			continue;
		lat_readings_step(&row->lat, step);
		for (int e = 0; e < row->n_errnos; e++)
			count_readings_step(&row->errnos[e].seen, step);
	}
}

static int by_count_desc(const void *a, const void *b)
{
	const struct errno_count *x = a, *y = b;

	return x->count < y->count ? 1 : x->count > y->count ? -1 : x->err - y->err;
}

static void fill_top_errnos(const struct syscall_row *row, enum model_window window,
			    struct syscall_view *v)
{
	struct errno_count all[MODEL_MAX_ERRNOS];
	int n = 0;

	for (int i = 0; i < row->n_errnos; i++) {
		all[n] = row->errnos[i];
		all[n].count = count_readings_window(&row->errnos[i].seen, window);
		if (all[n].count)
			n++;
	}
	qsort(all, n, sizeof(all[0]), by_count_desc);
	v->n_top_errnos = n < MODEL_TOP_ERRNOS ? n : MODEL_TOP_ERRNOS;
	memcpy(v->top_errnos, all, v->n_top_errnos * sizeof(all[0]));
}

static int by_total_desc(const void *a, const void *b)
{
	const struct syscall_view *x = a, *y = b;

	if (x->lat.total_ns != y->lat.total_ns)
		return x->lat.total_ns < y->lat.total_ns ? 1 : -1;
	return (int)x->nr - (int)y->nr;
}

int syscalls_views(struct model_syscalls *s, enum model_window window, const char *filter,
		   const struct syscall_view **views, int *n)
{
	double seconds = clock_window_seconds(s->clock, window);
	int count = 0;

	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		const struct syscall_row *row = s->rows[i];
		struct syscall_view *v = &s->views[count];
		struct lat_stats *hist = &s->view_hists[count];

		if (!row || !lat_readings_window(&row->lat, window, hist))
			continue;
		memset(v, 0, sizeof(*v));
		v->nr = row->nr;
		syscall_name_copy(row->nr, v->name, sizeof(v->name));
		if (!name_matches(v->name, filter))
			continue;
		v->hist = hist;
		lat_stats_summarize(hist, seconds, &v->lat);
		fill_top_errnos(row, window, v);
		count++;
	}
	qsort(s->views, count, sizeof(s->views[0]), by_total_desc);
	*views = s->views;
	*n = count;
	return 0;
}

void syscalls_totals(const struct model_syscalls *s, enum model_window window,
		     struct syscall_totals *out)
{
	memset(out, 0, sizeof(*out));
	out->seconds = clock_window_seconds(s->clock, window);
	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++) {
		const struct syscall_row *row = s->rows[i];

		if (!row)
			continue;
		out->count +=
			lat_readings_counter(&row->lat, window, offsetof(struct lat_stats, count));
		out->errors +=
			lat_readings_counter(&row->lat, window, offsetof(struct lat_stats, errors));
	}
	if (out->seconds > 0)
		out->rate_per_s = out->count / out->seconds;
	if (out->count)
		out->error_share = (double)out->errors / out->count;
}

__u64 syscalls_traced(const struct model_syscalls *s)
{
	__u64 traced = 0;

	for (int i = 0; i < LATSCOPE_MAX_SYSCALLS; i++)
		if (s->rows[i])
			traced += s->rows[i]->lat.now.count;
	return traced;
}
