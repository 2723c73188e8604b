// What tracing costs: programs registered, and the figures derived from samples.
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "model/overhead.h"

int overhead_add_prog(struct overhead *oh, const char *name, int fd, bool per_syscall)
{
	struct prog_cost *p;

	if (oh->n_progs >= OVERHEAD_MAX_PROGS)
		return -E2BIG;
	p = &oh->progs[oh->n_progs++];
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->fd = fd;
	p->per_syscall = per_syscall;
	return 0;
}

bool overhead_window_is_open(const struct overhead *oh)
{
	return oh->window_opened_ns != 0;
}

void overhead_set_attached(struct overhead *oh, int fd, bool attached, __u64 now)
{
	for (int i = 0; i < oh->n_progs; i++)
		if (oh->progs[i].fd == fd)
			off_time_set(&oh->progs[i].detached, !attached, now);
}

/* Run time per attached ns in the last window (else on average). */
static double rate_while_attached(const struct prog_cost *p)
{
	if (p->win_on_ns)
		return (double)p->win_run_ns / p->win_on_ns;
	return p->sampled_on_ns ? (double)p->run_ns / p->sampled_on_ns : 0;
}

void overhead_close_period(struct overhead *oh, __u64 now)
{
	struct budget *b = &oh->budget;
	double span = oh->period_start_ns && now > oh->period_start_ns
			      ? (double)(now - oh->period_start_ns)
			      : 0;

	for (int i = 0; i < b->n; i++)
		b->families[i].cost = 0;
	b->cost = 0;
	for (int i = 0; i < oh->n_progs; i++) {
		struct prog_cost *p = &oh->progs[i];
		__u64 off = off_time_total(&p->detached, now);
		double share = span > 0 ? 1.0 - (off - p->off_at_period) / span : 1.0;
		double cost = rate_while_attached(p) * (share < 0 ? 0 : share);
		struct budget_family *f = p->family ? budget_find(b, p->family) : NULL;

		if (f)
			f->cost += cost;
		b->cost += cost;
		p->off_at_period = off;
	}
	oh->period_start_ns = now;
}

static void add_family_cost(struct overhead_view *out, const char *family, double ns_per_s)
{
	int i;

	if (!family)
		return;
	for (i = 0; i < out->n_families; i++)
		if (!strcmp(out->families[i].name, family))
			break;
	if (i == out->n_families)
		out->families[out->n_families++].name = family;
	out->families[i].kernel_ns_per_s += ns_per_s;
	out->families[i].cpu_share += ns_per_s / 1e9;
}

void overhead_view(const struct overhead *oh, double elapsed_s, __u64 now_ns,
		   struct overhead_view *out)
{
	double sampled_s = oh->sampled_ns / 1e9;
	int per_syscall_progs = 0;

	memset(out, 0, sizeof(*out));
	out->mode = oh->mode;
	out->reason = oh->reason;
	out->sample_fraction = oh->mode == OVERHEAD_SAMPLED ? oh->sample_fraction : 1.0;
	out->loader_cpu_s = oh->loader_cpu_s;
	out->loader_cpu_share =
		elapsed_s > 0 ? (oh->loader_cpu_s - oh->loader_cpu_at_start) / elapsed_s : 0;
	out->loader_peak_rss_kb = oh->loader_peak_rss_kb;
	out->windows = oh->windows;
	out->filter_windows = oh->filter_windows;
	out->target_cpu_share = elapsed_s > 0 ? oh->target_cpu_ns / 1e9 / elapsed_s : 0;
	if (sampled_s <= 0)
		return;
	out->n_progs = oh->n_progs;
	for (int i = 0; i < oh->n_progs; i++) {
		const struct prog_cost *p = &oh->progs[i];
		struct prog_cost_view *v = &out->progs[i];
		/* Rates while attached (a shed program), times the share attached. */
		double on_s = sampled_s, on_share = 1.0;

		if (p->detached.total || p->detached.off) {
			on_s = p->sampled_on_ns / 1e9;
			on_share = elapsed_s > 0 ? 1.0 - off_time_total(&p->detached, now_ns) /
								   1e9 / elapsed_s
						 : 1.0;
		}
		if (on_share < 0)
			on_share = 0;
		v->name = p->name;
		v->family = p->family;
		v->runs_per_s = on_s > 0 ? p->runs / on_s * on_share : 0;
		v->avg_ns = p->runs ? (double)p->run_ns / p->runs : 0;
		v->cpu_share = on_s > 0 ? p->run_ns / 1e9 / on_s * on_share : 0;
		v->est_runs = (__u64)(v->runs_per_s * elapsed_s);
		v->est_run_ns = (__u64)(v->cpu_share * elapsed_s * 1e9);
		out->kernel_ns_per_s += v->cpu_share * 1e9;
		add_family_cost(out, p->family, v->cpu_share * 1e9);
		per_syscall_progs += p->per_syscall;
	}
	out->kernel_cpu_share = out->kernel_ns_per_s / 1e9;
	if (oh->target_cpu_ns)
		out->target_share = out->kernel_ns_per_s * elapsed_s / oh->target_cpu_ns;
	/* Each traced syscall runs every per-syscall program once. */
	if (oh->filter_runs) {
		double traced = (double)per_syscall_progs * oh->traced_sampled;
		double other = 1.0 - traced / oh->filter_runs;

		out->other_process_share = other < 0 ? 0 : other;
	}
}

const char *overhead_mode_name(enum overhead_mode mode)
{
	switch (mode) {
	case OVERHEAD_OFF:
		return "off";
	case OVERHEAD_SAMPLED:
		return "sampled";
	case OVERHEAD_CONTINUOUS:
		return "continuous";
	case OVERHEAD_UNAVAILABLE:
		return "unavailable";
	}
	return "?";
}
