// The budget in the text report: what is traced, what it costs, what was shed.
#include <string.h>
#include "base/format.h"
#include "views/text/budget.h"

static void print_traced(FILE *out, const struct budget *b, enum model_window window)
{
	char meaning[192];
	int shown = 0;

	fprintf(out, "traced:");
	for (int i = 0; i < b->n; i++) {
		const struct budget_family *f = &b->families[i];

		/* The lifecycle family follows processes; it traces nothing to report. */
		if (!strcmp(f->name, "lifecycle"))
			continue;
		fprintf(out, "%s %s", shown++ ? "," : "", f->name);
		if (!f->sheddable)
			continue;
		budget_meaning(b, f, window, meaning, sizeof(meaning));
		fprintf(out, " (%s)", meaning);
	}
	fputc('\n', out);
}

void report_budget_head(FILE *out, const struct model *model, enum model_window window)
{
	const struct budget *b = &model->overhead.budget;
	struct overhead_view v;

	print_traced(out, b, window);
	model_overhead_view(model, &v);
	fprintf(out, "cost: ");
	if (v.n_progs)
		fprintf(out, "kernel %.2f%% of one CPU", v.kernel_cpu_share * 100);
	else
		fprintf(out, "kernel unknown (BPF stats %s)", overhead_mode_name(v.mode));
	if (v.target_share > 0)
		fprintf(out, " = %.1f%% of the target's CPU time", v.target_share * 100);
	if (b->limit <= 0)
		fprintf(out, "; no budget (--max-overhead off)\n");
	else if (b->inactive)
		fprintf(out, "; budget %.2g%% of one CPU not kept: %s\n", b->limit * 100,
			b->inactive);
	else
		fprintf(out, "; budget %.2g%% of one CPU%s\n", b->limit * 100,
			b->over ? ", exceeded by what cannot be shed" : "");
}

void report_budget_events(FILE *out, const struct model *model)
{
	const struct budget *b = &model->overhead.budget;
	const struct budget_event *e;
	char when[16];

	if (b->limit > 0 && !b->inactive)
		fprintf(out, "  budget: %.2g%% of one CPU; last period %.3f%%%s\n", b->limit * 100,
			b->cost * 100, b->over ? ", over it with nothing left to shed" : "");
	for (int i = 0; (e = budget_event_at(b, i)); i++)
		fprintf(out, "  %s %s %s %s -> %s (%s: %.3f%% of one CPU, budget %.2g%%)\n",
			e->to > e->from ? "shed" : "restored",
			format_clock(model_realtime_ns(model, e->ts_ns), when, sizeof(when)),
			e->family, budget_level_name(e->from), budget_level_name(e->to),
			budget_cause_name(e->cause), e->cost * 100, e->limit * 100);
	if (b->n_events > BUDGET_MAX_EVENTS)
		fprintf(out, "  (%llu earlier budget changes not kept)\n",
			(unsigned long long)(b->n_events - BUDGET_MAX_EVENTS));
}
