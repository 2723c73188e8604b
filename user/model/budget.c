// The overhead budget: its families, the controller, and what shedding means.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "model/budget.h"

void budget_init(struct budget *b, const struct model_clock *clock, double limit)
{
	memset(b, 0, sizeof(*b));
	b->clock = clock;
	b->limit = limit;
	b->hold = BUDGET_HOLD_TICKS;
	b->ticks_since_restore = BUDGET_MAX_HOLD_TICKS;
}

int budget_add_family(struct budget *b, const char *name, bool sheddable)
{
	if (b->n >= BUDGET_MAX_FAMILIES)
		return -E2BIG;
	b->families[b->n] = (struct budget_family){ .name = name, .sheddable = sheddable };
	return b->n++;
}

struct budget_family *budget_find(struct budget *b, const char *name)
{
	for (int i = 0; i < b->n; i++)
		if (!strcmp(b->families[i].name, name))
			return &b->families[i];
	return NULL;
}

double budget_duty(int level)
{
	return 1.0 / (double)(1U << level);
}

/* What the families would cost at @levels, by cost per unit of duty. */
static double predicted(const struct budget *b, const double per_duty[], const int levels[])
{
	double sum = 0;

	for (int i = 0; i < b->n; i++)
		sum += b->families[i].sheddable ? per_duty[i] * budget_duty(levels[i])
						: b->families[i].cost;
	return sum;
}

/*
 * Over budget: shed the costliest family first, as far as needed to reach
 * the target, then the next one. Within a period a family's cost scales
 * with its duty, so its cost at full duty is its cost now over its duty.
 */
static void shed(const struct budget *b, const double per_duty[], int levels[])
{
	double target = BUDGET_SHED_TARGET * b->limit, pred = predicted(b, per_duty, levels);

	while (pred > target) {
		int j = -1, level;
		double rest, need;

		for (int i = 0; i < b->n; i++) {
			if (!b->families[i].sheddable || levels[i] >= BUDGET_LEVELS - 1)
				continue;
			if (j < 0 || per_duty[i] * budget_duty(levels[i]) >
					     per_duty[j] * budget_duty(levels[j]))
				j = i;
		}
		if (j < 0 || per_duty[j] <= 0)
			return;
		rest = pred - per_duty[j] * budget_duty(levels[j]);
		need = (target - rest) / per_duty[j];
		level = levels[j] + 1;
		while (level < BUDGET_LEVELS - 1 && budget_duty(level) > need)
			level++;
		levels[j] = level;
		pred = rest + per_duty[j] * budget_duty(level);
	}
}

/*
 * Well under budget: give duty back a step at a time, where it costs
 * least first, while the prediction stays below the restore line.
 */
static void restore(const struct budget *b, const double per_duty[], int levels[])
{
	double line = BUDGET_RESTORE_BELOW * b->limit, pred = predicted(b, per_duty, levels);

	for (;;) {
		double step, best = 0;
		int j = -1;

		for (int i = 0; i < b->n; i++) {
			if (!b->families[i].sheddable || levels[i] <= b->families[i].min_level)
				continue;
			step = per_duty[i] * (budget_duty(levels[i] - 1) - budget_duty(levels[i]));
			if (j < 0 || step < best) {
				j = i;
				best = step;
			}
		}
		if (j < 0 || pred + best > line)
			return;
		levels[j]--;
		pred += best;
	}
}

void budget_decide(const struct budget *b, int levels[BUDGET_MAX_FAMILIES])
{
	double per_duty[BUDGET_MAX_FAMILIES] = { 0 };

	for (int i = 0; i < b->n; i++) {
		const struct budget_family *f = &b->families[i];

		levels[i] = f->level < f->min_level ? f->min_level : f->level;
		per_duty[i] = f->cost / budget_duty(f->level);
	}
	/* No budget to keep: only the caps hold. */
	if (b->limit <= 0 || b->inactive) {
		for (int i = 0; i < b->n; i++)
			levels[i] = b->families[i].min_level;
		return;
	}
	if (b->cost > b->limit)
		shed(b, per_duty, levels);
	else if (b->ticks_since_change >= b->hold)
		restore(b, per_duty, levels);
}

static void log_event(struct budget *b, struct budget_family *f, int from, enum budget_cause cause,
		      __u64 now)
{
	if (f->level > from)
		f->sheds++;
	else
		f->restores++;
	b->events[b->n_events++ % BUDGET_MAX_EVENTS] = (struct budget_event){
		.ts_ns = now,
		.family = f->name,
		.from = from,
		.to = f->level,
		.cause = cause,
		.cost = cause == BUDGET_SERVER ? f->cost : b->cost,
		.limit = b->limit,
	};
}

