// The model rendered as Prometheus text or OpenMetrics exposition.
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "base/format.h"
#include "views/metrics/exposition.h"
#include "views/metrics/series.h"
#include "model/funcs.h"
#include "model/requests.h"

static const char *const fold_families[FOLD_GROUPS] = {
	[FOLD_SYSCALLS] = "latscope_syscall_duration_seconds",
	[FOLD_REQUESTS] = "latscope_request_duration_seconds",
	[FOLD_UPSTREAMS] = "latscope_upstream_duration_seconds",
	[FOLD_FUNCTIONS] = "latscope_function_duration_seconds",
	/* One cap for every per-process family (pid, comm). */
	[FOLD_PROCESSES] = "latscope_process_*",
	[FOLD_TARGETS] = "latscope_target_up",
};

struct metrics_exporter *metrics_exporter_new(const __u64 *bounds_ns, int n_bounds, int series_cap)
{
	struct metrics_exporter *mx = calloc(1, sizeof(*mx));

	if (!mx || n_bounds > METRICS_MAX_BOUNDS || series_cap < 1)
		goto fail;
	memcpy(mx->bounds_ns, bounds_ns, n_bounds * sizeof(*bounds_ns));
	for (int k = 0; k < n_bounds; k++)
		format_exact_seconds(bounds_ns[k], mx->le[k], sizeof(mx->le[k]));
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

static void render_syscalls(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family duration = {
		"latscope_syscall_duration_seconds",
		"histogram",
		"seconds",
		"System call latency: sys_enter to sys_exit of the same thread.",
	};
	static const struct family errors = {
		"latscope_syscall_errors",
		"counter",
		NULL,
		"System calls that returned an error (-4095..-1).",
	};
	struct fold_table *t = &mx->folds[FOLD_SYSCALLS];
	const struct syscall_view *views;
	int n = 0;

	syscalls_views(&model->syscalls, WINDOW_TOTAL, NULL, &views, &n);
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
#define COUNT(fam, col)                     \
	{                                   \
		.f = &(fam), .first = (col) \
	}
#define SPLIT(fam, col, name, vals)                                            \
	{                                                                      \
		.f = &(fam), .first = (col), .label = (name), .values = (vals) \
	}

/* Server requests and client calls: the same families under two names. */
struct req_section {
	enum req_role role;
	enum fold_group fold;
	const char *group_label; /* "port" (server) or "peer" (client) */
	struct family duration;
	struct column columns[4];
};

static const struct family requests_total = {
	"latscope_requests",
	"counter",
	NULL,
	"Completed server requests by HTTP status class (none: no HTTP status line); they sum to the duration histogram's _count.",
};
static const struct family requests_aborted = {
	"latscope_requests_aborted",
	"counter",
	NULL,
	"Server requests whose connection closed or was reset before any response.",
};
static const struct family request_bytes = {
	"latscope_request_bytes",
	"counter",
	"bytes",
	"Bytes the server read in requests.",
};
static const struct family response_bytes = {
	"latscope_response_bytes",
	"counter",
	"bytes",
	"Bytes the server wrote in responses.",
};
static const struct family upstream_total = {
	"latscope_upstream_requests",
	"counter",
	NULL,
	"Completed client calls by HTTP status class of the reply (none: no HTTP status line); they sum to the duration histogram's _count.",
};
static const struct family upstream_aborted = {
	"latscope_upstream_requests_aborted",
	"counter",
	NULL,
	"Client calls whose connection closed or was reset before any reply.",
};
static const struct family upstream_request_bytes = {
	"latscope_upstream_request_bytes",
	"counter",
	"bytes",
	"Bytes the client wrote in calls.",
};
static const struct family upstream_response_bytes = {
	"latscope_upstream_response_bytes",
	"counter",
	"bytes",
	"Bytes the client read in replies.",
};

static const struct req_section server_requests = {
	REQ_ROLE_SERVER,
	FOLD_REQUESTS,
	"port",
	{ "latscope_request_duration_seconds", "histogram", "seconds",
	  "Server request latency: first byte of the request read to last byte of the response written, per listening port and endpoint (ids folded)." },
	{ SPLIT(requests_total, COL_STATUS, "status_class", status_classes),
	  COUNT(requests_aborted, COL_ABORTED), COUNT(request_bytes, COL_SENT_BYTES),
	  COUNT(response_bytes, COL_REPLY_BYTES) },
};

static const struct req_section client_requests = {
	REQ_ROLE_CLIENT,
	FOLD_UPSTREAMS,
	"peer",
	{ "latscope_upstream_duration_seconds", "histogram", "seconds",
	  "Client call latency: first byte written to a peer to last byte of its reply read, per peer and endpoint (ids folded)." },
	{ SPLIT(upstream_total, COL_STATUS, "status_class", status_classes),
	  COUNT(upstream_aborted, COL_ABORTED), COUNT(upstream_request_bytes, COL_SENT_BYTES),
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
static void add_request_row(struct metrics_exporter *mx, const struct req_section *sec,
			    const struct req_group_view *g, const struct req_row_view *row,
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
	snprintf(text->method, sizeof(text->method), "%.*s", space ? (int)(space - row->name) : 0,
		 row->name);
	memcpy(&s.counts[COL_STATUS], row->status, sizeof(row->status));
	snprintf(key, sizeof(key), "%s %s", g->label, row->name);
	series_add(mx, &mx->folds[sec->fold], key, &s);
}

/* Per endpoint rows (from ring-buffer records), never the group totals. */
static void render_request_role(struct metrics_exporter *mx, struct writer *w, struct model *model,
				const struct req_section *sec)
{
	struct fold_table *t = &mx->folds[sec->fold];
	const struct req_group_view *groups;
	struct req_row_text *text;
	int n, n_rows = 0, k = 0;

	if (requests_views(model->requests, WINDOW_TOTAL, sec->role, &groups, &n) || !n)
		return;
	for (int g = 0; g < n; g++)
		n_rows += groups[g].n_endpoints;
	text = calloc(n_rows + 1, sizeof(*text));
	if (!text)
		return;
	series_begin(mx, t);
	for (int g = 0; g < n; g++)
		for (int e = 0; e < groups[g].n_endpoints; e++)
			add_request_row(mx, sec, &groups[g], &groups[g].endpoints[e], &text[k++]);
	series_end(mx, t);
	write_latency_families(mx, w, &sec->duration, NULL);
	write_columns(mx, w, sec->columns, sizeof(sec->columns) / sizeof(sec->columns[0]));
	free(text);
}

static void render_requests(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	render_request_role(mx, w, model, &server_requests);
}

static void render_upstreams(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	render_request_role(mx, w, model, &client_requests);
}

/* Calls are the histogram's _count; self time is a counter of its own. */
static void render_functions(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family duration = {
		"latscope_function_duration_seconds",
		"histogram",
		"seconds",
		"Traced function latency (uprobes): entry to return, callees included.",
	};
	static const struct family self_seconds = {
		"latscope_function_self_seconds",
		"counter",
		"seconds",
		"Time in traced functions minus the time in traced functions they called.",
	};
	static const struct column self = { .f = &self_seconds, .ns = true };
	struct fold_table *t = &mx->folds[FOLD_FUNCTIONS];
	const struct func_view *views;
	int n = 0;

	if (funcs_views(model->funcs, WINDOW_TOTAL, NULL, &views, &n) || !n)
		return;
	series_begin(mx, t);
	for (int i = 0; i < n; i++) {
		struct lat_series row = {
			.labels = { { "function", views[i].name }, { "module", views[i].module } },
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
		"latscope_bpf_program_runs",
		"counter",
		NULL,
		"Runs of each latscope BPF program (estimated from sampled BPF stats).",
	};
	static const struct family run_time = {
		"latscope_bpf_program_run_seconds",
		"counter",
		"seconds",
		"Kernel CPU time in each latscope BPF program (estimated from sampled BPF stats).",
	};
	char value[32];

	write_header(w, &runs);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_counter(w, &runs, &l, 1,
			      u64_str(high_water(&mx->prog_runs[i], ov->progs[i].est_runs), value,
				      sizeof(value)));
	}
	write_header(w, &run_time);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_counter(
			w, &run_time, &l, 1,
			format_exact_seconds(high_water(&mx->prog_ns[i], ov->progs[i].est_run_ns),
					     value, sizeof(value)));
	}
}

/*
 * The budget and what keeps it: a shed family's figures are estimates
 * scaled from its windows while its duty is below 1 (README).
 */
static void render_budget(struct writer *w, const struct budget *b)
{
	static const struct family limit = {
		"latscope_budget_ratio",
		"gauge",
		"ratio",
		"Kernel cost budget (--max-overhead), a share of one CPU; 0: none.",
	};
	static const struct family duty = {
		"latscope_probe_duty_ratio",
		"gauge",
		"ratio",
		"Share of the time a probe family is attached now; below 1 its figures are scaled estimates.",
	};
	static const struct family changes = {
		"latscope_budget_changes",
		"counter",
		NULL,
		"Times the budget shed a probe family or restored it.",
	};
	char value[32];

	write_header(w, &limit);
	snprintf(value, sizeof(value), "%g", b->inactive ? 0 : b->limit);
	write_sample(w, limit.name, "", NULL, 0, NULL, value);
	write_header(w, &duty);
	for (int i = 0; i < b->n; i++) {
		struct label l = { "family", b->families[i].name };

		if (!b->families[i].sheddable)
			continue;
		snprintf(value, sizeof(value), "%g", budget_duty(b->families[i].level));
		write_sample(w, duty.name, "", &l, 1, NULL, value);
	}
	write_header(w, &changes);
	for (int i = 0; i < b->n; i++) {
		struct label l[2] = { { "family", b->families[i].name }, { "change", "shed" } };

		if (!b->families[i].sheddable)
			continue;
		write_counter(w, &changes, l, 2,
			      u64_str(b->families[i].sheds, value, sizeof(value)));
		l[1].value = "restored";
		write_counter(w, &changes, l, 2,
			      u64_str(b->families[i].restores, value, sizeof(value)));
	}
}

static void render_health(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family dropped = {
		"latscope_ringbuf_dropped",
		"counter",
		NULL,
		"Ring-buffer records lost because the buffer was full (counts stay exact).",
	};
	static const struct family cpu = {
		"latscope_loader_cpu_seconds",
		"counter",
		"seconds",
		"CPU time of the latscope process, start-up included.",
	};
	static const struct family rss = {
		"latscope_loader_peak_rss_bytes",
		"gauge",
		"bytes",
		"Peak resident memory of the latscope process.",
	};
	struct overhead_view ov;
	char value[32];

	model_overhead_view(model, &ov);
	render_bpf_programs(mx, w, &ov);
	render_budget(w, &model->overhead.budget);
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
static void render_targets(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family up = {
		"latscope_target_up",
		"gauge",
		NULL,
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

static void render_folds(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family folded = {
		"latscope_metrics_folded",
		"counter",
		NULL,
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

typedef void (*section_fn)(struct metrics_exporter *mx, struct writer *w, struct model *model);

/* One function per model section; the fold counts come last. */
static const section_fn sections[] = {
	render_syscalls,  render_requests, render_upstreams, render_functions,
	render_resources, render_health,   render_targets,   render_folds,
};

int metrics_render(struct metrics_exporter *mx, struct model *model, enum metrics_format fmt,
		   char **text, size_t *len)
{
	struct writer w = { .openmetrics = fmt == METRICS_OPENMETRICS };

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
