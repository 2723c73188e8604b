// The model rendered as Prometheus text or OpenMetrics exposition.
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "metrics_text.h"

#define MAX_LABELS	4
#define OTHER		"other"
#define NS_PER_S	1000000000ULL

struct label {
	const char *name, *value;
};

struct family {
	const char *name;	/* base name: counters without _total */
	const char *type;	/* "counter", "gauge" or "histogram" */
	const char *unit;	/* OpenMetrics UNIT; the name ends with it */
	const char *help;
};

struct writer {
	FILE *out;
	enum metrics_format fmt;
};

/* One labelled latency series: a histogram with its error count. */
struct lat_series {
	struct label labels[MAX_LABELS];
	int n_labels;
	const struct lat_stats *hist;
};

/*
 * A label group whose values are capped: the first `cap` distinct keys get
 * series of their own for the rest of the trace, later ones are folded.
 */
struct fold_table {
	const char *family;	/* as latscope_metrics_folded_total names it */
	char **admitted, **folded;
	int n_admitted, n_folded;
	struct lat_stats other;	/* this render's folded rows, merged */
	struct lat_series other_series;
	bool other_used;
};

enum fold_group { FOLD_SYSCALLS, FOLD_TARGETS, FOLD_GROUPS };

struct metrics_exporter {
	__u64 bounds_ns[METRICS_MAX_BOUNDS];
	char le[METRICS_MAX_BOUNDS][24];	/* the bounds as label values */
	int n_bounds, series_cap;
	struct fold_table folds[FOLD_GROUPS];
	struct lat_series *series;	/* series_cap + 1, reused per section */
	int n_series;
	__u64 prog_runs[OVERHEAD_MAX_PROGS], prog_ns[OVERHEAD_MAX_PROGS];
};

static const char *const fold_families[FOLD_GROUPS] = {
	[FOLD_SYSCALLS] = "latscope_syscall_duration_seconds",
	[FOLD_TARGETS] = "latscope_target_up",
};

struct metrics_exporter *metrics_exporter_new(const __u64 *bounds_ns,
					      int n_bounds, int series_cap)
{
	struct metrics_exporter *mx = calloc(1, sizeof(*mx));

	if (!mx || n_bounds > METRICS_MAX_BOUNDS || series_cap < 1)
		goto fail;
	memcpy(mx->bounds_ns, bounds_ns, n_bounds * sizeof(*bounds_ns));
	for (int k = 0; k < n_bounds; k++)
		metrics_format_seconds(bounds_ns[k], mx->le[k], sizeof(mx->le[k]));
	mx->n_bounds = n_bounds;
	mx->series_cap = series_cap;
	for (int i = 0; i < FOLD_GROUPS; i++) {
		struct fold_table *t = &mx->folds[i];

		t->family = fold_families[i];
		t->admitted = calloc(series_cap, sizeof(*t->admitted));
		if (!t->admitted)
			goto fail;
	}
	mx->series = calloc(series_cap + 1, sizeof(*mx->series));
	if (mx->series)
		return mx;
fail:
	metrics_exporter_free(mx);
	return NULL;
}

void metrics_exporter_free(struct metrics_exporter *mx)
{
	if (!mx)
		return;
	for (int i = 0; i < FOLD_GROUPS; i++) {
		struct fold_table *t = &mx->folds[i];

		for (int k = 0; k < t->n_admitted; k++)
			free(t->admitted[k]);
		for (int k = 0; k < t->n_folded; k++)
			free(t->folded[k]);
		free(t->admitted);
		free(t->folded);
	}
	free(mx->series);
	free(mx);
}

static bool key_in(char *const *keys, int n, const char *key)
{
	for (int i = 0; i < n; i++)
		if (!strcmp(keys[i], key))
			return true;
	return false;
}

/* True when @key has (or now gets) a series of its own. */
static bool fold_admit(struct fold_table *t, int cap, const char *key)
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

static void series_begin(struct metrics_exporter *mx, struct fold_table *t)
{
	memset(&t->other, 0, sizeof(t->other));
	t->other_used = false;
	mx->n_series = 0;
}

/* @row's own series, or its histogram merged into the group's "other". */
static void series_add(struct metrics_exporter *mx, struct fold_table *t,
		       const char *key, const struct lat_series *row)
{
	if (fold_admit(t, mx->series_cap, key)) {
		mx->series[mx->n_series++] = *row;
		return;
	}
	lat_stats_merge(&t->other, row->hist);
	if (t->other_used)
		return;
	t->other_used = true;
	t->other_series = *row;
	for (int i = 0; i < row->n_labels; i++)
		t->other_series.labels[i].value = OTHER;
	t->other_series.hist = &t->other;
}

static void series_end(struct metrics_exporter *mx, struct fold_table *t)
{
	if (t->other_used)
		mx->series[mx->n_series++] = t->other_series;
}

