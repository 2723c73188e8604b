// Text report: the resources section, one block per traced process, from
// the family table: each family's report lines with their fields filled in.
#include <string.h>
#include "base/format.h"
#include "views/text/resources.h"

/* "resources (groups: block net; off: --sched --faults)" */
static void print_groups(FILE *out, const struct resources *res)
{
	const char *sep = "; off:";
	bool any = false;

	fprintf(out, "resources (groups:");
	for (int i = 0; i < res_n_families; i++) {
		if (res_families[i].optional && (res->groups & RES_GROUP_BIT(i))) {
			fprintf(out, " %s", res_families[i].name);
			any = true;
		}
	}
	if (!any)
		fprintf(out, " none");
	for (int i = 0; i < res_n_families; i++) {
		if (!res_families[i].optional || (res->groups & RES_GROUP_BIT(i)))
			continue;
		fprintf(out, "%s --%s", sep, res_families[i].name);
		sep = "";
	}
	fprintf(out, ")\n");
}

static const struct res_field *field_named(const struct res_family *f, const char *name, size_t len)
{
	for (int i = 0; i < f->n_fields; i++)
		if (f->fields[i].json && strlen(f->fields[i].json) == len &&
		    !strncmp(f->fields[i].json, name, len))
			return &f->fields[i];
	return NULL;
}

static void print_value(FILE *out, const struct res_view *v, const struct res_family *f,
			const struct res_field *field)
{
	double x = res_field_value(v, f, field);
	char buf[32];

	switch (field->unit) {
	case RES_UNIT_BYTES:
		fputs(format_byte_count((__u64)x, buf, sizeof(buf)), out);
		break;
	case RES_UNIT_KIB:
		fputs(format_kib((long)x, buf, sizeof(buf)), out);
		break;
	case RES_UNIT_NS:
		fputs(format_duration((__u64)x, buf, sizeof(buf)), out);
		break;
	case RES_UNIT_SHARE:
		fprintf(out, "%.1f%%", x * 100);
		break;
	case RES_UNIT_RATE:
		fputs(format_count(x, buf, sizeof(buf)), out);
		break;
	case RES_UNIT_FLAG:
		fputs(x ? field->text_true : "", out);
		break;
	case RES_UNIT_COUNT:
		fprintf(out, "%lld", (long long)x);
		break;
	}
}

/* One report line: "{field}" placeholders replaced by the fields' values. */
static void print_line(FILE *out, const struct res_view *v, const struct res_family *f,
		       const char *line)
{
	fputs("    ", out);
	while (*line) {
		const char *open = strchr(line, '{'), *close;
		const struct res_field *field;

		if (!open || !(close = strchr(open, '}'))) {
			fputs(line, out);
			break;
		}
		fwrite(line, 1, open - line, out);
		field = field_named(f, open + 1, close - open - 1);
		if (field)
			print_value(out, v, f, field);
		else /* a table typo shows, rather than vanish */
			fwrite(open, 1, close - open + 1, out);
		line = close + 1;
	}
	fputc('\n', out);
}

static void print_latencies(FILE *out, const struct res_view *v)
{
	bool header = false;

	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		for (int h = 0; h < f->n_hists; h++) {
			const struct lat_summary *l = res_view_hist(v, f, h);
			char q[LAT_QUANTILES][16], max[16], count[16];

			if (!l->count)
				continue;
			if (!header)
				fprintf(out, "    %-12s %8s %8s %8s %8s %8s %8s %8s\n", "LATENCY",
					"COUNT", "P50", "P90", "P95", "P99", "P99.9", "MAX");
			header = true;
			for (int k = 0; k < LAT_QUANTILES; k++)
				format_duration(l->quantile_ns[k], q[k], sizeof(q[k]));
			fprintf(out, "    %-12s %8s %8s %8s %8s %8s %8s %8s\n", f->hists[h].title,
				format_count(l->count, count, sizeof(count)), q[0], q[1], q[2],
				q[3], q[4], format_duration(l->max_ns, max, sizeof(max)));
		}
	}
}

static void print_process(FILE *out, const struct resources *res, const struct res_view *v)
{
	fprintf(out, "  pid %u (%s)", v->proc->tgid, v->proc->comm);
	if (v->proc->ns_pid && v->proc->ns_pid != v->proc->tgid)
		fprintf(out, " [pid %u in its PID namespace]", v->proc->ns_pid);
	fputc('\n', out);
	for (int i = 0; i < res_n_families; i++) {
		const struct res_family *f = &res_families[i];

		if (!res_family_shown(res, f, v))
			continue;
		for (const char *const *line = f->text; line && *line; line++)
			print_line(out, v, f, *line);
	}
	print_latencies(out, v);
}

void report_text_resources(FILE *out, struct model *model, enum model_window window)
{
	const struct res_view *views;
	int n;

	resources_views(&model->res, window, NULL, &views, &n);
	if (!n)
		return;
	print_groups(out, &model->res);
	for (int i = 0; i < n; i++)
		print_process(out, &model->res, &views[i]);
}
