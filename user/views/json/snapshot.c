// Model -> JSON snapshot, and writing it safely.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "model/funcs.h"
#include "views/json/snapshot.h"
#include "base/output_file.h"
#include "base/syscall_names.h"
#include "base/version.h"

static json_t *iso_time(const struct model *model, __u64 mono_ns)
{
	return snapshot_iso_time(model_realtime_ns(model, mono_ns));
}

json_t *snapshot_iso_time(__u64 real)
{
	time_t secs = real / 1000000000ULL;
	char buf[64];
	struct tm tm;

	gmtime_r(&secs, &tm);
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03lluZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
		 (unsigned long long)(real / 1000000 % 1000));
	return json_string(buf);
}

/* Sparse histogram: [[low_ns, width_ns, count], ...] for non-empty buckets. */
json_t *snapshot_hist_json(const struct lat_stats *hist)
{
	json_t *buckets = json_array();

	for (__u32 i = 0; i < HIST_BUCKETS; i++) {
		if (!hist->buckets[i])
			continue;
		json_array_append_new(buckets, json_pack("[III]", (json_int_t)hist_bucket_low(i),
							 (json_int_t)hist_bucket_width(i),
							 (json_int_t)hist->buckets[i]));
	}
	return buckets;
}

json_t *snapshot_latency_json(const struct lat_summary *lat)
{
	json_t *obj = json_pack("{s:I, s:I, s:f, s:I, s:I, s:I}", "count", (json_int_t)lat->count,
				"errors", (json_int_t)lat->errors, "rate_per_s", lat->rate_per_s,
				"total_ns", (json_int_t)lat->total_ns, "min_ns",
				(json_int_t)lat->min_ns, "max_ns", (json_int_t)lat->max_ns);
	static const char *const keys[LAT_QUANTILES] = {
		"p50_ns", "p90_ns", "p95_ns", "p99_ns", "p999_ns",
	};

	for (int i = 0; i < LAT_QUANTILES; i++)
		json_object_set_new(obj, keys[i], json_integer((json_int_t)lat->quantile_ns[i]));
	return obj;
}

static json_t *syscalls_json(struct model *model, enum model_window window)
{
	const struct syscall_view *views;
	json_t *obj = json_object();
	int n;

	syscalls_views(&model->syscalls, window, NULL, &views, &n);
	for (int i = 0; i < n; i++) {
		json_t *row = snapshot_latency_json(&views[i].lat);
		json_t *errnos = json_array();

		for (int e = 0; e < views[i].n_top_errnos; e++) {
			char buf[16];
			int err = views[i].top_errnos[e].err;

			json_array_append_new(errnos,
					      json_pack("{s:s, s:i, s:I}", "name",
							errno_name(err, buf, sizeof(buf)), "errno",
							err, "count",
							(json_int_t)views[i].top_errnos[e].count));
		}
		json_object_set_new(row, "nr", json_integer(views[i].nr));
		json_object_set_new(row, "top_errnos", errnos);
		json_object_set_new(row, "histogram", snapshot_hist_json(views[i].hist));
		json_object_set_new(obj, views[i].name, row);
	}
	return obj;
}

/* Keyed by name; a name in two files gets "@module" on the later ones. */
static json_t *functions_json(struct model *model, enum model_window window)
{
	const struct func_view *views;
	json_t *obj = json_object();
	char key[256];
	int n;

	funcs_views(model->funcs, window, NULL, &views, &n);
	for (int i = 0; i < n; i++) {
		json_t *row = snapshot_latency_json(&views[i].lat);

		json_object_del(row, "errors");
		json_object_set_new(row, "self_ns", json_integer((json_int_t)views[i].self_ns));
		json_object_set_new(row, "module", json_string(views[i].module));
		json_object_set_new(row, "symbols_from", json_string(views[i].symbols_from));
		json_object_set_new(row, "histogram", snapshot_hist_json(views[i].hist));
		snprintf(key, sizeof(key), "%s", views[i].name);
		if (json_object_get(obj, key))
			snprintf(key, sizeof(key), "%s@%s", views[i].name, views[i].module);
		json_object_set_new(obj, key, row);
	}
	return obj;
}