const char *metrics_format_seconds(__u64 ns, char *buf, size_t len)
{
	size_t n;

	snprintf(buf, len, "%llu.%09llu", (unsigned long long)(ns / NS_PER_S),
		 (unsigned long long)(ns % NS_PER_S));
	n = strlen(buf);
	while (n && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n && buf[n - 1] == '.')
		buf[--n] = '\0';
	return buf;
}

static const char *u64_str(__u64 v, char *buf, size_t len)
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
static void write_sample(struct writer *w, const char *name, const char *suffix,
			 const struct label *labels, int n, const char *le,
			 const char *value)
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
static void write_header(struct writer *w, const struct family *f)
{
	bool om = w->fmt == METRICS_OPENMETRICS;
	const char *total = !om && !strcmp(f->type, "counter") ? "_total" : "";

	fprintf(w->out, "# HELP %s%s %s\n", f->name, total, f->help);
	fprintf(w->out, "# TYPE %s%s %s\n", f->name, total, f->type);
	if (om && f->unit)
		fprintf(w->out, "# UNIT %s %s\n", f->name, f->unit);
}

static void write_counter(struct writer *w, const struct family *f,
			  const struct label *labels, int n, const char *value)
{
	write_sample(w, f->name, "_total", labels, n, NULL, value);
}

/*
 * Every bound is a latscope bucket boundary, so the samples at or below it
 * are exactly those in the buckets before the bound's own bucket. (A sample
 * of exactly B ns stands for a duration in [B, B + 1 ns); it lands above
 * `le` B, as a duration just over B would.)
 */
static void write_histogram(struct metrics_exporter *mx, struct writer *w,
			    const struct family *f, const struct lat_series *s)
{
	char sum[32], value[32];
	__u64 cumulative = 0;
	__u32 b = 0;

	for (int k = 0; k < mx->n_bounds; k++) {
		__u32 end = hist_bucket_of(mx->bounds_ns[k]);

		for (; b < end; b++)
			cumulative += s->hist->buckets[b];
		write_sample(w, f->name, "_bucket", s->labels, s->n_labels,
			     mx->le[k], u64_str(cumulative, value, sizeof(value)));
	}
	/* _count is the bucket sum, so it always equals the +Inf bucket. */
	for (; b < HIST_BUCKETS; b++)
		cumulative += s->hist->buckets[b];
	u64_str(cumulative, value, sizeof(value));
	write_sample(w, f->name, "_bucket", s->labels, s->n_labels, "+Inf", value);
	write_sample(w, f->name, "_sum", s->labels, s->n_labels, NULL,
		     metrics_format_seconds(s->hist->total_ns, sum, sizeof(sum)));
	write_sample(w, f->name, "_count", s->labels, s->n_labels, NULL, value);
}

/* A histogram family and its error counter over the section's series. */
static void write_latency_families(struct metrics_exporter *mx,
				   struct writer *w,
				   const struct family *duration,
				   const struct family *errors)
{
	char value[32];

	write_header(w, duration);
	for (int i = 0; i < mx->n_series; i++)
		write_histogram(mx, w, duration, &mx->series[i]);
	write_header(w, errors);
	for (int i = 0; i < mx->n_series; i++)
		write_counter(w, errors, mx->series[i].labels, mx->series[i].n_labels,
			      u64_str(mx->series[i].hist->errors, value, sizeof(value)));
}

static void render_syscalls(struct metrics_exporter *mx, struct writer *w,
			    struct model *model)
{
	static const struct family duration = {
		"latscope_syscall_duration_seconds", "histogram", "seconds",
		"System call latency: sys_enter to sys_exit of the same thread.",
	};
	static const struct family errors = {
		"latscope_syscall_errors", "counter", NULL,
		"System calls that returned an error (-4095..-1).",
	};
	struct fold_table *t = &mx->folds[FOLD_SYSCALLS];
	const struct syscall_view *views;
	int n = 0;

	model_syscall_views(model, WINDOW_TOTAL, &views, &n);
	series_begin(mx, t);
	for (int i = 0; i < n; i++) {
		struct lat_series row = {
			.labels = { { "syscall", views[i].name } },
			.n_labels = 1,
			.hist = views[i].hist,
		};

		series_add(mx, t, views[i].name, &row);
	}
	series_end(mx, t);
	write_latency_families(mx, w, &duration, &errors);
}

/* Estimates scaled from sampled windows may dip: never let a counter fall. */
static __u64 high_water(__u64 *mark, __u64 value)
{
	if (value > *mark)
		*mark = value;
	return *mark;
}

static void render_bpf_programs(struct metrics_exporter *mx, struct writer *w,
				const struct overhead_view *ov)
{
	static const struct family runs = {
		"latscope_bpf_program_runs", "counter", NULL,
		"Runs of each latscope BPF program (estimated from sampled BPF stats).",
	};
	static const struct family run_time = {
		"latscope_bpf_program_run_seconds", "counter", "seconds",
		"Kernel CPU time in each latscope BPF program (estimated from sampled BPF stats).",
	};
	char value[32];

	write_header(w, &runs);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_counter(w, &runs, &l, 1,
			      u64_str(high_water(&mx->prog_runs[i], ov->progs[i].est_runs),
				      value, sizeof(value)));
	}
	write_header(w, &run_time);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_counter(w, &run_time, &l, 1,
			      metrics_format_seconds(high_water(&mx->prog_ns[i],
								ov->progs[i].est_run_ns),
						     value, sizeof(value)));
	}
}

