// The text exposition formats: Prometheus text 0.0.4 and OpenMetrics 1.0.
#include <string.h>
#include "base/format.h"
#include "views/metrics/series.h"

static void write_escaped(FILE *out, const char *s)
{
	if (!strpbrk(s, "\\\"\n")) {
		fputs(s, out);
		return;
	}
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* fputs rather than fprintf: this runs for every line, ~30 per histogram. */
static void write_line(struct writer *w, const char *name, const char *suffix,
		       const struct label *labels, int n, const char *le, const char *value)
{
	FILE *out = w->out;

	fputs(name, out);
	fputs(suffix, out);
	for (int i = 0; i < n; i++) {
		fputc(i ? ',' : '{', out);
		fputs(labels[i].name, out);
		fputs("=\"", out);
		write_escaped(out, labels[i].value);
		fputc('"', out);
	}
	if (le) {
		fputs(n ? ",le=\"" : "{le=\"", out);
		fputs(le, out);
		fputc('"', out);
	}
	if (n || le)
		fputc('}', out);
	fputc(' ', out);
	fputs(value, out);
	fputc('\n', out);
}

static bool is_counter(const struct family *f)
{
	return !strcmp(f->type, "counter");
}

/* Text 0.0.4 names a counter family by its sample (_total); OpenMetrics not. */
static void text_family(struct writer *w, const struct family *f)
{
	bool om = w->openmetrics;
	const char *total = !om && is_counter(f) ? "_total" : "";

	fprintf(w->out, "# HELP %s%s %s\n", f->name, total, f->help);
	fprintf(w->out, "# TYPE %s%s %s\n", f->name, total, f->type);
	if (om && f->unit)
		fprintf(w->out, "# UNIT %s %s\n", f->name, f->unit);
}

static void text_sample(struct writer *w, const struct family *f, const struct label *labels, int n,
			enum value_unit unit, __u64 value)
{
	char text[32];

	if (unit == AS_SECONDS)
		format_exact_seconds(value, text, sizeof(text));
	else if (unit == AS_MILLIONTHS) /* the same decimal point, three places on */
		format_exact_seconds(value * 1000, text, sizeof(text));
	else
		u64_str(value, text, sizeof(text));
	write_line(w, f->name, is_counter(f) ? "_total" : "", labels, n, NULL, text);
}

/*
 * The cumulative count at each `le` is the sum of the latscope buckets at
 * or below it (config.h: by their midpoints); _count is the bucket sum, so
 * it always equals the +Inf bucket.
 */
static void text_histogram(struct writer *w, const struct family *f, const struct lat_series *s)
{
	const struct metrics_exporter *mx = w->mx;
	char sum[32], value[32];
	__u64 cumulative = 0;
	__u32 b = 0;

	for (int k = 0; k < mx->n_bounds; k++) {
		for (; b < mx->cuts[k]; b++)
			cumulative += s->hist->buckets[b];
		write_line(w, f->name, "_bucket", s->labels, s->n_labels, mx->le[k],
			   u64_str(cumulative, value, sizeof(value)));
	}
	for (; b < HIST_BUCKETS; b++)
		cumulative += s->hist->buckets[b];
	u64_str(cumulative, value, sizeof(value));
	write_line(w, f->name, "_bucket", s->labels, s->n_labels, "+Inf", value);
	write_line(w, f->name, "_sum", s->labels, s->n_labels, NULL,
		   format_exact_seconds(s->hist->total_ns, sum, sizeof(sum)));
	write_line(w, f->name, "_count", s->labels, s->n_labels, NULL, value);
}

static int text_finish(struct writer *w)
{
	if (w->openmetrics)
		fputs("# EOF\n", w->out);
	return 0;
}

const struct writer_ops text_writer_ops = {
	.family = text_family,
	.sample = text_sample,
	.histogram = text_histogram,
	.finish = text_finish,
};