static json_t *probes_json(struct model *model)
{
	const struct func_cost *costs;
	json_t *arr = json_array();
	int n;

	model_func_costs(model, &costs, &n);
	for (int i = 0; i < n; i++)
		json_array_append_new(
			arr,
			json_pack("{s:s, s:s, s:s, s:f, s:f, s:f, s:b}", "function", costs[i].name,
				  "module", costs[i].module, "first_insn",
				  costs[i].stepped ? "single-stepped" : "emulated", "hits_per_s",
				  costs[i].hits_per_s, "ns_per_hit", costs[i].ns_per_hit,
				  "cpu_share", costs[i].cpu_share, "hot", costs[i].hot));
	return json_pack("{s:f, s:f, s:f, s:I, s:I, s:o}", "trap_ns_floor", FUNC_TRAP_NS_FLOOR,
			 "step_ns_floor", FUNC_STEP_NS_FLOOR, "hot_cpu_share", FUNC_HOT_CPU_SHARE,
			 "too_deep", (json_int_t)model->health[HEALTH_FUNC_TOO_DEEP], "unpaired",
			 (json_int_t)model->health[HEALTH_FUNC_UNPAIRED], "functions", arr);
}

static json_t *targets_json(const struct model *model)
{
	json_t *arr = json_array();

	for (int i = 0; i < model->n_targets; i++) {
		const struct target_info *t = &model->targets[i];
		json_t *obj = json_pack("{s:i, s:s, s:s, s:b}", "pid", t->pid, "comm", t->comm,
					"state", t->state == TARGET_EXITED ? "exited" : "running",
					"spawned", t->spawned);

		if (t->state == TARGET_EXITED)
			json_object_set_new(obj, "wait_status", json_integer(t->exit_code));
		if (t->ns_pid)
			json_object_set_new(obj, "ns_pid", json_integer(t->ns_pid));
		if (t->cgroup_id)
			json_object_set_new(obj, "cgroup_id",
					    json_integer((json_int_t)t->cgroup_id));
		if (t->descendant_of)
			json_object_set_new(obj, "descendant_of", json_integer(t->descendant_of));
		json_array_append_new(arr, obj);
	}
	return arr;
}

/* The calls in no row yet: entered, not returned at the last reading. */
static json_t *in_flight_json(const struct model *model)
{
	const struct model_syscalls *s = &model->syscalls;
	json_t *calls = json_array();

	for (int i = 0; i < s->n_in_flight; i++) {
		const struct in_flight_call *c = &s->in_flight[i];
		bool known = c->since_ns && c->since_ns <= model->clock.now_ns;
		char name[32];

		json_array_append_new(
			calls,
			json_pack(
				"{s:i, s:i, s:s, s:b, s:I}", "pid", (int)c->tgid, "tid",
				(int)c->tid, "syscall", syscall_name(c->nr, name, sizeof(name)),
				"entered_before_trace", !known, "elapsed_ns",
				(json_int_t)(known ? model->clock.now_ns - c->since_ns
						   : model->clock.now_ns - model->clock.start_ns)));
	}
	return json_pack("{s:i, s:o}", "threads", s->in_flight_threads, "calls", calls);
}

static json_t *slow_calls_json(const struct model *model)
{
	const struct ring_log *log = &model->syscalls.slow;
	json_t *kept = json_array();

	for (size_t i = 0; i < log->len; i++) {
		const struct slow_call *c = ring_log_at(log, i);
		char name[32];

		json_array_append_new(kept,
				      json_pack("{s:o, s:i, s:i, s:s, s:I, s:I, s:I}", "time",
						iso_time(model, c->ts_ns), "pid", (int)c->tgid,
						"tid", (int)c->tid, "syscall",
						syscall_name(c->nr, name, sizeof(name)), "arg0",
						(json_int_t)c->arg0, "ret", (json_int_t)c->ret,
						"duration_ns", (json_int_t)c->duration_ns));
	}
	return json_pack("{s:I, s:I, s:o}", "threshold_ns", (json_int_t)model->syscalls.slow_ns,
			 "reported", (json_int_t)log->total, "events", kept);
}

