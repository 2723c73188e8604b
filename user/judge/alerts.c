// Live alerts: breach and recovery of expressions judged every tick.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "judge/alerts.h"
#include "base/format.h"
#include "model/model.h"
#include "views/json/snapshot.h"

enum alert_change alert_step(struct alert *a, const struct expr_result *res, __u64 realtime_ns)
{
	if (res->verdict == EXPR_NO_DATA)
		return ALERT_SAME;
	a->last = *res;
	if (a->breached == (res->verdict == EXPR_FAIL))
		return ALERT_SAME;
	a->breached = !a->breached;
	a->since_ns = realtime_ns;
	if (a->breached)
		a->breaches++;
	return a->breached ? ALERT_BREACH : ALERT_RECOVERY;
}

int alerts_add(struct alerts *alerts, const char *text, char *why, size_t len)
{
	struct alert *items;
	struct expr_error err;
	struct expr *e;

	if (expr_parse(text, &e, &err)) {
		snprintf(why, len, "column %d: %s", err.column, err.msg);
		return -EINVAL;
	}
	items = realloc(alerts->items, (alerts->n + 1) * sizeof(*items));
	if (!items) {
		expr_free(e);
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	alerts->items = items;
	memset(&items[alerts->n], 0, sizeof(items[0]));
	items[alerts->n++].expr = e;
	return 0;
}

static void keep_event(struct alerts *alerts, const struct alert_event *ev)
{
	if (!alerts->events) {
		alerts->events = calloc(ALERTS_KEEP_EVENTS, sizeof(*ev));
		if (!alerts->events)
			return;
	}
	if (alerts->n_events == ALERTS_KEEP_EVENTS) {
		memmove(alerts->events, alerts->events + 1, (ALERTS_KEEP_EVENTS - 1) * sizeof(*ev));
		alerts->n_events--;
	}
	alerts->events[alerts->n_events++] = *ev;
	alerts->total_events++;
}

int alerts_tick(struct alerts *alerts, struct model *model, __u64 realtime_ns)
{
	int changes = 0;

	for (int i = 0; i < alerts->n; i++) {
		struct alert *a = &alerts->items[i];
		struct alert_event ev = { .alert = i, .realtime_ns = realtime_ns };
		struct expr_result res;

		expr_eval_live(a->expr, model, WINDOW_TICK, &res);
		ev.change = alert_step(a, &res, realtime_ns);
		if (ev.change == ALERT_SAME)
			continue;
		snprintf(ev.measured, sizeof(ev.measured), "%s", res.measured);
		snprintf(ev.limit, sizeof(ev.limit), "%s", res.limit);
		keep_event(alerts, &ev);
		changes++;
	}
	model_mark_tick(model);
	return changes;
}

void alerts_print_event(FILE *out, const struct alerts *alerts, const struct alert_event *ev)
{
	char clock[32];

	fprintf(out, "alert %s %s %s: %s (limit %s)\n",
		format_clock(ev->realtime_ns, clock, sizeof(clock)),
		ev->change == ALERT_BREACH ? "BREACH" : "RECOVERED",
		expr_text(alerts->items[ev->alert].expr), ev->measured, ev->limit);
	fflush(out);
}

int alerts_judge(struct alerts *alerts, struct model *model, FILE *out)
{
	int changes;

	if (!alerts->n)
		return 0;
	changes = alerts_tick(alerts, model, model_realtime_ns(model, model->clock.now_ns));
	for (int i = changes; i > 0; i--)
		alerts_print_event(out, alerts, &alerts->events[alerts->n_events - i]);
	return changes;
}

int alerts_take_option(void *ctx, const char *name, const char *value, char *why, size_t len)
{
	char reason[200];
	int err = alerts_add(ctx, value, reason, sizeof(reason));

	if (err)
		snprintf(why, len, "--alert '%s': %s", value, reason);
	return err;
}

json_t *alerts_json(const struct alerts *alerts)
{
	json_t *rules = json_array(), *events = json_array();

	for (int i = 0; i < alerts->n; i++) {
		const struct alert *a = &alerts->items[i];

		json_array_append_new(
			rules, json_pack("{s:s, s:s, s:i, s:s}", "expression", expr_text(a->expr),
					 "state", a->breached ? "breached" : "ok", "breaches",
					 (int)a->breaches, "last_measured", a->last.measured));
	}
	for (size_t i = 0; i < alerts->n_events; i++) {
		const struct alert_event *ev = &alerts->events[i];

		json_array_append_new(
			events, json_pack("{s:s, s:o, s:s, s:s, s:s}", "type",
					  ev->change == ALERT_BREACH ? "breach" : "recovery",
					  "time", snapshot_iso_time(ev->realtime_ns), "expression",
					  expr_text(alerts->items[ev->alert].expr), "measured",
					  ev->measured, "limit", ev->limit));
	}
	return json_pack("{s:s, s:o, s:I, s:o}", "window", "tick", "rules", rules, "total_events",
			 (json_int_t)alerts->total_events, "events", events);
}

void alerts_free(struct alerts *alerts)
{
	for (int i = 0; i < alerts->n; i++)
		expr_free(alerts->items[i].expr);
	free(alerts->items);
	free(alerts->events);
	memset(alerts, 0, sizeof(*alerts));
}
