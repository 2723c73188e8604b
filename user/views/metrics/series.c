// Labelled series, folding and the exposition writer of the metrics view.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "base/format.h"
#include "views/metrics/series.h"

static bool key_in(char *const *keys, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

/* True when @key has (or now gets) a series of its own. */
bool fold_admit(struct fold_table *t, int cap, const char *key)
{
	char **grown, *copy;

	if (key_in(t->admitted, t->n_admitted, key))
		return true;
	if (t->n_admitted < cap) {
		copy = strdup(key);
		if (!copy)
			return false; /* out of memory: fold rather than fail */
		t->admitted[t->n_admitted++] = copy;
		return true;
	}
	if (key_in(t->folded, t->n_folded, key))
		return false;
	grown = realloc(t->folded, (t->n_folded + 1) * sizeof(*grown));
	if (!grown)
		return false;
	t->folded = grown;
	copy = strdup(key);
	if (copy)
		t->folded[t->n_folded++] = copy;
	return false;
}

void series_begin(struct metrics_exporter *mx, struct fold_table *t)
{
	memset(&t->other, 0, sizeof(t->other));
	t->other_used = false;
	mx->n_series = 0;
}

/* @row's own series, or its histogram merged into the group's "other". */
void series_add(struct metrics_exporter *mx, struct fold_table *t, const char *key,
		const struct lat_series *row)
{
	if (fold_admit(t, mx->series_cap, key)) {
		mx->series[mx->n_series++] = *row;
		return;
	}
	lat_stats_merge(&t->other, row->hist);
	if (t->other_used) {
		for (size_t i = 0; i < MAX_COUNTS; i++)
			t->other_series.counts[i] += row->counts[i];
		return;
	}
	t->other_used = true;
	t->other_series = *row;
	for (int i = 0; i < row->n_labels; i++)
		t->other_series.labels[i].value = OTHER;
	t->other_series.hist = &t->other;
}

void series_end(struct metrics_exporter *mx, struct fold_table *t)
{
	if (t->other_used)
		mx->series[mx->n_series++] = t->other_series;
}

const char *u64_str(__u64 v, char *buf, size_t len)
{
	snprintf(buf, len, "%llu", (unsigned long long)v);
	return buf;
}

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

/* fputs rather than fprintf: this runs for every line, ~25 per histogram. */
void write_sample(struct writer *w, const char *name, const char *suffix,
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

/* Text 0.0.4 names a counter family by its sample (_total); OpenMetrics not. */
void write_header(struct writer *w, const struct family *f)
{
	bool om = w->openmetrics;
	const char *total = !om && !strcmp(f->type, "counter") ? "_total" : "";

	fprintf(w->out, "# HELP %s%s %s\n", f->name, total, f->help);
	fprintf(w->out, "# TYPE %s%s %s\n", f->name, total, f->type);
	if (om && f->unit)
		fprintf(w->out, "# UNIT %s %s\n", f->name, f->unit);
}

void write_counter(struct writer *w, const struct family *f, const struct label *labels, int n,
		   const char *value)
{
	write_sample(w, f->name, "_total", labels, n, NULL, value);
}

/*
 * Every bound is a latscope bucket boundary, so the samples at or below it
 * are exactly those in the buckets before the bound's own bucket. (A sample
 * of exactly B ns stands for a duration in [B, B + 1 ns); it lands above
 * `le` B, as a duration just over B would.)
 */
void write_histogram(struct metrics_exporter *mx, struct writer *w, const struct family *f,
		     const struct lat_series *s)
{
	char sum[32], value[32];
	__u64 cumulative = 0;
	__u32 b = 0;

	for (int k = 0; k < mx->n_bounds; k++) {
		__u32 end = hist_bucket_of(mx->bounds_ns[k]);

		for (; b < end; b++)
			cumulative += s->hist->buckets[b];
		write_sample(w, f->name, "_bucket", s->labels, s->n_labels, mx->le[k],
			     u64_str(cumulative, value, sizeof(value)));
	}
	/* _count is the bucket sum, so it always equals the +Inf bucket. */
	for (; b < HIST_BUCKETS; b++)
		cumulative += s->hist->buckets[b];
	u64_str(cumulative, value, sizeof(value));
	write_sample(w, f->name, "_bucket", s->labels, s->n_labels, "+Inf", value);
	write_sample(w, f->name, "_sum", s->labels, s->n_labels, NULL,
		     format_exact_seconds(s->hist->total_ns, sum, sizeof(sum)));
	write_sample(w, f->name, "_count", s->labels, s->n_labels, NULL, value);
}

/* A histogram family and its error counter (if any) over the section's series. */
void write_latency_families(struct metrics_exporter *mx, struct writer *w,
			    const struct family *duration, const struct family *errors)
{
	char value[32];

	write_header(w, duration);
	for (int i = 0; i < mx->n_series; i++)
		write_histogram(mx, w, duration, &mx->series[i]);
	if (!errors)
		return;
	write_header(w, errors);
	for (int i = 0; i < mx->n_series; i++)
		write_counter(w, errors, mx->series[i].labels, mx->series[i].n_labels,
			      u64_str(mx->series[i].hist->errors, value, sizeof(value)));
}

void write_column(struct metrics_exporter *mx, struct writer *w, const struct column *c)
{
	bool gauge = !strcmp(c->f->type, "gauge");
	char value[32];

	write_header(w, c->f);
	for (int i = 0; i < mx->n_series; i++) {
		const struct lat_series *s = &mx->series[i];
		struct label labels[MAX_LABELS + 1];
		int n = s->n_labels;

		memcpy(labels, s->labels, n * sizeof(*labels));
		for (size_t v = 0; c->values ? c->values[v] != NULL : v < 1; v++) {
			__u64 x = s->counts[c->first + v];

			if (c->values)
				labels[n] = (struct label){ c->label, c->values[v] };
			if (c->zero_unknown && !x)
				continue;
			if (c->ns)
				format_exact_seconds(x, value, sizeof(value));
			else
				u64_str(x, value, sizeof(value));
			write_sample(w, c->f->name, gauge ? "" : "_total", labels,
				     n + (c->values != NULL), NULL, value);
		}
	}
}

void write_columns(struct metrics_exporter *mx, struct writer *w, const struct column *columns,
		   size_t n)
{
	for (size_t i = 0; i < n; i++)
		write_column(mx, w, &columns[i]);
}
