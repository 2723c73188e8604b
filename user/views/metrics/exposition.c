// The model rendered in a Prometheus exposition format.
#include <bpf/libbpf_version.h>
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "base/format.h"
#include "base/version.h"
#include "latscope_revision.h"
#include "views/metrics/exposition.h"
#include "views/metrics/series.h"
#include "model/funcs.h"
#include "model/requests.h"

#define STRINGIFY(x)	#x
#define LATSCOPE_STR(x) STRINGIFY(x)

static const char *const fold_families[FOLD_GROUPS] = {
	[FOLD_SYSCALLS] = "latscope_syscall_duration_seconds",
	[FOLD_REQUESTS] = "latscope_request_duration_seconds",
	[FOLD_UPSTREAMS] = "latscope_upstream_duration_seconds",
	[FOLD_FUNCTIONS] = "latscope_function_duration_seconds",
	/* One cap for every per-process family (pid, comm). */
	[FOLD_PROCESSES] = "latscope_process_*",
	[FOLD_TARGETS] = "latscope_target_up",
};

struct metrics_exporter *metrics_exporter_new(const struct metrics_config *cfg, int series_cap)
{
	struct metrics_exporter *mx = calloc(1, sizeof(*mx));

	if (!mx || cfg->n_bounds > METRICS_MAX_BOUNDS || series_cap < 1)
		goto fail;
	memcpy(mx->bounds_ns, cfg->bounds_ns, cfg->n_bounds * sizeof(*cfg->bounds_ns));
	for (int k = 0; k < cfg->n_bounds; k++) {
		mx->cuts[k] = metrics_bound_cut(cfg->bounds_ns[k]);
		format_exact_seconds(cfg->bounds_ns[k], mx->le[k], sizeof(mx->le[k]));
	}
	mx->n_bounds = cfg->n_bounds;
	mx->series_cap = series_cap;
	mx->pid_labels = cfg->pid_labels;
	native_map_init(mx->native_map);
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
	process_groups_free(mx);
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
enum { COL_ABORTED, COL_ONEWAY, COL_SENT_BYTES, COL_REPLY_BYTES, COL_STATUS };

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
	struct column columns[5];
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
static const struct family requests_oneway = {
	"latscope_requests_oneway",
	"counter",
	NULL,
	"Server messages that expect no answer (JSON-RPC notifications): not in the duration histogram.",
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
static const struct family upstream_oneway = {
	"latscope_upstream_requests_oneway",
	"counter",
	NULL,
	"Client messages that expect no answer (JSON-RPC notifications): not in the duration histogram.",
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
	  COUNT(requests_aborted, COL_ABORTED), COUNT(requests_oneway, COL_ONEWAY),
	  COUNT(request_bytes, COL_SENT_BYTES), COUNT(response_bytes, COL_REPLY_BYTES) },
};

static const struct req_section client_requests = {
	REQ_ROLE_CLIENT,
	FOLD_UPSTREAMS,
	"peer",
	{ "latscope_upstream_duration_seconds", "histogram", "seconds",
	  "Client call latency: first byte written to a peer to last byte of its reply read, per peer and endpoint (ids folded)." },
	{ SPLIT(upstream_total, COL_STATUS, "status_class", status_classes),
	  COUNT(upstream_aborted, COL_ABORTED), COUNT(upstream_oneway, COL_ONEWAY),
	  COUNT(upstream_request_bytes, COL_SENT_BYTES),
	  COUNT(upstream_response_bytes, COL_REPLY_BYTES) },
};

/* Label text a request row needs beyond the model's own strings. */
struct req_row_text {
	char port[8];
	char method[24];
};

/*
 * "GET /users/{id}" -> method "GET", endpoint "/users/{id}"; WebSocket
 * messages "ws /rpc ping" -> method "ws", endpoint "/rpc ping". Other
 * protocols' rows (a Redis command, a statement's fingerprint) and the
 * model's own, "(other)" and "(not http)", have no method: method="".
 */
static void add_request_row(struct metrics_exporter *mx, const struct req_section *sec,
			    const struct req_group_view *g, const struct req_row_view *row,
			    struct req_row_text *text)
{
	const char *space = g->proto == PROTO_HTTP && row->name[0] != '(' ? strchr(row->name, ' ')
									  : NULL;
	bool server = sec->role == REQ_ROLE_SERVER;
	char key[sizeof(g->label) + PROTO_NAME_LEN];
	struct lat_series s = {
		.labels = { { sec->group_label, server ? text->port : g->label },
			    { "method", text->method },
			    { "endpoint", space ? space + 1 : row->name } },
		.n_labels = 3,
		.hist = row->hist,
		.counts = {
			[COL_ABORTED] = row->aborted,
			[COL_ONEWAY] = row->oneway,
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
	write_header(w, &runs);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_value(w, &runs, &l, 1, AS_COUNT,
			    high_water(&mx->prog_runs[i], ov->progs[i].est_runs));
	}
	write_header(w, &run_time);
	for (int i = 0; i < ov->n_progs; i++) {
		struct label l = { "program", ov->progs[i].name };

		write_value(w, &run_time, &l, 1, AS_SECONDS,
			    high_water(&mx->prog_ns[i], ov->progs[i].est_run_ns));
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
	write_header(w, &limit);
	write_value(w, &limit, NULL, 0, AS_MILLIONTHS,
		    b->inactive ? 0 : (__u64)(b->limit * 1e6 + 0.5));
	write_header(w, &duty);
	for (int i = 0; i < b->n; i++) {
		struct label l = { "family", b->families[i].name };

		if (b->families[i].sheddable)
			write_value(w, &duty, &l, 1, AS_MILLIONTHS,
				    (__u64)(budget_duty(b->families[i].level) * 1e6 + 0.5));
	}
	write_header(w, &changes);
	for (int i = 0; i < b->n; i++) {
		struct label l[2] = { { "family", b->families[i].name }, { "change", "shed" } };

		if (!b->families[i].sheddable)
			continue;
		write_value(w, &changes, l, 2, AS_COUNT, b->families[i].sheds);
		l[1].value = "restored";
		write_value(w, &changes, l, 2, AS_COUNT, b->families[i].restores);
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

	model_overhead_view(model, &ov);
	render_bpf_programs(mx, w, &ov);
	render_budget(w, &model->overhead.budget);
	write_header(w, &dropped);
	write_value(w, &dropped, NULL, 0, AS_COUNT, model->health[HEALTH_RINGBUF_DROPS]);
	/* Microseconds are all getrusage() has. */
	write_header(w, &cpu);
	write_value(w, &cpu, NULL, 0, AS_SECONDS, (__u64)(ov.loader_cpu_s * 1e6 + 0.5) * 1000);
	write_header(w, &rss);
	write_value(w, &rss, NULL, 0, AS_COUNT, (__u64)ov.loader_peak_rss_kb * 1024);
}

/*
 * Targets beyond the cap are left out (an "other" up/down means nothing).
 * The pid is on the info series only, so a restarted target keeps its
 * latscope_target_up series.
 */
static void render_targets(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family up = {
		"latscope_target_up",
		"gauge",
		NULL,
		"1 while a traced target is running, 0 once it has exited.",
	};
	static const struct family info = {
		"latscope_target_info",
		"gauge",
		NULL,
		"1 for each traced target, with its pid and comm (join on target).",
	};
	struct fold_table *t = &mx->folds[FOLD_TARGETS];
	struct label_text *text = calloc(model->n_targets + 1, sizeof(*text));
	bool *admitted = calloc(model->n_targets + 1, sizeof(*admitted));
	struct label labels[3];

	if (!text || !admitted)
		goto out;
	for (int i = 0; i < model->n_targets; i++) {
		target_labels(model, i, false, labels, &text[i]);
		admitted[i] = fold_admit(t, mx->series_cap, text[i].target);
	}
	write_header(w, &up);
	for (int i = 0; i < model->n_targets; i++)
		if (admitted[i])
			write_value(w, &up, labels,
				    target_labels(model, i, false, labels, &text[i]), AS_COUNT,
				    model->targets[i].state != TARGET_EXITED);
	write_header(w, &info);
	for (int i = 0; i < model->n_targets; i++)
		if (admitted[i])
			write_value(w, &info, labels,
				    target_labels(model, i, true, labels, &text[i]), AS_COUNT, 1);
out:
	free(text);
	free(admitted);
}

/* Which latscope this is: a constant 1, its build in the labels. */
static void render_build_info(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family build = {
		"latscope_build_info",
		"gauge",
		NULL,
		"A constant 1 labelled with the latscope build: version, git revision, libbpf it was built against.",
	};
	static const char libbpf[] =
		LATSCOPE_STR(LIBBPF_MAJOR_VERSION) "." LATSCOPE_STR(LIBBPF_MINOR_VERSION);
	const struct label labels[] = {
		{ "version", LATSCOPE_VERSION },
		{ "revision", LATSCOPE_REVISION },
		{ "libbpf", libbpf },
	};

	static const struct family host = {
		"latscope_host_info",
		"gauge",
		NULL,
		"A constant 1 labelled with the host name of the machine traced.",
	};
	const struct label host_label = { "host", model->host };

	write_header(w, &build);
	write_value(w, &build, labels, 3, AS_COUNT, 1);
	write_header(w, &host);
	write_value(w, &host, &host_label, 1, AS_COUNT, 1);
}

static void render_folds(struct metrics_exporter *mx, struct writer *w, struct model *model)
{
	static const struct family folded = {
		"latscope_metrics_folded",
		"counter",
		NULL,
		"Distinct label values folded into \"other\" (or left out) by the series cap, per metric family.",
	};
	write_header(w, &folded);
	for (int i = 0; i < FOLD_GROUPS; i++) {
		struct label l = { "family", mx->folds[i].family };

		write_value(w, &folded, &l, 1, AS_COUNT, mx->folds[i].n_folded);
	}
}

typedef void (*section_fn)(struct metrics_exporter *mx, struct writer *w, struct model *model);

/* One function per model section; the fold counts come last. */
static const section_fn sections[] = {
	render_build_info, render_syscalls, render_requests, render_upstreams, render_functions,
	render_resources,  render_health,   render_targets,  render_folds,
};

int metrics_render(struct metrics_exporter *mx, struct model *model, enum metrics_format fmt,
		   char **text, size_t *len)
{
	struct writer w = {
		.ops = fmt == METRICS_PROTOBUF ? &protobuf_writer_ops : &text_writer_ops,
		.mx = mx,
		.openmetrics = fmt == METRICS_OPENMETRICS,
	};
	int err = 0, closed;

	*text = NULL;
	w.out = open_memstream(text, len);
	if (!w.out)
		return -errno;
	if (w.ops->start)
		err = w.ops->start(&w);
	if (!err) {
		for (size_t i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
			sections[i](mx, &w, model);
		err = w.ops->finish(&w);
	}
	closed = fclose(w.out);
	if (err || closed) {
		free(*text);
		*text = NULL;
		return err ? err : -ENOMEM;
	}
	return 0;
}
