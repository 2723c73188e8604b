// Text report: header, syscall table, slow calls, overhead.
#include <string.h>
#include "base/format.h"
#include "base/output_file.h"
#include "views/text/budget.h"
#include "views/text/funcs.h"
#include "views/text/resources.h"
#include "views/text/report.h"
#include "base/syscall_names.h"

#define NAME_WIDTH     18
#define HEADER_TARGETS 8

static void print_header(FILE *out, const struct model *model, enum model_window window)
{
	char comm[LATSCOPE_COMM_LEN + 8];

	fprintf(out, "== latscope: ");
	if (model->selector[0])
		fprintf(out, "%s: %s", model->selector, model->n_targets ? "" : "no process yet");
	for (int i = 0; i < model->n_targets; i++) {
		const struct target_info *t = &model->targets[i];

		/* A process tree (-p PID -f) can be large: the JSON lists it all. */
		if (i == HEADER_TARGETS) {
			fprintf(out, " and %d more", model->n_targets - i);
			break;
		}
		snprintf(comm, sizeof(comm), " (%s)", t->comm);
		fprintf(out, "%spid %d%s%s", i ? ", " : "", t->pid, t->comm[0] ? comm : "",
			t->state == TARGET_EXITED ? " [exited]" : "");
		if (t->ns_pid && t->ns_pid != t->pid)
			fprintf(out, " [ns pid %d]", t->ns_pid);
	}
	fprintf(out, " | %s %.2fs%s ==\n", window == WINDOW_TOTAL ? "total" : "last",
		model_window_seconds(model, window), model->follow ? " | following children" : "");
}

static void print_syscall_row(FILE *out, const struct syscall_view *v)
{
	char total[16], min[16], max[16], rate[16], q[LAT_QUANTILES][16];
	char count[16], errors[16];

	for (int i = 0; i < LAT_QUANTILES; i++)
		format_duration(v->lat.quantile_ns[i], q[i], sizeof(q[i]));
	fprintf(out, "%-*.*s %8s %6s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", NAME_WIDTH, NAME_WIDTH,
		v->name, format_count(v->lat.count, count, sizeof(count)),
		format_count(v->lat.errors, errors, sizeof(errors)),
		format_count(v->lat.rate_per_s, rate, sizeof(rate)),
		format_duration(v->lat.total_ns, total, sizeof(total)),
		format_duration(v->lat.min_ns, min, sizeof(min)), q[0], q[1], q[2], q[3], q[4],
		format_duration(v->lat.max_ns, max, sizeof(max)));
	if (!v->n_top_errnos)
		return;
	fprintf(out, "%*s errors:", NAME_WIDTH, "");
	for (int i = 0; i < v->n_top_errnos; i++) {
		char buf[16];

		fprintf(out, " %s x%llu", errno_name(v->top_errnos[i].err, buf, sizeof(buf)),
			(unsigned long long)v->top_errnos[i].count);
	}
	fputc('\n', out);
}

/*
 * Calls not returned yet are in no row: without this line a process
 * blocked for the whole window (a shell in wait4 behind a stuck child)
 * would look untraced.
 */
static void print_in_flight(FILE *out, const struct model *model)
{
	const struct model_syscalls *s = &model->syscalls;
	char name[32], age[16];

	if (!s->in_flight_threads)
		return;
	fprintf(out, "in flight (entered, not yet returned, so in no row):");
	for (int i = 0; i < s->n_in_flight; i++) {
		const struct in_flight_call *c = &s->in_flight[i];

		const char *call = syscall_name(c->nr, name, sizeof(name));

		if (c->since_ns && c->since_ns <= model->clock.now_ns)
			fprintf(out, "%s %s for %s (pid %u", i ? "," : "", call,
				format_duration(model->clock.now_ns - c->since_ns, age,
						sizeof(age)),
				c->tgid);
		else
			fprintf(out, "%s %s since before the trace (pid %u", i ? "," : "", call,
				c->tgid);
		if (c->tid != c->tgid)
			fprintf(out, " tid %u", c->tid);
		fputc(')', out);
	}
	if (s->in_flight_threads > s->n_in_flight)
		fprintf(out, ", and %d more", s->in_flight_threads - s->n_in_flight);
	fputc('\n', out);
}

static void print_syscalls(FILE *out, struct model *model, enum model_window window)
{
	const struct syscall_view *views;
	int n;

	if (model->syscalls.off)
		return;
	syscalls_views(&model->syscalls, window, NULL, &views, &n);
	if (!n) {
		fprintf(out, "%s\n",
			model->syscalls.in_flight_threads ? "no syscall returned in this window"
							  : "no syscalls seen");
		print_in_flight(out, model);
		return;
	}
	fprintf(out, "%-*s %8s %6s %8s %8s %8s %8s %8s %8s %8s %8s %8s\n", NAME_WIDTH, "SYSCALL",
		"COUNT", "ERR", "RATE/s", "TOTAL", "MIN", "P50", "P90", "P95", "P99", "P99.9",
		"MAX");
	for (int i = 0; i < n; i++)
		print_syscall_row(out, &views[i]);
	print_in_flight(out, model);
}

static void print_events_summary(FILE *out, const struct model *model)
{
	char threshold[16];

	if (model->syscalls.slow_ns)
		fprintf(out, "slow syscalls (>= %s): %llu reported\n",
			format_duration(model->syscalls.slow_ns, threshold, sizeof(threshold)),
			(unsigned long long)model->syscalls.slow.total);
	if (model->proc_events.total)
		fprintf(out, "process events: %llu\n",
			(unsigned long long)model->proc_events.total);
}

