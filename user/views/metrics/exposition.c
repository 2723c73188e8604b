// The model rendered as Prometheus text or OpenMetrics exposition.
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "views/metrics/exposition.h"
#include "model/funcs.h"
#include "model/requests.h"

#define MAX_LABELS	4
/* A process's counters: struct res_counters (all __u64) and its RSS. */
#define RES_COUNTS	(sizeof(struct res_counters) / sizeof(__u64))
#define MAX_COUNTS	(RES_COUNTS + 1)
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

/*
 * One labelled series of a section: a histogram with its error count, and
 * the section's counters for the same labels (folded into "other" with it).
 */
struct lat_series {
	struct label labels[MAX_LABELS];
	int n_labels;
	const struct lat_stats *hist;
	__u64 counts[MAX_COUNTS];
};

/*
 * A counter or gauge family over one column of lat_series.counts, or over
 * consecutive columns told apart by a label (`label`="values[i]").
 */
struct column {
	const struct family *f;
	size_t first;
	const char *label;
	const char *const *values;	/* NULL-terminated; NULL: no label */
	bool ns;		/* counts are nanoseconds, written as seconds */
	bool zero_unknown;	/* a gauge of 0 means "not read yet": left out */
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

enum fold_group {
	FOLD_SYSCALLS, FOLD_REQUESTS, FOLD_UPSTREAMS, FOLD_FUNCTIONS,
	FOLD_PROCESSES, FOLD_TARGETS, FOLD_GROUPS,
};

struct metrics_exporter {
	__u64 bounds_ns[METRICS_MAX_BOUNDS];
	char le[METRICS_MAX_BOUNDS][24];	/* the bounds as label values */
	int n_bounds, series_cap;
	struct fold_table folds[FOLD_GROUPS];
	struct lat_series *series;	/* series_cap + 1, reused per section */
	int n_series;
	__u64 prog_runs[OVERHEAD_MAX_PROGS], prog_ns[OVERHEAD_MAX_PROGS];
	char (*pids)[12];	/* label text of the resource rows */
	int n_pids;
};

static const char *const fold_families[FOLD_GROUPS] = {
	[FOLD_SYSCALLS] = "latscope_syscall_duration_seconds",
	[FOLD_REQUESTS] = "latscope_request_duration_seconds",
	[FOLD_UPSTREAMS] = "latscope_upstream_duration_seconds",
	[FOLD_FUNCTIONS] = "latscope_function_duration_seconds",
	/* One cap for every per-process family (pid, comm). */
	[FOLD_PROCESSES] = "latscope_process_*",
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
	free(mx->pids);
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

/* A histogram family and its error counter (if any) over the section's series. */
static void write_latency_families(struct metrics_exporter *mx,
				   struct writer *w,
				   const struct family *duration,
				   const struct family *errors)
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

static void write_column(struct metrics_exporter *mx, struct writer *w,
			 const struct column *c)
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
				metrics_format_seconds(x, value, sizeof(value));
			else
				u64_str(x, value, sizeof(value));
			write_sample(w, c->f->name, gauge ? "" : "_total", labels,
				     n + (c->values != NULL), NULL, value);
		}
	}
}