void budget_apply(struct budget *b, const int levels[BUDGET_MAX_FAMILIES], __u64 now)
{
	bool shed = false, restored = false;
	double per_duty[BUDGET_MAX_FAMILIES];

	for (int i = 0; i < b->n; i++) {
		struct budget_family *f = &b->families[i];
		int from = f->level;

		per_duty[i] = f->cost / budget_duty(from);
		if (levels[i] == from)
			continue;
		f->level = levels[i];
		shed |= levels[i] > from;
		restored |= levels[i] < from;
		log_event(b, f, from, levels[i] > from ? BUDGET_OVER : BUDGET_UNDER, now);
	}
	/* A restore shed again soon: the load sits near the budget, hold longer. */
	if (shed && b->ticks_since_restore < 2 * b->hold)
		b->hold = 2 * b->hold < BUDGET_MAX_HOLD_TICKS ? 2 * b->hold : BUDGET_MAX_HOLD_TICKS;
	b->ticks_since_change = shed || restored ? 0 : b->ticks_since_change + 1;
	b->ticks_since_restore = restored ? 0 : b->ticks_since_restore + 1;
	if (b->ticks_since_change >= BUDGET_MAX_HOLD_TICKS)
		b->hold = BUDGET_HOLD_TICKS;
	b->over = b->limit > 0 && !b->inactive && predicted(b, per_duty, levels) > b->limit;
}

void budget_cap(struct budget *b, struct budget_family *f, int min_level, enum budget_cause cause,
		__u64 now)
{
	int from = f->level;

	f->min_level = min_level;
	if (f->level >= min_level)
		return;
	f->level = min_level;
	log_event(b, f, from, cause, now);
}

void budget_step(struct budget *b, enum readings_step step)
{
	for (int i = 0; i < b->n; i++)
		count_readings_step(&b->families[i].shed_ns, step);
}

int budget_events_kept(const struct budget *b)
{
	return b->n_events < BUDGET_MAX_EVENTS ? (int)b->n_events : BUDGET_MAX_EVENTS;
}

const struct budget_event *budget_event_at(const struct budget *b, int i)
{
	int kept = budget_events_kept(b);

	if (i < 0 || i >= kept)
		return NULL;
	return &b->events[(b->n_events - kept + i) % BUDGET_MAX_EVENTS];
}

double budget_sampled_share(const struct budget *b, const struct budget_family *f,
			    enum model_window window)
{
	double window_ns = clock_window_seconds(b->clock, window) * 1e9;
	double shed_ns = (double)count_readings_window(&f->shed_ns, window);

	if (window_ns <= 0)
		return f->level ? budget_duty(f->level) : 1.0;
	return shed_ns >= window_ns ? 0.0 : 1.0 - shed_ns / window_ns;
}

bool budget_shed_in(const struct budget *b, enum model_window window)
{
	for (int i = 0; i < b->n; i++)
		if (b->families[i].level || count_readings_window(&b->families[i].shed_ns, window))
			return true;
	return false;
}

void budget_meaning(const struct budget *b, const struct budget_family *f, enum model_window window,
		    char *buf, size_t len)
{
	double share = budget_sampled_share(b, f, window);
	size_t n;

	if (!f->level && !count_readings_window(&f->shed_ns, window)) {
		snprintf(buf, len, "traced in full");
		return;
	}
	n = snprintf(
		buf, len,
		"sampled %.1f %% of the time (now %s): counts scaled, percentiles from samples",
		share * 100, budget_level_name(f->level));
	if (f->longest_seen_ns && n < len)
		snprintf(buf + n, len - n, "; calls over %.1fms not seen while sampled",
			 f->longest_seen_ns / 1e6);
}

const char *budget_level_name(int level)
{
	static const char *const names[BUDGET_LEVELS] = { "full", "1/2",  "1/4",  "1/8",
							  "1/16", "1/32", "1/64", "1/128" };

	return level >= 0 && level < BUDGET_LEVELS ? names[level] : "?";
}

const char *budget_cause_name(enum budget_cause cause)
{
	switch (cause) {
	case BUDGET_OVER:
		return "over budget";
	case BUDGET_UNDER:
		return "under budget";
	case BUDGET_SERVER:
		return "server defaults";
	}
	return "?";
}