static const char *proc_kind_name(enum proc_event_kind kind)
{
	static const char *const names[] = {
		[PROC_FORK] = "fork", [PROC_EXEC] = "exec", [PROC_EXIT] = "exit", [PROC_JOIN] = "join"
	};

	return names[kind];
}

static json_t *proc_events_json(const struct model *model)
{
	const struct ring_log *log = &model->proc_events;
	json_t *arr = json_array();

	for (size_t i = 0; i < log->len; i++) {
		const struct proc_event *ev = ring_log_at(log, i);
		json_t *obj = json_pack("{s:s, s:o, s:i, s:i, s:s}", "type",
					proc_kind_name(ev->kind), "time",
					iso_time(model, ev->ts_ns), "pid", (int)ev->tgid, "tid",
					(int)ev->tid, "comm", ev->comm);

		if (ev->kind == PROC_FORK)
			json_object_set_new(obj, "child_pid", json_integer(ev->child_tgid));
		if (ev->kind == PROC_EXEC)
			json_object_set_new(obj, "filename", json_string(ev->filename));
		if (ev->kind == PROC_EXIT)
			json_object_set_new(obj, "wait_status", json_integer(ev->exit_code));
		json_array_append_new(arr, obj);
	}
	return json_pack("{s:I, s:o}", "total", (json_int_t)log->total, "events", arr);
}

/* { "syscalls": {"kernel_ns_per_s": ..., "cpu_share": ...}, "sched": ... } */
static json_t *families_json(const struct model *model)
{
	struct overhead_view v;
	json_t *obj = json_object();

	model_overhead_view(model, &v);
	for (int i = 0; i < v.n_families; i++)
		json_object_set_new(obj, v.families[i].name,
				    json_pack("{s:f, s:f}", "kernel_ns_per_s",
					      v.families[i].kernel_ns_per_s, "cpu_share",
					      v.families[i].cpu_share));
	return obj;
}

static json_t *overhead_json(struct model *model)
{
	struct overhead_view v;
	json_t *progs = json_array();

	model_overhead_view(model, &v);
	for (int i = 0; i < v.n_progs; i++) {
		const struct prog_cost_view *p = &v.progs[i];

		json_array_append_new(progs,
				      json_pack("{s:s, s:f, s:f, s:f, s:I, s:I}", "name", p->name,
						"runs_per_s", p->runs_per_s, "avg_ns_per_run",
						p->avg_ns, "cpu_share", p->cpu_share, "est_runs",
						(json_int_t)p->est_runs, "est_run_time_ns",
						(json_int_t)p->est_run_ns));
		json_object_set_new(json_array_get(progs, i), "family",
				    p->family ? json_string(p->family) : json_null());
	}
	return json_pack(
		"{s:s, s:s?, s:f, s:o, s:f, s:f, s:f, s:{s:f, s:f, s:I}, s:{s:I, s:I, s:I, s:I, s:I}}",
		"bpf_stats", overhead_mode_name(v.mode), "reason",
		v.mode == OVERHEAD_UNAVAILABLE ? v.reason : NULL, "sample_fraction",
		v.sample_fraction, "programs", progs, "kernel_ns_per_s", v.kernel_ns_per_s,
		"kernel_cpu_share", v.kernel_cpu_share, "other_process_share",
		v.other_process_share, "loader", "cpu_s", v.loader_cpu_s, "cpu_share",
		v.loader_cpu_share, "peak_rss_kb", (json_int_t)v.loader_peak_rss_kb, "ringbuf",
		"records", (json_int_t)model->records_received, "dropped",
		(json_int_t)model->health[HEALTH_RINGBUF_DROPS], "stats_map_full",
		(json_int_t)model->health[HEALTH_STATS_FULL], "tgids_full",
		(json_int_t)model->health[HEALTH_TGIDS_FULL], "task_storage_missed",
		(json_int_t)model->health[HEALTH_TASK_STORAGE_MISSED]);
}