static void write_columns(struct metrics_exporter *mx, struct writer *w,
			  const struct column *columns, size_t n)
{
	for (size_t i = 0; i < n; i++)
		write_column(mx, w, &columns[i]);
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

static const char *const status_classes[] = {
	"none", "1xx", "2xx", "3xx", "4xx", "5xx", NULL,
};

/* Columns of a request series (status classes last, one per class). */
enum { COL_ABORTED, COL_SENT_BYTES, COL_REPLY_BYTES, COL_STATUS };

/* A counter of one column, and one split over columns by a label. */
#define COUNT(fam, col)			{ .f = &(fam), .first = (col) }
#define SPLIT(fam, col, name, vals)	{ .f = &(fam), .first = (col), .label = (name), .values = (vals) }

/* Server requests and client calls: the same families under two names. */
struct req_section {
	enum req_role role;
	enum fold_group fold;
	const char *group_label;	/* "port" (server) or "peer" (client) */
	struct family duration;
	struct column columns[4];
};

static const struct family requests_total = {
	"latscope_requests", "counter", NULL,
	"Completed server requests by HTTP status class (none: no HTTP status line); they sum to the duration histogram's _count.",
};
static const struct family requests_aborted = {
	"latscope_requests_aborted", "counter", NULL,
	"Server requests whose connection closed or was reset before any response.",
};
static const struct family request_bytes = {
	"latscope_request_bytes", "counter", "bytes",
	"Bytes the server read in requests.",
};
static const struct family response_bytes = {
	"latscope_response_bytes", "counter", "bytes",
	"Bytes the server wrote in responses.",
};
static const struct family upstream_total = {
	"latscope_upstream_requests", "counter", NULL,
	"Completed client calls by HTTP status class of the reply (none: no HTTP status line); they sum to the duration histogram's _count.",
};
static const struct family upstream_aborted = {
	"latscope_upstream_requests_aborted", "counter", NULL,
	"Client calls whose connection closed or was reset before any reply.",
};
static const struct family upstream_request_bytes = {
	"latscope_upstream_request_bytes", "counter", "bytes",
	"Bytes the client wrote in calls.",
};
static const struct family upstream_response_bytes = {
	"latscope_upstream_response_bytes", "counter", "bytes",
	"Bytes the client read in replies.",
};

static const struct req_section server_requests = {
	REQ_ROLE_SERVER, FOLD_REQUESTS, "port",
	{ "latscope_request_duration_seconds", "histogram", "seconds",
	  "Server request latency: first byte of the request read to last byte of the response written, per listening port and endpoint (ids folded)." },
	{ SPLIT(requests_total, COL_STATUS, "status_class", status_classes),
	  COUNT(requests_aborted, COL_ABORTED),
	  COUNT(request_bytes, COL_SENT_BYTES),
	  COUNT(response_bytes, COL_REPLY_BYTES) },
};

static const struct req_section client_requests = {
	REQ_ROLE_CLIENT, FOLD_UPSTREAMS, "peer",
	{ "latscope_upstream_duration_seconds", "histogram", "seconds",
	  "Client call latency: first byte written to a peer to last byte of its reply read, per peer and endpoint (ids folded)." },
	{ SPLIT(upstream_total, COL_STATUS, "status_class", status_classes),
	  COUNT(upstream_aborted, COL_ABORTED),
	  COUNT(upstream_request_bytes, COL_SENT_BYTES),
	  COUNT(upstream_response_bytes, COL_REPLY_BYTES) },
};

/* Label text a request row needs beyond the model's own strings. */
struct req_row_text {
	char port[8];
	char method[24];
};

/*
 * "GET /users/{id}" -> method "GET", endpoint "/users/{id}". The model's
 * own rows, "(other)" and "(not http)", have no method: method="".
 */
static void add_request_row(struct metrics_exporter *mx,
			    const struct req_section *sec,
			    const struct req_group_view *g,
			    const struct req_row_view *row,
			    struct req_row_text *text)
{
	const char *space = row->name[0] != '(' ? strchr(row->name, ' ') : NULL;
	bool server = sec->role == REQ_ROLE_SERVER;
	char key[sizeof(g->label) + HTTP_ENDPOINT_LEN];
	struct lat_series s = {
		.labels = { { sec->group_label, server ? text->port : g->label },
			    { "method", text->method },
			    { "endpoint", space ? space + 1 : row->name } },
		.n_labels = 3,
		.hist = row->hist,
		.counts = {
			[COL_ABORTED] = row->aborted,
			[COL_SENT_BYTES] = server ? row->bytes_in : row->bytes_out,
			[COL_REPLY_BYTES] = server ? row->bytes_out : row->bytes_in,
		},
	};

	snprintf(text->port, sizeof(text->port), "%u", g->port);
	snprintf(text->method, sizeof(text->method), "%.*s",
		 space ? (int)(space - row->name) : 0, row->name);
	memcpy(&s.counts[COL_STATUS], row->status, sizeof(row->status));
	snprintf(key, sizeof(key), "%s %s", g->label, row->name);
	series_add(mx, &mx->folds[sec->fold], key, &s);
}

/* Per endpoint rows (from ring-buffer records), never the group totals. */
static void render_request_role(struct metrics_exporter *mx, struct writer *w,
				struct model *model,
				const struct req_section *sec)
{
	struct fold_table *t = &mx->folds[sec->fold];
	const struct req_group_view *groups;
	struct req_row_text *text;
	int n, n_rows = 0, k = 0;

	if (model_request_views(model, WINDOW_TOTAL, sec->role, &groups, &n) || !n)
		return;
	for (int g = 0; g < n; g++)
		n_rows += groups[g].n_endpoints;
	text = calloc(n_rows + 1, sizeof(*text));
	if (!text)
		return;
	series_begin(mx, t);
	for (int g = 0; g < n; g++)
		for (int e = 0; e < groups[g].n_endpoints; e++)
			add_request_row(mx, sec, &groups[g], &groups[g].endpoints[e],
					&text[k++]);
	series_end(mx, t);
	write_latency_families(mx, w, &sec->duration, NULL);
	write_columns(mx, w, sec->columns,
		      sizeof(sec->columns) / sizeof(sec->columns[0]));
	free(text);
}

static void render_requests(struct metrics_exporter *mx, struct writer *w,
			    struct model *model)
{
	render_request_role(mx, w, model, &server_requests);
}

static void render_upstreams(struct metrics_exporter *mx, struct writer *w,
			     struct model *model)
{
	render_request_role(mx, w, model, &client_requests);
}

/* Calls are the histogram's _count; self time is a counter of its own. */
static void render_functions(struct metrics_exporter *mx, struct writer *w,
			     struct model *model)
{
	static const struct family duration = {
		"latscope_function_duration_seconds", "histogram", "seconds",
		"Traced function latency (uprobes): entry to return, callees included.",
	};
	static const struct family self_seconds = {
		"latscope_function_self_seconds", "counter", "seconds",
		"Time in traced functions minus the time in traced functions they called.",
	};
	static const struct column self = { .f = &self_seconds, .ns = true };
	struct fold_table *t = &mx->folds[FOLD_FUNCTIONS];
	const struct func_view *views;
	int n = 0;

	if (model_func_views(model, WINDOW_TOTAL, &views, &n) || !n)
		return;
	series_begin(mx, t);
	for (int i = 0; i < n; i++) {
		struct lat_series row = {
			.labels = { { "function", views[i].name },
				    { "module", views[i].module } },
			.n_labels = 2,
			.hist = views[i].hist,
			.counts = { views[i].self_ns },
		};
		char key[512];

		snprintf(key, sizeof(key), "%s %s", views[i].module, views[i].name);
		series_add(mx, t, key, &row);
	}
	series_end(mx, t);
	write_latency_families(mx, w, &duration, NULL);
	write_column(mx, w, &self);
}

#define RC(field)	(offsetof(struct res_counters, field) / sizeof(__u64))
#define ALWAYS		-1	/* read from /proc, whatever groups are on */

static const char *const sent_received[] = { "sent", "received", NULL };

struct res_histogram {
	int group;
	enum res_hist h;
	struct family f;
};

struct res_column {
	int group;
	struct column c;
};

static const struct res_histogram res_histograms[] = {
	{ RES_SCHED, RES_OFF_CPU, { "latscope_process_off_cpu_seconds", "histogram", "seconds",
		"Time blocked off-CPU (sleep, I/O, lock): switch-out to switch-in." } },
	{ RES_SCHED, RES_RUN_QUEUE, { "latscope_process_run_queue_seconds", "histogram", "seconds",
		"Time runnable but waiting for a CPU: wake-up or preemption to switch-in." } },
	{ RES_BLOCK, RES_BLOCK_IO, { "latscope_process_disk_request_duration_seconds", "histogram", "seconds",
		"Block I/O request latency: issue to completion." } },
	{ RES_NET, RES_CONNECT, { "latscope_process_tcp_connect_duration_seconds", "histogram", "seconds",
		"TCP connect latency: SYN_SENT to ESTABLISHED." } },
};

static const struct family f_cpu = { "latscope_process_cpu_seconds", "counter", "seconds",
	"On-CPU time of the process's threads." };
static const struct family f_switches = { "latscope_process_context_switches", "counter", NULL,
	"Switch-outs: voluntary (blocked) or involuntary (preempted)." };
static const struct family f_faults = { "latscope_process_page_faults", "counter", NULL,
	"Page faults since tracing began, from /proc (major: needed I/O)." };
static const struct family f_traced_faults = { "latscope_process_traced_page_faults", "counter", NULL,
	"Page faults seen by the faults probes, by the mode they were taken in." };
static const struct family f_disk_requests = { "latscope_process_disk_requests", "counter", NULL,
	"Block I/O requests completed, by operation." };
static const struct family f_disk_bytes = { "latscope_process_disk_bytes", "counter", "bytes",
	"Bytes moved by completed block I/O requests." };
static const struct family f_disk_errors = { "latscope_process_disk_errors", "counter", NULL,
	"Block I/O requests that completed with an error." };
static const struct family f_net_bytes = { "latscope_process_network_bytes", "counter", "bytes",
	"Bytes moved by IPv4/IPv6 socket calls." };
static const struct family f_tcp_opens = { "latscope_process_tcp_opens", "counter", NULL,
	"TCP connections established: active (connect) or passive (accepted)." };
static const struct family f_tcp_closes = { "latscope_process_tcp_closes", "counter", NULL,
	"Established TCP connections closed: local or remote FIN first, or aborted without one." };
static const struct family f_tcp_connect_failures = { "latscope_process_tcp_connect_failures", "counter", NULL,
	"TCP connects that failed." };
static const struct family f_tcp_retransmits = { "latscope_process_tcp_retransmits", "counter", NULL,
	"TCP segments retransmitted." };
static const struct family f_tcp_resets = { "latscope_process_tcp_resets", "counter", NULL,
	"TCP resets sent or received." };
static const struct family f_rss = { "latscope_process_resident_memory_bytes", "gauge", "bytes",
	"Resident memory (VmRSS) at the latest /proc reading." };

#define VALUES(...)	((const char *const[]){ __VA_ARGS__, NULL })

static const struct res_column res_columns[] = {
	{ RES_SCHED, { .f = &f_cpu, .first = RC(sched.on_cpu_ns), .ns = true } },
	{ RES_SCHED, SPLIT(f_switches, RC(sched.voluntary), "kind",
			   VALUES("voluntary", "involuntary")) },
	{ ALWAYS, SPLIT(f_faults, RC(minor_faults), "kind", VALUES("minor", "major")) },
	{ RES_FAULTS, SPLIT(f_traced_faults, RC(faults.user), "mode",
			    VALUES("user", "kernel")) },
	{ RES_BLOCK, SPLIT(f_disk_requests, RC(block.reads), "op",
			   VALUES("read", "write", "other")) },
	{ RES_BLOCK, SPLIT(f_disk_bytes, RC(block.read_bytes), "op",
			   VALUES("read", "write")) },
	{ RES_BLOCK, COUNT(f_disk_errors, RC(block.errors)) },
	{ RES_NET, SPLIT(f_net_bytes, RC(net.bytes_sent), "direction", sent_received) },
	{ RES_NET, SPLIT(f_tcp_opens, RC(net.active_opens), "side",
			 VALUES("active", "passive")) },
	{ RES_NET, SPLIT(f_tcp_closes, RC(net.local_closes), "kind",
			 VALUES("local_fin", "remote_fin", "abort")) },
	{ RES_NET, COUNT(f_tcp_connect_failures, RC(net.connect_failures)) },
	{ RES_NET, COUNT(f_tcp_retransmits, RC(net.retransmits)) },
	{ RES_NET, SPLIT(f_tcp_resets, RC(net.resets_sent), "direction", sent_received) },
	/* No live process has no resident memory: 0 is one not read yet. */
	{ ALWAYS, { .f = &f_rss, .first = RES_COUNTS, .zero_unknown = true } },
};

static bool res_group_on(const struct model *model, int group)
{
	return group == ALWAYS || (model->res.groups & RES_GROUP_BIT(group));
}

/* The processes' series with histogram @h (admission is per pid, once). */
static void build_process_series(struct metrics_exporter *mx,
				 const struct res_view *views, int n,
				 enum res_hist h)
{
	struct fold_table *t = &mx->folds[FOLD_PROCESSES];

	series_begin(mx, t);
	for (int i = 0; i < n; i++) {
		const struct res_process *p = views[i].proc;
		struct lat_series row = {
			.labels = { { "pid", mx->pids[i] }, { "comm", p->comm } },
			.n_labels = 2,
			.hist = &views[i].hist[h],
		};

		memcpy(row.counts, &views[i].c, sizeof(views[i].c));
		if (p->proc_seen && p->proc.rss_kb > 0)
			row.counts[RES_COUNTS] = (__u64)p->proc.rss_kb * 1024;
		series_add(mx, t, mx->pids[i], &row);
	}
	series_end(mx, t);
}

static void render_resources(struct metrics_exporter *mx, struct writer *w,
			     struct model *model)
{
	const struct res_view *views;
	bool built = false;
	int n = 0;

	if (model_resource_views(model, WINDOW_TOTAL, &views, &n) || !n)
		return;
	if (n > mx->n_pids) {
		char (*grown)[12] = realloc(mx->pids, n * sizeof(*grown));

		if (!grown)
			return;
		mx->pids = grown;
		mx->n_pids = n;
	}
	for (int i = 0; i < n; i++)
		snprintf(mx->pids[i], sizeof(mx->pids[i]), "%u", views[i].proc->tgid);
	for (size_t i = 0; i < sizeof(res_histograms) / sizeof(res_histograms[0]); i++) {
		if (!res_group_on(model, res_histograms[i].group))
			continue;
		build_process_series(mx, views, n, res_histograms[i].h);
		write_latency_families(mx, w, &res_histograms[i].f, NULL);
		built = true;
	}
	if (!built)
		build_process_series(mx, views, n, 0);
	for (size_t i = 0; i < sizeof(res_columns) / sizeof(res_columns[0]); i++)
		if (res_group_on(model, res_columns[i].group))
			write_column(mx, w, &res_columns[i].c);
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
	render_requests,
	render_upstreams,
	render_functions,
	render_resources,
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
