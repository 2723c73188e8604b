// Windows as differences of two cumulative readings (see readings.h).
#include <string.h>
#include "base/latency.h"
#include "model/readings.h"

/* The readings a window lies between; READ_START is the empty beginning. */
enum reading { READ_NOW, READ_MARK, READ_PREV, READ_BASE, READ_TICK, READ_START };

static enum reading window_from(enum model_window w)
{
	switch (w) {
	case WINDOW_INTERVAL:
		return READ_MARK;
	case WINDOW_LAST_INTERVAL:
		return READ_PREV;
	case WINDOW_SINCE_RESET:
		return READ_BASE;
	case WINDOW_TICK:
		return READ_TICK;
	default:
		return READ_START;
	}
}

static enum reading window_to(enum model_window w)
{
	return w == WINDOW_LAST_INTERVAL || w == WINDOW_SINCE_RESET ? READ_MARK : READ_NOW;
}

/*
 * Every readings type is five values of one type in enum reading order;
 * one stepping function serves them all, given the value's size.
 */
static void step(void *readings, size_t size, enum readings_step s)
{
	char *at = readings;
#define AT(r) (at + (r)*size)

	switch (s) {
	case STEP_INTERVAL:
		memcpy(AT(READ_PREV), AT(READ_MARK), size);
		memcpy(AT(READ_MARK), AT(READ_NOW), size);
		break;
	case STEP_RESET:
		memcpy(AT(READ_BASE), AT(READ_NOW), size);
		memcpy(AT(READ_PREV), AT(READ_NOW), size);
		memcpy(AT(READ_MARK), AT(READ_NOW), size);
		break;
	case STEP_TICK:
		memcpy(AT(READ_TICK), AT(READ_NOW), size);
		break;
	}
#undef AT
}

void clock_start(struct model_clock *c, __u64 now_ns)
{
	c->start_ns = now_ns;
	c->now_ns = c->mark_ns = c->prev_ns = c->base_ns = c->tick_ns = now_ns;
}

void clock_step(struct model_clock *c, enum readings_step s)
{
	_Static_assert(offsetof(struct model_clock, tick_ns) -
				       offsetof(struct model_clock, now_ns) ==
			       READ_TICK * sizeof(__u64),
		       "clock in reading order");
	step(&c->now_ns, sizeof(__u64), s);
}

double clock_window_seconds(const struct model_clock *c, enum model_window w)
{
	const __u64 at[] = {
		c->now_ns, c->mark_ns, c->prev_ns, c->base_ns, c->tick_ns, c->start_ns
	};

	return (at[window_to(w)] - at[window_from(w)]) / 1e9;
}

_Static_assert(sizeof(struct count_readings) == (READ_TICK + 1) * sizeof(__u64),
	       "count readings in reading order");
_Static_assert(sizeof(struct lat_readings) == (READ_TICK + 1) * sizeof(struct lat_stats),
	       "latency readings in reading order");

static const struct lat_stats *lat_at(const struct lat_readings *r, enum reading which)
{
	return &r->now + which;
}

__u64 lat_readings_window(const struct lat_readings *r, enum model_window w, struct lat_stats *out)
{
	enum reading from = window_from(w), to = window_to(w);

	if (from == READ_START)
		*out = *lat_at(r, to);
	else
		lat_stats_window(out, lat_at(r, to), lat_at(r, from));
	return out->count;
}

__u64 lat_readings_counter(const struct lat_readings *r, enum model_window w, size_t offset)
{
	enum reading from = window_from(w);
	const char *to = (const char *)lat_at(r, window_to(w)) + offset;

	if (from == READ_START)
		return *(const __u64 *)to;
	return *(const __u64 *)to - *(const __u64 *)((const char *)lat_at(r, from) + offset);
}

__u64 count_readings_window(const struct count_readings *r, enum model_window w)
{
	const __u64 *at = &r->now;
	enum reading from = window_from(w);

	return at[window_to(w)] - (from == READ_START ? 0 : at[from]);
}

__u64 count_readings_at_end(const struct count_readings *r, enum model_window w)
{
	return (&r->now)[window_to(w)];
}

void lat_readings_step(struct lat_readings *r, enum readings_step s)
{
	step(r, sizeof(r->now), s);
}

void count_readings_step(struct count_readings *r, enum readings_step s)
{
	step(r, sizeof(r->now), s);
}