static void print_overhead(FILE *out, struct model *model)
{
	struct overhead_view v;
	char rss[16], kernel[16];

	model_overhead_view(model, &v);
	switch (v.mode) {
	case OVERHEAD_OFF:
		fprintf(out, "overhead: BPF stats off (--no-overhead)\n");
		break;
	case OVERHEAD_UNAVAILABLE:
		fprintf(out, "overhead: BPF stats unavailable (%s)\n", v.reason);
		break;
	default:
		if (!v.n_progs) {
			fprintf(out, "overhead: no sampling window completed yet\n");
			break;
		}
		fprintf(out,
			"overhead (BPF stats %s, %.0f%% of the time, scaled to the whole trace):\n",
			overhead_mode_name(v.mode), v.sample_fraction * 100);
		fprintf(out, "  %-18s %10s %8s %8s\n", "PROGRAM", "RUNS/s", "AVG ns", "CPU%");
		for (int i = 0; i < v.n_progs; i++) {
			char runs[16];

			fprintf(out, "  %-18s %10s %8.1f %8.3f\n", v.progs[i].name,
				format_count(v.progs[i].runs_per_s, runs, sizeof(runs)),
				v.progs[i].avg_ns, v.progs[i].cpu_share * 100);
		}
		fprintf(out, "  by probe family:");
		for (int i = 0; i < v.n_families; i++)
			fprintf(out, "%s %s %.3f%%", i ? "," : "", v.families[i].name,
				v.families[i].cpu_share * 100);
		fputc('\n', out);
		fprintf(out,
			"  kernel: %s/s = %.3f%% of one CPU; %.1f%% of syscall-program runs were other processes' (filter cost)",
			format_duration((__u64)v.kernel_ns_per_s, kernel, sizeof(kernel)),
			v.kernel_cpu_share * 100, v.other_process_share * 100);
		/* Shed windows say nothing of it (overhead_sampler.c). */
		if (v.filter_windows < v.windows)
			fprintf(out, ", from %d of %d windows (the others shed)", v.filter_windows,
				v.windows);
		fputc('\n', out);
	}
	report_funcs_costs(out, model);
	report_budget_events(out, model);
	fprintf(out,
		"  loader: %.2fs CPU in all, %.2f%% of one CPU while tracing, peak RSS %s; ring buffer: %llu records, %llu dropped\n",
		v.loader_cpu_s, v.loader_cpu_share * 100,
		format_kib(v.loader_peak_rss_kb, rss, sizeof(rss)),
		(unsigned long long)model->records_received,
		(unsigned long long)model->health[HEALTH_RINGBUF_DROPS]);
	if (model->health[HEALTH_STATS_FULL])
		fprintf(out,
			"  warning: %llu samples not aggregated (more distinct keys than the kernel maps hold)\n",
			(unsigned long long)model->health[HEALTH_STATS_FULL]);
	if (model->health[HEALTH_TASK_STORAGE_MISSED])
		fprintf(out,
			"  warning: %llu events missed: the kernel could not create per-thread storage\n",
			(unsigned long long)model->health[HEALTH_TASK_STORAGE_MISSED]);
	if (model->health[HEALTH_TGIDS_FULL])
		fprintf(out,
			"  warning: %llu children not followed (more than %d traced processes)\n",
			(unsigned long long)model->health[HEALTH_TGIDS_FULL], LATSCOPE_MAX_TGIDS);
}

int report_text_print(FILE *out, struct model *model, enum model_window window)
{
	print_header(out, model, window);
	report_budget_head(out, model, window);
	print_syscalls(out, model, window);
	report_requests_print(out, model, window);
	report_funcs_print(out, model, window);
	print_events_summary(out, model);
	report_text_resources(out, model, window);
	print_overhead(out, model);
	fputc('\n', out);
	return stream_flush(out);
}

void report_text_slow_call(FILE *out, const struct model *model, const struct slow_call *call)
{
	char when[16], dur[16], name[32];

	fprintf(out, "slow %s tid %u %s(0x%llx) = %lld  %s\n",
		format_clock(model_realtime_ns(model, call->ts_ns), when, sizeof(when)), call->tid,
		syscall_name(call->nr, name, sizeof(name)), (unsigned long long)call->arg0,
		(long long)call->ret, format_duration(call->duration_ns, dur, sizeof(dur)));
	fflush(out);
}

void report_text_proc_event(FILE *out, const struct model *model, const struct proc_event *ev)
{
	char when[16], status[32];

	format_clock(model_realtime_ns(model, ev->ts_ns), when, sizeof(when));
	switch (ev->kind) {
	case PROC_FORK:
		fprintf(out, "proc %s fork pid %u (%s) -> child %u\n", when, ev->tgid, ev->comm,
			ev->child_tgid);
		break;
	case PROC_EXEC:
		fprintf(out, "proc %s exec pid %u %s\n", when, ev->tgid, ev->filename);
		break;
	case PROC_JOIN:
		fprintf(out, "proc %s join pid %u (%s): moved into the traced cgroup\n", when,
			ev->tgid, ev->comm);
		break;
	case PROC_EXIT:
		fprintf(out, "proc %s exit pid %u (%s) %s\n", when, ev->tgid, ev->comm,
			format_wait_status(ev->exit_code, status, sizeof(status)));
		break;
	}
	fflush(out);
}
