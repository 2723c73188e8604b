// The budget in the JSON snapshot: overhead.budget, and each window's sampling.
#include "views/json/snapshot.h"

static json_t *level_json(int level)
{
	return json_pack("{s:s, s:f}", "level", budget_level_name(level), "duty",
			 budget_duty(level));
}

/* { "syscalls": { "sampled_share": 0.44, "meaning": "..." }, ... } shed families only */
json_t *snapshot_sampling(const struct model *model, enum model_window window)
{
	const struct budget *b = &model->overhead.budget;
	json_t *obj = json_object();
	char meaning[192];

	for (int i = 0; i < b->n; i++) {
		const struct budget_family *f = &b->families[i];

		if (!f->sheddable)
			continue;
		budget_meaning(b, f, window, meaning, sizeof(meaning));
		json_object_set_new(obj, f->name,
				    json_pack("{s:f, s:s}", "sampled_share",
					      budget_sampled_share(b, f, window), "meaning",
					      meaning));
	}
	return obj;
}

static json_t *events_json(const struct model *model)
{
	const struct budget *b = &model->overhead.budget;
	const struct budget_event *e;
	json_t *arr = json_array();

	for (int i = 0; (e = budget_event_at(b, i)); i++)
		json_array_append_new(
			arr, json_pack("{s:o, s:s, s:o, s:o, s:s, s:f, s:f}", "time",
				       snapshot_iso_time(model_realtime_ns(model, e->ts_ns)),
				       "family", e->family, "from", level_json(e->from), "to",
				       level_json(e->to), "cause", budget_cause_name(e->cause),
				       "cost_share", e->cost, "limit_share", e->limit));
	return arr;
}

json_t *snapshot_budget(const struct model *model)
{
	const struct budget *b = &model->overhead.budget;
	json_t *families = json_object();
	struct overhead_view v;

	model_overhead_view(model, &v);
	for (int i = 0; i < b->n; i++) {
		const struct budget_family *f = &b->families[i];
		json_t *fam =
			json_pack("{s:b, s:f}", "sheddable", f->sheddable, "cost_share", f->cost);

		if (f->sheddable) {
			json_object_set_new(fam, "now", level_json(f->level));
			json_object_set_new(fam, "at_most", level_json(f->min_level));
			json_object_set_new(fam, "longest_seen_ns",
					    f->longest_seen_ns ? json_integer(f->longest_seen_ns)
							       : json_null());
		}
		json_object_set_new(families, f->name, fam);
	}
	return json_pack("{s:f, s:s, s:b, s:s?, s:f, s:b, s:f, s:f, s:f, s:o, s:o, s:o, s:I}",
			 "limit_share", b->limit, "denominator", "one_cpu", "kept",
			 b->limit > 0 && !b->inactive, "inactive", b->inactive,
			 "last_period_cost_share", b->cost, "over", b->over, "kernel_cpu_share",
			 v.kernel_cpu_share, "target_cpu_time_share", v.target_share,
			 "target_cpu_share", v.target_cpu_share, "families", families, "sampling",
			 snapshot_sampling(model, WINDOW_TOTAL), "events", events_json(model),
			 "events_total", (json_int_t)b->n_events);
}
