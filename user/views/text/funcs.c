// Text report: the function latency table and what each probe costs.
#include "base/format.h"
#include "model/funcs.h"
#include "views/text/funcs.h"

#define NAME_WIDTH    24
#define MODULE_WIDTH  14
#define MAX_COST_ROWS 10

static void print_row(FILE *out, const struct func_view *v)
{
	char count[16], rate[16], total[16], self[16], min[16], max[16];
	char q[LAT_QUANTILES][16];

	for (int i = 0; i < LAT_QUANTILES; i++)
		format_duration(v->lat.quantile_ns[i], q[i], sizeof(q[i]));
	fprintf(out, "%-*.*s %-*.*s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", NAME_WIDTH,
		NAME_WIDTH, v->name, MODULE_WIDTH, MODULE_WIDTH, v->module,
		format_count(v->lat.count, count, sizeof(count)),
		format_count(v->lat.rate_per_s, rate, sizeof(rate)),
		format_duration(v->lat.total_ns, total, sizeof(total)),
		format_duration(v->self_ns, self, sizeof(self)),
		format_duration(v->lat.min_ns, min, sizeof(min)), q[0], q[1], q[2], q[3], q[4],
		format_duration(v->lat.max_ns, max, sizeof(max)));
}

void report_funcs_print(FILE *out, struct model *model, enum model_window window)
{
	const struct func_view *views;
	int n;

	if (!funcs_any(model->funcs))
		return;
	funcs_views(model->funcs, window, NULL, &views, &n);
	if (!n) {
		fprintf(out, "no traced function was called\n");
		return;
	}
	fprintf(out, "%-*s %-*s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", NAME_WIDTH,
		"FUNCTION", MODULE_WIDTH, "MODULE", "CALLS", "RATE/s", "TOTAL", "SELF", "MIN",
		"P50", "P90", "P95", "P99", "P99.9", "MAX");
	for (int i = 0; i < n; i++)
		print_row(out, &views[i]);
}

void report_funcs_costs(FILE *out, struct model *model)
{
	const struct func_cost *c;
	char rate[16], per_hit[16];
	int n;

	if (!funcs_any(model->funcs))
		return;
	model_func_costs(model, &c, &n);
	fprintf(out,
		"  probes (cost per hit = BPF run time + traps: >= %.0fus, >= %.0fus when the first instruction is single-stepped):\n",
		FUNC_TRAP_NS_FLOOR / 1000, FUNC_STEP_NS_FLOOR / 1000);
	fprintf(out, "    %-*s %10s %8s %8s  %s\n", NAME_WIDTH, "FUNCTION", "HITS/s", "NS/HIT",
		"CPU%", "FIRST INSN");
	for (int i = 0; i < n && i < MAX_COST_ROWS; i++)
		fprintf(out, "    %-*.*s %10s %8.0f %8.3f  %s\n", NAME_WIDTH, NAME_WIDTH, c[i].name,
			format_count(c[i].hits_per_s, rate, sizeof(rate)), c[i].ns_per_hit,
			c[i].cpu_share * 100, c[i].stepped ? "single-stepped" : "emulated");
	if (n > MAX_COST_ROWS)
		fprintf(out, "    ... %d more\n", n - MAX_COST_ROWS);
	for (int i = 0; i < n && c[i].hot; i++)
		fprintf(out,
			"  warning: the probe on %s (%s) fires %s times/s at >= %s each: >= %.1f%% of a CPU added to the target, which is measurably slower\n",
			c[i].name, c[i].module, format_count(c[i].hits_per_s, rate, sizeof(rate)),
			format_duration((__u64)c[i].ns_per_hit, per_hit, sizeof(per_hit)),
			c[i].cpu_share * 100);
	if (model->health[HEALTH_FUNC_TOO_DEEP] || model->health[HEALTH_FUNC_UNPAIRED])
		fprintf(out,
			"  function calls not measured: %llu nested deeper than %d, %llu returns without their entry\n",
			(unsigned long long)model->health[HEALTH_FUNC_TOO_DEEP],
			LATSCOPE_FUNC_DEPTH,
			(unsigned long long)model->health[HEALTH_FUNC_UNPAIRED]);
}
