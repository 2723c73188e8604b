// When each shed family's programs are attached.
#include <errno.h>
#include <string.h>
#include <time.h>
#include "loader/duty_cycle.h"
#include "loader/probe.h"

__u64 duty_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

int duty_cycle_add(struct duty_cycle *dc, const struct probe_family *f, void *state)
{
	if (dc->n >= DUTY_MAX_FAMILIES)
		return -E2BIG;
	dc->families[dc->n++] = (struct duty_family){
		.family = f,
		.state = state,
		.entry_on = true,
		.completion_on = true,
	};
	return 0;
}

struct duty_family *duty_cycle_find(struct duty_cycle *dc, const char *name)
{
	for (int i = 0; i < dc->n; i++)
		if (!strcmp(dc->families[i].family->name, name))
			return &dc->families[i];
	return NULL;
}

/*
 * A level's sub-period and its windows: the entry attached for the first
 * 1/2^level of it, never less than DUTY_MIN_WINDOW_NS (so sub-periods
 * grow at the lowest duties), the completion for twice that.
 */
static void schedule_of(int level, __u64 *period_ns, __u64 *entry_ns, __u64 *completion_ns)
{
	__u64 period = DUTY_SUBPERIOD_NS;

	while ((period >> level) < DUTY_MIN_WINDOW_NS && period < DUTY_MAX_SUBPERIOD_NS)
		period *= 2;
	*period_ns = period;
	*entry_ns = period >> level;
	*completion_ns = 2 * *entry_ns < period ? 2 * *entry_ns : period;
}

/* What should be attached at @now; *due: when that changes next. */
static void desired(const struct duty_family *f, __u64 now, bool *entry, bool *completion,
		    __u64 *due)
{
	__u64 period, entry_ns, completion_ns, at, start;

	*entry = *completion = true;
	*due = 0;
	if (!f->level)
		return;
	schedule_of(f->level, &period, &entry_ns, &completion_ns);
	at = now > f->anchor_ns ? (now - f->anchor_ns) % period : 0;
	start = now - at;
	*entry = at < entry_ns;
	*completion = completion_ns >= period || at < completion_ns;
	if (*entry)
		*due = start + entry_ns;
	else if (*completion)
		*due = start + completion_ns;
	else
		*due = start + period;
}

/* Attaches before detaches: the completion first on, the entry first off. */
static int apply(struct duty_family *f, bool entry, bool completion)
{
	int err = 0;

	if (completion && !f->completion_on) {
		err = f->family->shed(f->state, false, true);
		if (!err)
			f->completion_on = true;
	}
	if (!err && entry != f->entry_on) {
		err = f->family->shed(f->state, true, entry);
		if (!err)
			f->entry_on = entry;
	}
	if (!err && !completion && f->completion_on) {
		err = f->family->shed(f->state, false, false);
		if (!err)
			f->completion_on = false;
	}
	return err;
}

/*
 * An attach can take tens of milliseconds on a busy machine (the kernel
 * waits for its readers), longer than a window: look again after it.
 */
static int run_family(struct duty_family *f)
{
	bool entry, completion;
	__u64 due;
	int err = 0;

	for (int tries = 0; tries < 3 && !err; tries++) {
		desired(f, duty_now_ns(), &entry, &completion, &due);
		if (entry == f->entry_on && completion == f->completion_on)
			break;
		err = apply(f, entry, completion);
	}
	return err;
}

int duty_cycle_set(struct duty_family *f, int level, __u64 now)
{
	f->anchor_ns = now;
	f->level = level;
	return run_family(f);
}

__u64 duty_cycle_next(const struct duty_cycle *dc, __u64 now)
{
	__u64 next = 0;

	for (int i = 0; i < dc->n; i++) {
		const struct duty_family *f = &dc->families[i];
		bool entry, completion;
		__u64 due;

		desired(f, now, &entry, &completion, &due);
		/* Behind (a slow attach, a late wake-up): due at once. */
		if (entry != f->entry_on || completion != f->completion_on)
			due = now;
		if (due && (!next || due < next))
			next = due;
	}
	return next;
}

int duty_cycle_run(struct duty_cycle *dc)
{
	int err = 0;

	for (int i = 0; i < dc->n && !err; i++)
		err = run_family(&dc->families[i]);
	return err;
}