json_t *snapshot_build(struct model *model, bool with_interval)
{
	json_t *snap = json_pack("{s:s, s:i, s:s, s:{s:o, s:o, s:f}, s:o, s:b, s:{s:s, s:i, s:f}}",
				 "schema", SNAPSHOT_SCHEMA, "version", SNAPSHOT_VERSION,
				 "latscope_version", LATSCOPE_VERSION, "time", "start",
				 iso_time(model, model->clock.start_ns), "end",
				 iso_time(model, model->clock.now_ns), "duration_s",
				 model_window_seconds(model, WINDOW_TOTAL), "targets",
				 targets_json(model), "follow", model->follow, "histogram",
				 "scheme", "log-linear", "sub_buckets", HIST_SUB_BUCKETS,
				 "max_relative_error", HIST_ERROR_PPM / 1e6);

	if (!snap)
		return NULL;
	json_object_set_new(snap, "syscalls", syscalls_json(model, WINDOW_TOTAL));
	json_object_set_new(snap, "requests", snapshot_requests(model));
	json_object_set_new(snap, "upstreams", snapshot_upstreams(model));
	if (with_interval)
		json_object_set_new(
			snap, "interval",
			json_pack("{s:f, s:o, s:o, s:o, s:o}", "duration_s",
				  model_window_seconds(model, WINDOW_INTERVAL), "syscalls",
				  syscalls_json(model, WINDOW_INTERVAL), "resources",
				  snapshot_resources(model, WINDOW_INTERVAL), "requests",
				  snapshot_request_groups(model, WINDOW_INTERVAL, REQ_ROLE_SERVER),
				  "upstreams",
				  snapshot_request_groups(model, WINDOW_INTERVAL,
							  REQ_ROLE_CLIENT)));
	json_object_set_new(snap, "slow_syscalls", slow_calls_json(model));
	if (model->host[0])
		json_object_set_new(snap, "host", json_string(model->host));
	if (model->selector[0])
		json_object_set_new(snap, "selector",
				    json_pack("{s:s, s:I}", "targets", model->selector, "cgroup_id",
					      (json_int_t)model->cgroup_id));
	if (!model->syscalls.off)
		json_object_set_new(snap, "syscalls_in_flight", in_flight_json(model));
	json_object_set_new(snap, "process_events", proc_events_json(model));
	json_object_set_new(snap, "resources", snapshot_resources(model, WINDOW_TOTAL));
	json_object_set_new(snap, "overhead", overhead_json(model));
	if (funcs_any(model->funcs)) {
		json_object_set_new(snap, "functions", functions_json(model, WINDOW_TOTAL));
		json_object_set_new(json_object_get(snap, "overhead"), "probes",
				    probes_json(model));
		if (with_interval)
			json_object_set_new(json_object_get(snap, "interval"), "functions",
					    functions_json(model, WINDOW_INTERVAL));
	}
	json_object_set_new(json_object_get(snap, "overhead"), "families", families_json(model));
	json_object_set_new(json_object_get(snap, "overhead"), "budget", snapshot_budget(model));
	if (with_interval)
		json_object_set_new(json_object_get(snap, "interval"), "sampling",
				    snapshot_sampling(model, WINDOW_INTERVAL));
	return snap;
}

/* json_dumpf fails on a failed fwrite; output_file_close finds the rest. */
static int dump(const json_t *snap, FILE *f, bool one_line)
{
	errno = 0;
	if (json_dumpf(snap, f, one_line ? JSON_COMPACT : JSON_INDENT(2)) || fputc('\n', f) == EOF)
		return errno ? -errno : -EIO;
	return 0;
}

static int write_output(struct output_file *out, int err, const json_t *snap, bool one_line)
{
	if (err)
		return err;
	return output_file_close(out, dump(snap, out->f, one_line));
}

int snapshot_write_file(const char *path, const json_t *snap)
{
	struct output_file out;

	return write_output(&out, output_file_open(&out, path), snap, false);
}

int snapshot_append_line(const char *path, const json_t *snap)
{
	struct output_file out;

	return write_output(&out, output_file_open_append(&out, path), snap, true);
}

int snapshot_print(FILE *out, const json_t *snap, bool one_line)
{
	int err = dump(snap, out, one_line);

	return err ? err : stream_flush(out);
}

int snapshot_check_writable(const char *path, char *why, size_t len)
{
	int err = output_file_check(path);

	if (err)
		snprintf(why, len, "cannot write %s: %s", *path ? path : "''", strerror(-err));
	return err;
}
