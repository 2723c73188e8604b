// Labelled series, folding and the exposition writer of the metrics view.
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

void write_header(struct writer *w, const struct family *f)
{
	w->ops->family(w, f);
}

void write_value(struct writer *w, const struct family *f, const struct label *labels, int n,
		 enum value_unit unit, __u64 value)
{
	w->ops->sample(w, f, labels, n, unit, value);
}

void write_histogram(struct writer *w, const struct family *f, const struct lat_series *s)
{
	w->ops->histogram(w, f, s);
}

/* A histogram family and its error counter (if any) over the section's series. */
void write_latency_families(struct metrics_exporter *mx, struct writer *w,
			    const struct family *duration, const struct family *errors)
{
	write_header(w, duration);
	for (int i = 0; i < mx->n_series; i++)
		write_histogram(w, duration, &mx->series[i]);
	if (!errors)
		return;
	write_header(w, errors);
	for (int i = 0; i < mx->n_series; i++)
		write_value(w, errors, mx->series[i].labels, mx->series[i].n_labels, AS_COUNT,
			    mx->series[i].hist->errors);
}

void write_column(struct metrics_exporter *mx, struct writer *w, const struct column *c)
{
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
			write_value(w, c->f, labels, n + (c->values != NULL),
				    c->ns ? AS_SECONDS : AS_COUNT, x);
		}
	}
}

void write_columns(struct metrics_exporter *mx, struct writer *w, const struct column *columns,
		   size_t n)
{
	for (size_t i = 0; i < n; i++)
		write_column(mx, w, &columns[i]);
}