static void render_health(struct metrics_exporter *mx, struct writer *w,
			  struct model *model)
{
	static const struct family dropped = {
		"latscope_ringbuf_dropped", "counter", NULL,
		"Ring-buffer records lost because the buffer was full (counts stay exact).",
	};
	static const struct family cpu = {
		"latscope_loader_cpu_seconds", "counter", "seconds",
		"CPU time of the latscope process, start-up included.",
	};
	static const struct family rss = {
		"latscope_loader_peak_rss_bytes", "gauge", "bytes",
		"Peak resident memory of the latscope process.",
	};
	struct overhead_view ov;
	char value[32];

	model_overhead_view(model, &ov);
	render_bpf_programs(mx, w, &ov);
	write_header(w, &dropped);
	write_counter(w, &dropped, NULL, 0,
		      u64_str(model->health[HEALTH_RINGBUF_DROPS], value, sizeof(value)));
	write_header(w, &cpu);
	snprintf(value, sizeof(value), "%.6f", ov.loader_cpu_s);
	write_counter(w, &cpu, NULL, 0, value);
	write_header(w, &rss);
	write_sample(w, rss.name, "", NULL, 0, NULL,
		     u64_str((__u64)ov.loader_peak_rss_kb * 1024, value, sizeof(value)));
}

/* Targets beyond the cap are left out (an "other" up/down means nothing). */
static void render_targets(struct metrics_exporter *mx, struct writer *w,
			   struct model *model)
{
	static const struct family up = {
		"latscope_target_up", "gauge", NULL,
		"1 while a traced process is running, 0 once it has exited.",
	};
	struct fold_table *t = &mx->folds[FOLD_TARGETS];

	write_header(w, &up);
	for (int i = 0; i < model->n_targets; i++) {
		const struct target_info *target = &model->targets[i];
		char pid[16];
		struct label labels[] = { { "pid", pid }, { "comm", target->comm } };

		snprintf(pid, sizeof(pid), "%d", target->pid);
		if (fold_admit(t, mx->series_cap, pid))
			write_sample(w, up.name, "", labels, 2, NULL,
				     target->state == TARGET_EXITED ? "0" : "1");
	}
}

static void render_folds(struct metrics_exporter *mx, struct writer *w,
			 struct model *model)
{
	static const struct family folded = {
		"latscope_metrics_folded", "counter", NULL,
		"Distinct label values folded into \"other\" (or left out) by the series cap, per metric family.",
	};
	char value[32];

	write_header(w, &folded);
	for (int i = 0; i < FOLD_GROUPS; i++) {
		struct label l = { "family", mx->folds[i].family };

		write_counter(w, &folded, &l, 1,
			      u64_str(mx->folds[i].n_folded, value, sizeof(value)));
	}
}

typedef void (*section_fn)(struct metrics_exporter *mx, struct writer *w,
			   struct model *model);

/* One function per model section; the fold counts come last. */
static const section_fn sections[] = {
	render_syscalls,
	render_health,
	render_targets,
	render_folds,
};

int metrics_render(struct metrics_exporter *mx, struct model *model,
		   enum metrics_format fmt, char **text, size_t *len)
{
	struct writer w = { .fmt = fmt };

	*text = NULL;
	w.out = open_memstream(text, len);
	if (!w.out)
		return -errno;
	for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		sections[i](mx, &w, model);
	if (fmt == METRICS_OPENMETRICS)
		fputs("# EOF\n", w.out);
	if (fclose(w.out)) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* The q value of one media range ("type/sub;version=1;q=0.5"), 1 if none. */
static double media_q(const char *range, size_t len)
{
	const char *p = range, *end = range + len;

	while ((p = memchr(p, ';', end - p))) {
		p++;
		while (p < end && *p == ' ')
			p++;
		if (end - p > 2 && !strncasecmp(p, "q=", 2))
			return strtod(p + 2, NULL);
	}
	return 1.0;
}

enum metrics_format metrics_format_for_accept(const char *accept)
{
	static const char om[] = "application/openmetrics-text";
	const char *p = accept;

	while (p && *p) {
		size_t len = strcspn(p, ",");

		while (*p == ' ' && len) {
			p++;
			len--;
		}
		if (len >= sizeof(om) - 1 && !strncasecmp(p, om, sizeof(om) - 1) &&
		    media_q(p, len) > 0)
			return METRICS_OPENMETRICS;
		p += len;
		if (*p == ',')
			p++;
	}
	return METRICS_PROMETHEUS_TEXT;
}

const char *metrics_content_type(enum metrics_format fmt)
{
	if (fmt == METRICS_OPENMETRICS)
		return "application/openmetrics-text; version=1.0.0; charset=utf-8";
	return "text/plain; version=0.0.4; charset=utf-8";
}
