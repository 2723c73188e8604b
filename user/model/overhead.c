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

void overhead_view(const struct overhead *oh, double elapsed_s, struct overhead_view *out)
{
	double sampled_s = oh->sampled_ns / 1e9;
	__u64 per_syscall_runs = 0;
	int per_syscall_progs = 0;

	memset(out, 0, sizeof(*out));
	out->mode = oh->mode;
	out->reason = oh->reason;
	out->sample_fraction = oh->mode == OVERHEAD_SAMPLED ? oh->sample_fraction : 1.0;
	out->loader_cpu_s = oh->loader_cpu_s;
	out->loader_cpu_share =
		elapsed_s > 0 ? (oh->loader_cpu_s - oh->loader_cpu_at_start) / elapsed_s : 0;
	out->loader_peak_rss_kb = oh->loader_peak_rss_kb;
	if (sampled_s <= 0)
		return;
	out->n_progs = oh->n_progs;
	for (int i = 0; i < oh->n_progs; i++) {
		const struct prog_cost *p = &oh->progs[i];
		struct prog_cost_view *v = &out->progs[i];

		v->name = p->name;
		v->family = p->family;
		v->runs_per_s = p->runs / sampled_s;
		v->avg_ns = p->runs ? (double)p->run_ns / p->runs : 0;
		v->cpu_share = p->run_ns / 1e9 / sampled_s;
		v->est_runs = (__u64)(v->runs_per_s * elapsed_s);
		v->est_run_ns = (__u64)(v->cpu_share * elapsed_s * 1e9);
		out->kernel_ns_per_s += p->run_ns / sampled_s;
		add_family_cost(out, p->family, p->run_ns / sampled_s);
		if (p->per_syscall) {
			per_syscall_runs += p->runs;
			per_syscall_progs++;
		}
	}
	out->kernel_cpu_share = out->kernel_ns_per_s / 1e9;
	/* Each traced syscall runs every per-syscall program once. */
	if (per_syscall_runs) {
		double traced = (double)per_syscall_progs * oh->traced_sampled;
		double other = 1.0 - traced / per_syscall_runs;

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
